"""HSDS service_at_locations, the lat/lng/radius and UK-profile filters, and organizations with
their services (contract §6.1)."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.geo import haversine_km
from app.resources.categories import TAXONOMY_ID, category_id
from tests.resources.conftest import ORGANIZATION_SCHEMA, PAGE_KEYS, PLACE_SCHEMA, valid

OPEN_DOOR = (41.88, -87.63)  # the directory fixture's open service, postcode 60601


def names(client: TestClient, path: str, **params: Any) -> list[str]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    contents = response.json()["contents"]
    return [item["service"]["name"] if "service" in item else item["name"] for item in contents]


def test_service_at_locations_page_and_record(
    client: TestClient, directory: dict[str, Any]
) -> None:
    page = client.get("/hsds/service_at_locations").json()
    assert set(page) == PAGE_KEYS
    # The bare service has no location, so it has no service_at_location.
    assert page["total_items"] == 2
    for item in page["contents"]:
        valid(item, PLACE_SCHEMA)
        assert not any(isinstance(value, list) for value in item["location"].values())
    by_name = {item["service"]["name"]: item for item in page["contents"]}
    open_door = by_name["Open Door Center"]
    assert open_door["service_id"] == directory["full"]["id"]
    assert (open_door["location"]["latitude"], open_door["location"]["longitude"]) == OPEN_DOOR

    record = client.get(f"/hsds/service_at_locations/{open_door['id']}")
    assert record.status_code == 200
    assert record.headers["cache-control"] == "public, max-age=300"
    full = record.json()
    assert full["location"]["addresses"][0]["postal_code"] == "60601"
    assert full["service"]["organization"]["name"] == "Open Door Inc."
    assert full["service"]["phones"][0]["number"] == "312-555-0101"
    assert "service_at_locations" not in full["service"]
    valid(full["service"])

    missing = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/hsds/service_at_locations/{missing}").status_code == 404
    assert client.get("/hsds/service_at_locations/not-a-uuid").status_code == 422

    lines = client.get("/hsds/service_at_locations", params={"format": "ndjson"})
    assert lines.headers["content-type"] == "application/x-ndjson"
    assert sorted(json.loads(line)["id"] for line in lines.text.splitlines()) == sorted(
        item["id"] for item in page["contents"]
    )


def test_postcode_and_proximity(client: TestClient, directory: dict[str, Any]) -> None:
    assert names(client, "/hsds/service_at_locations", postcode="60601") == ["Open Door Center"]
    assert names(client, "/hsds/service_at_locations", postcode=" 606 01 ") == ["Open Door Center"]
    # A confidential place is never found by its postcode.
    assert names(client, "/hsds/service_at_locations", postcode="60614") == []
    near = names(client, "/hsds/service_at_locations", postcode="60601", proximity=1)
    assert near == ["Open Door Center"]
    # The confidential shelter is found by distance, through its coarse cell only.
    wide = names(client, "/hsds/service_at_locations", postcode="60601", proximity=20_000)
    assert wide == ["Open Door Center", "Quiet Refuge"]
    unknown = client.get("/hsds/service_at_locations", params={"postcode": "99999", "proximity": 5})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["query", "postcode"]


def test_lat_lng_radius_in_metres(client: TestClient, directory: dict[str, Any]) -> None:
    lat, lng = 41.895, -87.63  # north of Open Door
    metres = haversine_km(lat, lng, *OPEN_DOOR) * 1000
    for path in ("/hsds/services", "/hsds/service_at_locations"):
        assert names(client, path, lat=lat, lng=lng, radius=int(metres) - 50) == []
        assert names(client, path, lat=lat, lng=lng, radius=int(metres) + 50) == [
            "Open Door Center"
        ]
        # Sorted by distance: the shelter's coarse cell centre is farther from here.
        both = names(client, path, lat=41.87, lng=-87.63, radius=50_000)
        assert both == ["Open Door Center", "Quiet Refuge"]
        assert names(client, path, lat=41.96, lng=-87.65, radius=50_000) == [
            "Quiet Refuge",
            "Open Door Center",
        ]


def test_opening_time_filters(client: TestClient, directory: dict[str, Any]) -> None:
    # Open Door: Monday to Wednesday, 08:00 to 20:00. The others publish no hours.
    for path in ("/hsds/services", "/hsds/service_at_locations"):
        assert names(client, path, day="MO") == ["Open Door Center"]
        assert names(client, path, day="wednesday") == ["Open Door Center"]
        assert names(client, path, day="SU") == []
        assert names(client, path, day="MO", start_time="19:00", end_time="21:00") == [
            "Open Door Center"
        ]
        assert names(client, path, day="MO", start_time="20:00", end_time="22:00") == []
        assert names(client, path, start_time="07:00", end_time="08:00") == []
        assert names(client, path, end_time="08:01") == ["Open Door Center"]


def test_age_filters(client: TestClient, directory: dict[str, Any]) -> None:
    def service(name: str, number: int, **ages: int) -> dict[str, Any]:
        return {
            "id": f"00000000-0000-4000-8000-00000000000{number}",
            "name": name,
            "status": "active",
            **ages,
        }

    imported = client.post(
        "/v1/resources/import",
        json=[
            service("Youth drop-in", 1, minimum_age=12, maximum_age=17),
            service("Adults only", 2, minimum_age=18),
            service("Under 25s", 3, maximum_age=25),
        ],
        headers=directory["admin"],
    )
    assert imported.status_code == 200, imported.text

    def aged(**params: Any) -> list[str]:
        return sorted(
            name
            for name in names(client, "/hsds/services", per_page=100, **params)
            if name in ("Youth drop-in", "Adults only", "Under 25s", "Bare Minimum")
        )

    # A service with no ages serves everyone (Bare Minimum).
    assert aged(minimum_age=16, maximum_age=16) == ["Bare Minimum", "Under 25s", "Youth drop-in"]
    assert aged(minimum_age=30) == ["Adults only", "Bare Minimum"]
    assert aged(maximum_age=11) == ["Bare Minimum", "Under 25s"]
    assert aged(minimum_age=18, maximum_age=25) == ["Adults only", "Bare Minimum", "Under 25s"]


def test_organizations_with_their_services(client: TestClient, directory: dict[str, Any]) -> None:
    organization_id = directory["full"]["organization"]["id"]
    listed = client.get("/hsds/organizations").json()["contents"]
    assert [item["name"] for item in listed] == ["Open Door Inc."]
    for item in listed:
        valid(item, ORGANIZATION_SCHEMA)
        assert "services" not in item
    full = client.get("/hsds/organizations", params={"full": "true"}).json()["contents"][0]
    assert [service["name"] for service in full["services"]] == ["Open Door Center"]
    assert "phones" not in full["services"][0]
    nested = client.get(f"/hsds/organizations/{organization_id}", params={"full_service": "true"})
    service = nested.json()["services"][0]
    assert service["phones"][0]["number"] == "312-555-0101"
    valid(service)
    by_term = {"taxonomy_term_id": str(category_id("legal"))}
    assert client.get("/hsds/organizations", params=by_term).json()["total_items"] == 0
    by_taxonomy = {"taxonomy_id": str(TAXONOMY_ID)}
    assert client.get("/hsds/organizations", params=by_taxonomy).json()["total_items"] == 1
    lines = client.get("/hsds/organizations", params={"format": "ndjson"}).text.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [organization_id]


def test_taxonomy_search_and_ndjson(client: TestClient, directory: dict[str, Any]) -> None:
    assert names(client, "/hsds/taxonomy_terms", search="immigration") == ["Immigration"]
    assert names(client, "/hsds/taxonomies", search="waymark") == ["Waymark categories"]
    lines = client.get("/hsds/taxonomy_terms", params={"format": "ndjson"}).text.splitlines()
    assert len(lines) == 14


@pytest.mark.parametrize(
    ("path", "params", "where"),
    [
        ("/hsds/services", {"lat": 41.9}, "lng"),
        ("/hsds/services", {"lng": -87.6}, "lat"),
        ("/hsds/services", {"lat": 91, "lng": 0}, "lat"),
        ("/hsds/services", {"lat": 0, "lng": 181}, "lng"),
        ("/hsds/services", {"radius": 1000}, "radius"),
        ("/hsds/services", {"lat": 1, "lng": 1, "radius": 0}, "radius"),
        ("/hsds/services", {"lat": 1, "lng": 1, "radius": 500_001}, "radius"),
        ("/hsds/services", {"minimum_age": 30, "maximum_age": 20}, "maximum_age"),
        ("/hsds/services", {"minimum_age": -1}, "minimum_age"),
        ("/hsds/services", {"day": "XX"}, "day"),
        ("/hsds/services", {"start_time": "25:00"}, "start_time"),
        ("/hsds/services", {"start_time": "9am"}, "start_time"),
        ("/hsds/services", {"start_time": "10:00", "end_time": "09:00"}, "end_time"),
        ("/hsds/service_at_locations", {"proximity": 100}, "proximity"),
        ("/hsds/service_at_locations", {"postcode": "1", "proximity": 0}, "proximity"),
        (
            "/hsds/service_at_locations",
            {"postcode": "60601", "proximity": 100, "lat": 1, "lng": 1},
            "proximity",
        ),
        ("/hsds/service_at_locations", {"postcode": " "}, "postcode"),
        ("/hsds/service_at_locations", {"format": "xml"}, "format"),
        ("/hsds/service_at_locations", {"full": "perhaps"}, "full"),
        ("/hsds/organizations", {"full_service": "perhaps"}, "full_service"),
        ("/hsds/organizations", {"taxonomy_id": "x"}, "taxonomy_id"),
        ("/hsds/taxonomies", {"format": "csv"}, "format"),
    ],
)
def test_bad_values_get_422_saying_which(
    client: TestClient, path: str, params: dict[str, Any], where: str
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert ["query", where] in [error["loc"] for error in response.json()["errors"]]
