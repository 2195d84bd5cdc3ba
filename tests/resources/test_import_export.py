"""HSDS import and export: validated, all-or-nothing, lossless, and never fetching a URL."""

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app import cli
from app.core.config import get_settings
from app.resources.transfer import MAX_IMPORT_BYTES, export_lines
from tests.conftest import TEST_MASTER_KEY
from tests.factories import auth, make_admin, register

EXAMPLE = json.loads((Path(__file__).parent / "hsds" / "service_full.json").read_text())


@pytest.fixture
def admin(client: TestClient, app: FastAPI) -> dict[str, str]:
    return auth(make_admin(client, app))


def service_count(app: FastAPI) -> int:
    with app.state.runtime.database.reader.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM service")).scalar_one())


def test_the_official_full_example_comes_back_equal(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.post("/v1/resources/import", json=[EXAMPLE], headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == {"imported": 1, "created": 1, "updated": 0}
    assert client.get(f"/hsds/services/{EXAMPLE['id']}").json() == EXAMPLE
    # Importing it again updates, and still changes nothing.
    assert client.post("/v1/resources/import", json=[EXAMPLE], headers=admin).json()["updated"] == 1
    assert client.get(f"/hsds/services/{EXAMPLE['id']}").json() == EXAMPLE


def test_ndjson_imports_too(client: TestClient, admin: dict[str, str]) -> None:
    lines = "\n".join(
        json.dumps(
            {
                "id": f"00000000-0000-4000-8000-00000000000{i}",
                "name": f"Line {i}",
                "status": "active",
            }
        )
        for i in range(3)
    )
    response = client.post(
        "/v1/resources/import",
        content=lines,
        headers={**admin, "content-type": "application/x-ndjson"},
    )
    assert response.status_code == 200
    assert response.json()["imported"] == 3
    assert client.get("/hsds/services").json()["total_items"] == 3


def test_invalid_imports_report_every_error_and_import_nothing(
    client: TestClient, app: FastAPI, admin: dict[str, str]
) -> None:
    services = [
        {"id": "11111111-1111-4111-8111-111111111111", "name": "Fine", "status": "active"},
        {"id": "not-a-uuid", "name": "Bad id", "status": "active"},
        {"id": "22222222-2222-4222-8222-222222222222", "status": "active"},
        {"id": "33333333-3333-4333-8333-333333333333", "name": "No status"},
        {
            "id": "44444444-4444-4444-8444-444444444444",
            "name": "Typed",
            "status": "active",
            "minimum_age": "twelve",
        },
        {"id": "55555555-5555-4555-8555-555555555555", "name": 7, "status": "active"},
        "not an object",
    ]
    response = client.post("/v1/resources/import", json=services, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    located = {(error["loc"][0], tuple(error["loc"][1:])) for error in response.json()["errors"]}
    assert (1, ("id",)) in located
    assert (4, ("minimum_age",)) in located
    assert (5, ("name",)) in located
    indexes = {index for index, _ in located}
    assert indexes == {1, 2, 3, 4, 5, 6}
    assert service_count(app) == 0


def test_values_the_schema_allows_but_waymark_cannot_keep_get_422_not_500(
    client: TestClient, app: FastAPI, admin: dict[str, str]
) -> None:
    """An unknown time zone (it broke every open-now search afterwards) and text longer than
    its column (a 500 on PostgreSQL) are refused up front, each by where it is."""
    term = {
        "id": "66666666-6666-4666-8666-666666666666",
        "name": "Term",
        "description": "A term.",
        "language": "x" * 21,
        "taxonomy_detail": {
            "id": "77777777-7777-4777-8777-777777777777",
            "name": "Taxonomy",
            "description": "Terms.",
            "version": "v" * 51,
        },
    }
    services = [
        {"id": "11111111-1111-4111-8111-111111111111", "name": "Zoned", "status": "active",
         "waymark_timezone": "Mars/Olympus_Mons"},
        {"id": "22222222-2222-4222-8222-222222222222", "name": "N" * 301, "status": "active"},
        {"id": "33333333-3333-4333-8333-333333333333", "name": "Termed", "status": "active",
         "attributes": [{"id": "88888888-8888-4888-8888-888888888888",
                         "taxonomy_term_id": term["id"], "taxonomy_term": term}]},
    ]  # fmt: skip
    response = client.post("/v1/resources/import", json=services, headers=admin)
    assert response.status_code == 422, response.text
    located = {tuple(error["loc"]) for error in response.json()["errors"]}
    assert located == {
        (0, "waymark_timezone"),
        (1, "name"),
        (2, "attributes", 0, "taxonomy_term", "language"),
        (2, "attributes", 0, "taxonomy_term", "taxonomy_detail", "version"),
    }
    assert service_count(app) == 0


def test_a_stored_unknown_time_zone_never_breaks_open_now_searches(
    client: TestClient, app: FastAPI, admin: dict[str, str]
) -> None:
    """A row stored before imports checked its zone: it is never open, and searching still works."""
    body = {"name": "Old row", "categories": ["shelter"], "timezone": "America/Chicago"}
    assert client.post("/v1/resources", json=body, headers=admin).status_code == 201
    with app.state.runtime.database.writer.begin() as connection:
        connection.execute(text("UPDATE service SET timezone = 'Mars/Olympus_Mons'"))
    response = client.get("/v1/resources", params={"open_now": "true"})
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"id": "x"}', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b'{"a":1}\nnope', "application/x-ndjson"),
    ],
)
def test_unreadable_imports_get_422(
    client: TestClient, admin: dict[str, str], body: bytes, content_type: str
) -> None:
    response = client.post(
        "/v1/resources/import", content=body, headers={**admin, "content-type": content_type}
    )
    assert response.status_code == 422


def test_imports_over_20_mib_get_413(client: TestClient, admin: dict[str, str]) -> None:
    body = b"[" + b" " * MAX_IMPORT_BYTES + b"]"
    response = client.post(
        "/v1/resources/import", content=body, headers={**admin, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "20 MiB" in response.json()["detail"]


def test_only_admins_import(client: TestClient) -> None:
    member = auth(register(client))
    assert client.post("/v1/resources/import", json=[EXAMPLE]).status_code == 401
    assert client.post("/v1/resources/import", json=[EXAMPLE], headers=member).status_code == 403


def test_urls_are_stored_never_fetched(
    client: TestClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch, database_url: str
) -> None:
    attempts: list[object] = []
    real_connect = socket.socket.connect
    real_lookup = socket.getaddrinfo

    def guarded_connect(sock: socket.socket, address: Any) -> Any:
        if address not in (("127.0.0.1", 5432), ("::1", 5432)) and not isinstance(address, str):
            attempts.append(address)
            raise OSError("outbound connections are blocked in this test")
        return real_connect(sock, address)

    def guarded_lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", "::1"):
            attempts.append(host)
            raise OSError("name lookups are blocked in this test")
        return real_lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_lookup)
    imported = client.post("/v1/resources/import", json=[EXAMPLE], headers=admin)
    created = client.post(
        "/v1/resources",
        json={"name": "Linked", "categories": ["legal"], "url": "https://attacker.invalid/track"},
        headers=admin,
    )
    assert (imported.status_code, created.status_code) == (200, 201)
    assert created.json()["url"] == "https://attacker.invalid/track"
    assert attempts == []


def test_export_wipe_import_export_is_identical(
    client: TestClient,
    app: FastAPI,
    admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    tmp_path: Path,
) -> None:
    client.post("/v1/resources/import", json=[EXAMPLE], headers=admin)
    for index in range(3):
        client.post(
            "/v1/resources",
            json={
                "name": f"Place {index}",
                "categories": ["food", "shelter"],
                "organization": "Org",
                "lat": 41.0 + index,
                "lng": -87.0,
                "languages": ["es"],
                "confidential": index == 2,
                "address": {
                    "address_1": f"{index} Elm St",
                    "city": "Town",
                    "state_province": "IL",
                    "postal_code": "60000",
                },
            },
            headers=admin,
        )
    monkeypatch.setenv("WAYMARK_DATABASE_URL", database_url)
    monkeypatch.setenv("WAYMARK_MASTER_KEY", TEST_MASTER_KEY)
    get_settings.cache_clear()
    first, second = tmp_path / "first.ndjson", tmp_path / "second.ndjson"
    try:
        assert cli.main(["export-hsds", str(first)]) == 0
        with app.state.runtime.database.writer.begin() as connection:
            connection.execute(text("DELETE FROM service"))
            connection.execute(text("DELETE FROM organization"))
        assert client.get("/hsds/services").json()["total_items"] == 0
        assert cli.main(["import-hsds", str(first)]) == 0
        assert cli.main(["export-hsds", str(second)]) == 0
    finally:
        get_settings.cache_clear()
    assert first.read_bytes() == second.read_bytes()
    lines = first.read_bytes().splitlines()
    assert len(lines) == 4
    assert b"2 Elm St" not in first.read_bytes()  # the confidential address never leaves
    assert list(export_lines(app.state.runtime.database)) == [line + b"\n" for line in lines]


def test_an_organizations_own_location_list_never_reveals_a_confidential_location(
    client: TestClient, admin: dict[str, str], app: FastAPI
) -> None:
    location = {
        "id": "9d1c0a3e-5b7f-4c2a-8e6d-1f2a3b4c5d6e",
        "location_type": "physical",
        "name": "The house",
        "latitude": 40.712345,
        "longitude": -73.998765,
        "addresses": [
            {
                "id": "0b9e8d7c-6a5f-4e3d-8c2b-1a0f9e8d7c6b",
                "address_1": "9 Secret Mews",
                "city": "New York",
                "state_province": "NY",
                "postal_code": "10013",
                "country": "US",
                "address_type": "physical",
            }
        ],
    }
    service = {
        "id": "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
        "name": "Secret shelter",
        "status": "active",
        "waymark_confidential": True,
        "service_at_locations": [
            {"id": "6b5c4d3e-2f1a-4b0c-9d8e-7f6a5b4c3d2e", "location": location}
        ],
        "organization": {
            "id": "7c6d5e4f-3a2b-4c1d-8e9f-0a1b2c3d4e5f",
            "name": "Shelter Org",
            "description": "Runs a shelter.",
            "locations": [location],
        },
    }
    assert client.post("/v1/resources/import", json=[service], headers=admin).status_code == 200
    organization_id = service["organization"]["id"]  # type: ignore[index]
    answers = [
        client.get(f"/hsds/organizations/{organization_id}").text,
        client.get("/hsds/organizations").text,
        client.get(f"/hsds/services/{service['id']}").text,
        client.get("/hsds/services", params={"format": "ndjson", "full": "true"}).text,
        client.get("/hsds/organizations", params={"full_service": "true"}).text,
        client.get("/hsds/organizations", params={"format": "ndjson", "full": "true"}).text,
        client.get("/hsds/service_at_locations", params={"full": "true"}).text,
        b"".join(export_lines(app.state.runtime.database)).decode(),
    ]
    for text_out in answers:
        for canary in ("Secret Mews", "40.712345", "-73.998765", "10013", "The house"):
            assert canary not in text_out
    organization = client.get(f"/hsds/organizations/{organization_id}").json()
    # The location stays listed, as an id and a type only.
    assert organization["locations"] == [{"id": location["id"], "location_type": "physical"}]
