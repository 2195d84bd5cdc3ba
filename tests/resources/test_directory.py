"""The resource directory through HTTP (contract §6): writes, reads, search, caching."""

import logging
import math
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import FakeClock
from tests.factories import auth, make_admin, register

CHICAGO = (41.8781, -87.6298)


def haversine(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


@pytest.fixture
def admin(client: TestClient, app: FastAPI) -> dict[str, str]:
    return auth(make_admin(client, app))


def add(client: TestClient, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": "A place", "categories": ["shelter"], **fields}
    response = client.post("/v1/resources", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/resources", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_admin_adds_and_anyone_reads_with_caching(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = add(
        client,
        admin,
        name="Safe Harbor Women's Shelter",
        description="Emergency beds for women and children.",
        categories=["shelter", "hotline"],
        organization="Safe Harbor Inc.",
        phones=[{"number": "1-312-555-0100"}],
        address={
            "address_1": "10 Lake St",
            "city": "Chicago",
            "state_province": "IL",
            "postal_code": "60601",
        },
        lat=CHICAGO[0],
        lng=CHICAGO[1],
        timezone="America/Chicago",
        languages=["en", "es"],
        free=True,
        schedules=[{"days": ["MO", "TU"], "opens_at": "09:00", "closes_at": "17:00"}],
    )
    assert created["categories"] == ["shelter", "hotline"]
    assert created["organization"]["name"] == "Safe Harbor Inc."
    assert created["address"]["city"] == "Chicago"
    assert created["schedules"] == [
        {"days": ["MO", "TU"], "opens_at": "09:00", "closes_at": "17:00", "description": None}
    ]

    response = client.get(f"/v1/resources/{created['id']}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.json() == created
    etag = response.headers["etag"]
    again = client.get(f"/v1/resources/{created['id']}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["etag"] == etag


def test_only_admins_write(client: TestClient, admin: dict[str, str]) -> None:
    member = auth(register(client))
    body = {"name": "X", "categories": ["food"]}
    assert client.post("/v1/resources", json=body).status_code == 401
    assert client.post("/v1/resources", json=body, headers=member).status_code == 403
    created = add(client, admin)
    assert (
        client.patch(
            f"/v1/resources/{created['id']}", json={"name": "Y"}, headers=member
        ).status_code
        == 403
    )
    assert client.delete(f"/v1/resources/{created['id']}", headers=member).status_code == 403


def test_patch_changes_only_what_is_sent(client: TestClient, admin: dict[str, str]) -> None:
    created = add(client, admin, description="first", languages=["en"], free=True)
    response = client.patch(
        f"/v1/resources/{created['id']}", json={"name": "Renamed", "free": False}, headers=admin
    )
    assert response.status_code == 200
    patched = response.json()
    assert (patched["name"], patched["free"], patched["description"], patched["languages"]) == (
        "Renamed",
        False,
        "first",
        ["en"],
    )
    assert patched["last_modified"] >= created["last_modified"]
    assert (
        client.patch(
            f"/v1/resources/{created['id']}", json={"name": None}, headers=admin
        ).status_code
        == 422
    )


def test_delete_leaves_a_tombstone_that_nothing_shows(
    client: TestClient, admin: dict[str, str]
) -> None:
    created = add(client, admin, name="Gone Soon")
    assert client.delete(f"/v1/resources/{created['id']}", headers=admin).status_code == 204
    assert client.get(f"/v1/resources/{created['id']}").status_code == 404
    assert client.delete(f"/v1/resources/{created['id']}", headers=admin).status_code == 404
    assert search(client, q="gone")["items"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"categories": ["shelter"]},
        {"name": "X"},
        {"name": "X", "categories": []},
        {"name": "X", "categories": ["spaceship"]},
        {"name": "X", "categories": ["shelter"], "lat": 41.0},
        {"name": "X", "categories": ["shelter"], "lat": 91, "lng": 0},
        {"name": "X", "categories": ["shelter"], "languages": ["xx"]},
        {"name": "X", "categories": ["shelter"], "timezone": "Mars/Base"},
        {"name": "X", "categories": ["shelter"], "url": "javascript:alert(1)"},
        {
            "name": "X",
            "categories": ["shelter"],
            "schedules": [{"days": ["XX"], "opens_at": "9", "closes_at": "17:00"}],
        },
        {"name": "X", "categories": ["shelter"], "status": "maybe"},
        {"name": "X", "categories": ["shelter"], "status": None},  # active unless said otherwise
        {"name": "X", "categories": ["shelter"], "colour": "red"},
    ],
)
def test_bad_resources_get_422(
    client: TestClient, admin: dict[str, str], body: dict[str, Any]
) -> None:
    response = client.post("/v1/resources", json=body, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert search(client)["items"] == []


def test_full_text_search_is_ranked_and_matches_prefixes(
    client: TestClient, admin: dict[str, str]
) -> None:
    add(
        client,
        admin,
        name="Detox beds",
        description="Medical detox, open beds tonight.",
        categories=["substance-use"],
    )
    add(
        client,
        admin,
        name="Legal clinic",
        description="Immigration lawyers; detox referrals too.",
        categories=["legal"],
    )
    add(client, admin, name="Food pantry", description="Groceries.", categories=["food"])
    names = [item["name"] for item in search(client, q="detox")["items"]]
    assert names == ["Detox beds", "Legal clinic"]
    assert [item["name"] for item in search(client, q="immigr")["items"]] == ["Legal clinic"]
    assert search(client, q="spaceship")["items"] == []
    assert search(client, q="!!!")["items"] == []
    assert [item["name"] for item in search(client, q="detox", category="legal")["items"]] == [
        "Legal clinic"
    ]


def test_categories_filter_any_of_and_unknown_is_422(
    client: TestClient, admin: dict[str, str]
) -> None:
    add(client, admin, name="Beds", categories=["shelter"])
    add(client, admin, name="Meals", categories=["food"])
    add(client, admin, name="Lawyers", categories=["legal"])
    response = client.get("/v1/resources", params=[("category", "shelter"), ("category", "food")])
    assert sorted(item["name"] for item in response.json()["items"]) == ["Beds", "Meals"]
    assert client.get("/v1/resources", params={"category": "spaceship"}).status_code == 422


POINTS = {
    "Loop": (41.8827, -87.6233),
    "Evanston": (42.0451, -87.6877),
    "Gary": (41.5934, -87.3464),
    "Milwaukee": (43.0389, -87.9065),
    "Springfield": (39.7817, -89.6501),
}


def test_distance_search_matches_the_haversine(client: TestClient, admin: dict[str, str]) -> None:
    for name, (lat, lng) in POINTS.items():
        add(client, admin, name=name, lat=lat, lng=lng)
    for radius in (5, 30, 140, 500):
        items = search(client, lat=CHICAGO[0], lng=CHICAGO[1], radius_km=radius)["items"]
        expected = sorted(
            (haversine(*CHICAGO, lat, lng), name)
            for name, (lat, lng) in POINTS.items()
            if haversine(*CHICAGO, lat, lng) <= radius
        )
        assert [item["name"] for item in items] == [name for _, name in expected]
        for item, (distance, _) in zip(items, expected, strict=True):
            assert item["distance_km"] == round(distance, 1)


def test_default_radius_is_50_km(client: TestClient, admin: dict[str, str]) -> None:
    for name, (lat, lng) in POINTS.items():
        add(client, admin, name=name, lat=lat, lng=lng)
    assert [item["name"] for item in search(client, lat=CHICAGO[0], lng=CHICAGO[1])["items"]] == [
        "Loop",
        "Evanston",
        "Gary",
    ]


def test_search_across_the_antimeridian(client: TestClient, admin: dict[str, str]) -> None:
    add(client, admin, name="Fiji east", lat=-17.0, lng=179.9)
    add(client, admin, name="Fiji west", lat=-17.0, lng=-179.9)
    items = search(client, lat=-17.0, lng=179.95, radius_km=50)["items"]
    assert sorted(item["name"] for item in items) == ["Fiji east", "Fiji west"]


@pytest.mark.parametrize(
    "params",
    [
        {"lat": 91, "lng": 0},
        {"lat": 0, "lng": 181},
        {"lat": 41.0},
        {"lng": -87.0},
        {"lat": 41, "lng": -87, "radius_km": 0},
        {"lat": 41, "lng": -87, "radius_km": 501},
        {"radius_km": 10},
        {"limit": 0},
        {"limit": 101},
        {"language": "xx"},
        {"language": "no such tongue"},
        {"language": "x" * 61},
        {"cursor": "not-a-cursor"},
        {"free": "maybe"},
    ],
)
def test_bad_search_parameters_get_422(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get("/v1/resources", params=params)
    assert response.status_code == 422, params
    assert response.headers["content-type"] == "application/problem+json"


def test_language_and_free_filters(client: TestClient, admin: dict[str, str]) -> None:
    add(client, admin, name="Spanish free", languages=["es", "en"], free=True)
    add(client, admin, name="English paid", languages=["en"], free=False)
    assert [i["name"] for i in search(client, language="es")["items"]] == ["Spanish free"]
    assert [i["name"] for i in search(client, free="true")["items"]] == ["Spanish free"]
    assert [i["name"] for i in search(client, free="false", language="en")["items"]] == [
        "English paid"
    ]


@pytest.mark.parametrize("asked", ["es", "spa", "ES", "es-MX", "Spanish", "spanish", "español"])
def test_a_language_is_found_by_any_of_its_codes_or_names(
    client: TestClient, admin: dict[str, str], asked: str
) -> None:
    add(client, admin, name="Spanish spoken", languages=["spa"])  # stored as es
    add(client, admin, name="English only", languages=["en"])
    found = search(client, language=asked)["items"]
    assert [item["name"] for item in found] == ["Spanish spoken"]
    assert found[0]["languages"] == ["es"]


def test_mayan_languages_without_two_letter_codes_are_found(
    client: TestClient, admin: dict[str, str]
) -> None:
    add(client, admin, name="Mam and K'iche'", languages=["mam", "quc", "es"])
    for asked in ("mam", "Mam", "quc", "K'iche'"):
        assert [item["name"] for item in search(client, language=asked)["items"]] == [
            "Mam and K'iche'"
        ], asked


def test_languages_are_named_in_the_readers_language(
    client: TestClient, admin: dict[str, str]
) -> None:
    add(client, admin, name="Bilingual", languages=["es", "en"])
    spanish = client.get("/v1/resources", headers={"Accept-Language": "es"}).json()["items"][0]
    english = client.get("/v1/resources").json()["items"][0]
    assert spanish["language_names"] == ["español", "inglés"]
    assert english["language_names"] == ["Spanish", "English"]
    assert spanish["languages"] == english["languages"] == ["es", "en"]


def test_open_now_in_each_services_time_zone(
    client: TestClient, admin: dict[str, str], clock: FakeClock
) -> None:
    weekdays = ["MO", "TU", "WE", "TH", "FR"]
    add(
        client,
        admin,
        name="Chicago days",
        timezone="America/Chicago",
        schedules=[{"days": weekdays, "opens_at": "09:00", "closes_at": "17:00"}],
    )
    add(
        client,
        admin,
        name="Tokyo days",
        timezone="Asia/Tokyo",
        schedules=[{"days": weekdays, "opens_at": "09:00", "closes_at": "17:00"}],
    )
    add(
        client,
        admin,
        name="Chicago nights",
        timezone="America/Chicago",
        schedules=[{"days": ["SU"], "opens_at": "22:00", "closes_at": "06:00"}],
    )
    add(client, admin, name="Always", open_24_7=True)
    add(client, admin, name="No hours")

    def open_names() -> list[str]:
        return sorted(item["name"] for item in search(client, open_now="true")["items"])

    # Monday 23 November 2026, 12:00 UTC: 06:00 in Chicago, 21:00 in Tokyo.
    assert open_names() == ["Always"]
    clock.advance(hours=-7)  # 05:00 UTC: Sunday 23:00 in Chicago (overnight hours), 14:00 Tokyo
    assert open_names() == ["Always", "Chicago nights", "Tokyo days"]
    clock.advance(hours=10)  # 15:00 UTC: Monday 09:00 in Chicago, after midnight the night closed
    assert open_names() == ["Always", "Chicago days"]


def test_paging_walks_every_result_once(client: TestClient, admin: dict[str, str]) -> None:
    for index in range(7):
        add(client, admin, name=f"Place {index}", lat=CHICAGO[0] + index * 0.01, lng=CHICAGO[1])
    for params in ({}, {"lat": CHICAGO[0], "lng": CHICAGO[1]}, {"q": "place"}):
        seen, cursor = [], None
        while True:
            page = search(client, limit=3, **params, **({"cursor": cursor} if cursor else {}))
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == 7, params


def test_cursors_cannot_be_tampered_with_or_reused_elsewhere(
    client: TestClient, admin: dict[str, str]
) -> None:
    for index in range(3):
        add(client, admin, name=f"Place {index}")
    cursor = search(client, limit=1)["next_cursor"]
    payload, _, signature = cursor.partition(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
    assert client.get("/v1/resources", params={"limit": 1, "cursor": forged}).status_code == 422
    assert (
        client.get("/v1/resources", params={"limit": 1, "cursor": cursor, "q": "place"}).status_code
        == 422
    )
    assert client.get("/v1/resources", params={"limit": 1, "cursor": cursor}).status_code == 200


def test_categories_with_counts(client: TestClient, admin: dict[str, str]) -> None:
    add(client, admin, categories=["shelter", "food"])
    add(client, admin, categories=["shelter"])
    gone = add(client, admin, categories=["shelter"])
    client.delete(f"/v1/resources/{gone['id']}", headers=admin)
    response = client.get("/v1/resources/categories")
    assert response.headers["cache-control"] == "public, max-age=300"
    counts = {item["slug"]: item["count"] for item in response.json()}
    assert len(counts) == 14
    assert (counts["shelter"], counts["food"], counts["legal"]) == (2, 1, 0)


def test_crisis_lines_national_and_local_first(client: TestClient, admin: dict[str, str]) -> None:
    add(
        client,
        admin,
        name="Chicago 24/7 line",
        categories=["hotline"],
        open_24_7=True,
        lat=41.88,
        lng=-87.63,
    )
    add(client, admin, name="Chicago daytime line", categories=["hotline"], lat=41.89, lng=-87.63)
    add(
        client,
        admin,
        name="Denver 24/7 line",
        categories=["hotline"],
        open_24_7=True,
        lat=39.74,
        lng=-104.99,
    )
    national = client.get("/v1/crisis").json()
    assert len(national["national"]) == 5
    assert national["local"] == []
    near = client.get("/v1/crisis", params={"lat": CHICAGO[0], "lng": CHICAGO[1]})
    assert near.headers["cache-control"] == "public, max-age=300"
    assert [item["name"] for item in near.json()["local"]] == ["Chicago 24/7 line"]
    assert client.get("/v1/crisis", params={"lat": 41}).status_code == 422


def test_searches_are_not_logged_with_an_account(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    member = register(client)
    caplog.set_level(logging.INFO)
    client.get(
        "/v1/resources",
        params={"q": "canary-term", "lat": 41.123456, "lng": -87.654321},
        headers=auth(member),
    )
    lines = [record for record in caplog.records if not record.name.startswith("httpx")]
    assert lines
    for record in lines:
        text = record.getMessage() + str(vars(record))
        assert "canary-term" not in text
        assert "41.123456" not in text
        assert member["account"]["id"] not in text
