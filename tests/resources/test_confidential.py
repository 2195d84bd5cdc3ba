"""A confidential location never shows its street address or exact coordinates (SECURITY: §6).

Canaries (a street, a postcode and exact coordinates) are stored for a confidential shelter; every
endpoint that returns resources is asked for it, every way it can be found.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

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
