"""A confidential location never shows its street address or exact coordinates (SECURITY: §6).

Canaries (a street, a postcode and exact coordinates) are stored for a confidential shelter; every
endpoint that returns resources is asked for it, every way it can be found.
"""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.resources.transfer import export_lines
from tests.conftest import FakeClock
from tests.factories import auth, make_admin

STREET, POSTCODE, LAT, LNG = "1234 Canary Street", "60699", 41.881234, -87.623456
CANARIES = (STREET, "Canary", POSTCODE, "41.881234", "-87.623456", "881234", "623456")


def assert_no_canary(text: str) -> None:
    for canary in CANARIES:
        assert canary not in text, canary


def test_confidential_location_never_leaks(client: TestClient, app: FastAPI) -> None:
    admin = auth(make_admin(client, app))
    created = client.post(
        "/v1/resources",
        json={
            "name": "Haven House",
            "description": "Confidential shelter for survivors. Call the hotline for intake.",
            "categories": ["shelter", "hotline", "trafficking-services"],
            "phones": [{"number": "1-800-555-0199", "description": "24/7 intake line"}],
            "address": {
                "address_1": STREET,
                "city": "Chicago",
                "state_province": "IL",
                "postal_code": POSTCODE,
            },
            "lat": LAT,
            "lng": LNG,
            "confidential": True,
            "open_24_7": True,
            "timezone": "America/Chicago",
        },
        headers=admin,
    )
    assert created.status_code == 201
    assert_no_canary(created.text)
    shelter: dict[str, Any] = created.json()
    assert (shelter["address"], shelter["lat"], shelter["lng"]) == (None, None, None)
    assert shelter["phones"][0]["number"] == "1-800-555-0199"

    patched = client.patch(
        f"/v1/resources/{shelter['id']}", json={"description": "Still confidential."}, headers=admin
    )
    assert patched.status_code == 200
    assert_no_canary(patched.text)

    responses = [
        client.get(f"/v1/resources/{shelter['id']}"),
        client.get("/v1/resources"),
        client.get("/v1/resources", params={"q": "haven"}),
        client.get(
            "/v1/resources",
            params={"category": "shelter", "lat": 41.88, "lng": -87.62, "radius_km": 20},
        ),
        client.get("/v1/resources", params={"lat": LAT, "lng": LNG, "radius_km": 1}),
        client.get("/v1/resources", params={"open_now": "true"}),
        client.get("/v1/resources/categories"),
        client.get("/v1/crisis", params={"lat": LAT, "lng": LNG}),
        client.get("/v1/resources", params={"q": "canary street"}),
        client.get("/v1/resources", params={"cursor": "bad"}),
    ]
    for response in responses:
        assert_no_canary(response.text)

    found = client.get(
        "/v1/resources",
        params={"category": "shelter", "lat": 41.88, "lng": -87.62, "radius_km": 20},
    ).json()
    assert [item["name"] for item in found["items"]] == ["Haven House"]
    distance = found["items"][0]["distance_km"]
    assert distance == round(distance)  # whole kilometres only
    assert (
        client.get("/v1/crisis", params={"lat": LAT, "lng": LNG}).json()["local"][0]["name"]
        == "Haven House"
    )
    # The street is not searchable text.
    assert client.get("/v1/resources", params={"q": "canary street"}).json()["items"] == []


def test_the_search_point_is_a_coarse_cell_centre(client: TestClient, app: FastAPI) -> None:
    admin = auth(make_admin(client, app))
    client.post(
        "/v1/resources",
        json={
            "name": "Hidden",
            "categories": ["shelter"],
            "lat": LAT,
            "lng": LNG,
            "confidential": True,
        },
        headers=admin,
    )
    engine = app.state.runtime.database.reader
    with engine.connect() as connection:
        lat, lng = connection.execute(text("SELECT search_lat, search_lng FROM service")).one()
    assert (lat, lng) == (41.85, -87.65)


# --- a location shared by a confidential and an open service (possible through HSDS imports) ---

SHARED_LOCATION = "4f0e1d2c-3b4a-4596-8877-665544332211"
SHARED_CANARIES = ("8 Hidden Row", "40.701234", "-73.987654", "10002", "Row House")


def shared_service(number: int, name: str, confidential: bool) -> dict[str, Any]:
    return {
        "id": f"5e000000-0000-4000-8000-00000000000{number}",
        "name": name,
        "status": "active",
        "waymark_confidential": confidential,
        "service_at_locations": [
            {
                "id": f"5a000000-0000-4000-8000-00000000000{number}",
                "description": "Row House, ring twice",
                "location": {
                    "id": SHARED_LOCATION,
                    "location_type": "physical",
                    "name": "Row House",
                    "latitude": 40.701234,
                    "longitude": -73.987654,
                    "addresses": [
                        {
                            "id": f"5d000000-0000-4000-8000-00000000000{number}",
                            "address_1": "8 Hidden Row",
                            "city": "New York",
                            "state_province": "NY",
                            "postal_code": "10002",
                            "country": "US",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
    }


def every_answer(client: TestClient, app: FastAPI, service_id: str) -> list[str]:
    near = {"lat": 40.70, "lng": -73.99}
    return [
        client.get(f"/v1/resources/{service_id}").text,
        client.get("/v1/resources", params={**near, "radius_km": 5}).text,
        client.get("/v1/resources", params={"q": "legal"}).text,
        client.get(f"/hsds/services/{service_id}").text,
        client.get("/hsds/services", params={"full": "true"}).text,
        client.get("/hsds/services", params={"format": "ndjson", "full": "true"}).text,
        client.get("/hsds/services", params={**near, "radius": 5000}).text,
        client.get("/hsds/service_at_locations", params={"full": "true"}).text,
        client.get("/hsds/service_at_locations", params={"format": "ndjson"}).text,
        client.get("/hsds/service_at_locations", params={"postcode": "10002"}).text,
        client.get("/hsds/service_at_locations/5a000000-0000-4000-8000-000000000001").text,
        b"".join(export_lines(app.state.runtime.database)).decode(),
    ]


def search_point(app: FastAPI, name: str) -> tuple[float, float]:
    with app.state.runtime.database.reader.connect() as connection:
        row = connection.execute(
            text("SELECT search_lat, search_lng FROM service WHERE name = :name"),
            {"name": name},
        ).one()
    return float(row[0]), float(row[1])


@pytest.mark.parametrize("together", [True, False], ids=["one-import", "open-service-first"])
def test_a_location_shared_with_a_confidential_service_is_hidden_for_both(
    client: TestClient, app: FastAPI, clock: FakeClock, together: bool
) -> None:
    admin = auth(make_admin(client, app))
    legal = shared_service(1, "Legal clinic", confidential=False)
    shelter = shared_service(2, "Row shelter", confidential=True)
    assert client.post("/v1/resources/import", json=[legal], headers=admin).status_code == 200
    before = client.get(f"/v1/resources/{legal['id']}").json()
    if not together:
        # Alone, the open service shows its address: nothing confidential uses the place yet.
        assert before["address"]["address_1"] == "8 Hidden Row"
        assert search_point(app, "Legal clinic") == (40.701234, -73.987654)
        clock.advance(hours=1)
        since = "2026-11-23T12:30:00Z"
    batch = [legal, shelter] if together else [shelter]
    assert client.post("/v1/resources/import", json=batch, headers=admin).status_code == 200

    for answer in every_answer(client, app, legal["id"]):
        for canary in SHARED_CANARIES:
            assert canary not in answer, canary
    clinic = client.get(f"/v1/resources/{legal['id']}").json()
    assert (clinic["address"], clinic["lat"], clinic["lng"]) == (None, None, None)
    found = client.get("/v1/resources", params={"lat": 40.70, "lng": -73.99, "radius_km": 20})
    distances = [item["distance_km"] for item in found.json()["items"]]
    assert len(distances) == 2
    assert all(distance == round(distance) for distance in distances)  # whole kilometres
    assert search_point(app, "Legal clinic") == (40.75, -73.95)
    assert (
        client.get("/hsds/service_at_locations", params={"postcode": "10002"}).json()["contents"]
        == []
    )
    if not together:
        # The open service changed on the way out, so incremental syncs fetch it again.
        changed = client.get("/hsds/services", params={"modified_after": since}).json()
        assert legal["id"] in [item["id"] for item in changed["contents"]]


def test_a_place_once_secret_stays_secret_when_its_shelter_leaves(
    client: TestClient, app: FastAPI
) -> None:
    """Deleting the shelter's listing, or ending its confidentiality, must not publish the
    address it had: anyone watching the directory would learn where it was (or still is)."""
    admin = auth(make_admin(client, app))
    legal = shared_service(1, "Legal clinic", confidential=False)
    shelters = [shared_service(n, f"Row shelter {n}", confidential=True) for n in (2, 3)]
    assert (
        client.post("/v1/resources/import", json=[legal, *shelters], headers=admin).status_code
        == 200
    )
    opened = client.patch(
        f"/v1/resources/{shelters[0]['id']}", json={"confidential": False}, headers=admin
    )
    assert opened.status_code == 200
    assert client.delete(f"/v1/resources/{shelters[1]['id']}", headers=admin).status_code == 204
    for service in (legal, shelters[0]):
        shown = client.get(f"/v1/resources/{service['id']}").json()
        assert (shown["address"], shown["lat"], shown["lng"]) == (None, None, None)
        assert "8 Hidden Row" not in client.get(f"/hsds/services/{service['id']}").text
    assert search_point(app, "Legal clinic") != (40.701234, -73.987654)
    postcode = client.get("/hsds/service_at_locations", params={"postcode": "10002"}).json()
    assert postcode["contents"] == []


def test_deleting_or_moving_the_shelter_does_not_publish_where_it_was(
    client: TestClient, app: FastAPI
) -> None:
    """A drop-in centre of the same organization shares the shelter's building: once the
    shelter's listing is deleted (or re-imported without that place), neither the drop-in nor
    the organization's own list of locations gives the building away."""
    admin = auth(make_admin(client, app))
    organization_id, location_id = str(uuid.uuid4()), str(uuid.uuid4())

    def building() -> dict[str, Any]:
        return {
            "id": location_id,
            "location_type": "physical",
            "name": "Safe house",
            "latitude": LAT,
            "longitude": LNG,
            "addresses": [
                {
                    "id": str(uuid.uuid4()),
                    "address_1": STREET,
                    "city": "Chicago",
                    "state_province": "IL",
                    "postal_code": POSTCODE,
                    "country": "US",
                    "address_type": "physical",
                }
            ],
        }

    def service(name: str, confidential: bool, with_place: bool = True) -> dict[str, Any]:
        service_id = str(uuid.uuid4())
        return {
            "id": service_id,
            "name": name,
            "status": "active",
            "waymark_confidential": confidential,
            "organization_id": organization_id,
            "organization": {
                "id": organization_id,
                "name": "Haven",
                "description": "Runs a shelter and a drop-in.",
                "locations": [building()],
            },
            "service_at_locations": [
                {"id": str(uuid.uuid4()), "location_id": location_id, "location": building()}
            ]
            if with_place
            else [],
        }

    shelter, dropin = service("Haven shelter", True), service("Haven drop-in", False)
    assert (
        client.post("/v1/resources/import", json=[shelter, dropin], headers=admin).status_code
        == 200
    )

    def answers() -> list[str]:
        return [
            client.get(f"/hsds/organizations/{organization_id}").text,
            client.get(f"/hsds/services/{dropin['id']}").text,
            client.get("/hsds/service_at_locations", params={"postcode": POSTCODE}).text,
            client.get(f"/v1/resources/{dropin['id']}").text,
        ]

    for text_out in answers():
        assert_no_canary(text_out)
    moved = {**shelter, "service_at_locations": []}
    assert client.post("/v1/resources/import", json=[moved], headers=admin).status_code == 200
    for text_out in answers():
        assert_no_canary(text_out)
    assert client.delete(f"/v1/resources/{shelter['id']}", headers=admin).status_code == 204
    for text_out in answers():
        assert_no_canary(text_out)
