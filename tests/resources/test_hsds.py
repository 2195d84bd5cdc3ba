"""The HSDS 3.x interface (contract §6.1): valid documents, Page objects, ndjson, filters."""

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.resources.categories import TAXONOMY_ID, category_id
from tests.conftest import FakeClock, make_settings
from tests.resources.conftest import PAGE_KEYS, valid

CANARIES = ("77 Canary Lane", "41.912345", "-87.654321")


def test_root_says_version_profile_and_openapi(client: TestClient) -> None:
    about = client.get("/hsds/").json()
    assert about["version"].startswith("3.")
    assert about["openapi_url"] == "/openapi.json"
    assert about["profile"]


def test_a_forged_host_never_reaches_the_cacheable_root(client: TestClient) -> None:
    """The root is publicly cacheable: a Host header sent by anyone must not end up in it for
    everyone (a cache keyed without Host would hand the forged link to the next reader)."""
    forged = client.get("/hsds/", headers={"Host": "phish.example", "X-Forwarded-Host": "x.test"})
    plain = client.get("/hsds/")
    assert forged.headers["cache-control"].startswith("public")
    assert "phish.example" not in forged.text
    assert "x.test" not in forged.text
    assert forged.content == plain.content


def test_the_root_links_to_the_configured_public_url(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    settings = make_settings(database_url, tmp_path, public_url="https://waymark.example.org/")
    with TestClient(create_app(settings, clock=clock)) as client:
        about = client.get("/hsds/", headers={"Host": "phish.example"}).json()
    assert about["openapi_url"] == "https://waymark.example.org/openapi.json"


def test_every_service_validates_fully_nested(
    client: TestClient, directory: dict[str, Any]
) -> None:
    for key in ("full", "hidden", "bare"):
        response = client.get(f"/hsds/services/{directory[key]['id']}")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=300"
        service = response.json()
        valid(service)
        assert service["id"] == directory[key]["id"]
    full = client.get(f"/hsds/services/{directory['full']['id']}").json()
    assert full["organization"]["name"] == "Open Door Inc."
    location = full["service_at_locations"][0]["location"]
    assert (location["latitude"], location["longitude"]) == (41.88, -87.63)
    assert {a["taxonomy_term_id"] for a in full["attributes"]} == {
        str(category_id("shelter")),
        str(category_id("food")),
    }


def test_confidential_services_are_redacted_on_every_hsds_path(
    client: TestClient, directory: dict[str, Any]
) -> None:
    responses = [
        client.get(f"/hsds/services/{directory['hidden']['id']}"),
        client.get("/hsds/services", params={"full": "true"}),
        client.get("/hsds/services", params={"format": "ndjson", "full": "true"}),
        client.get("/hsds/services", params={"search": "refuge"}),
    ]
    for response in responses:
        assert response.status_code == 200
        for canary in CANARIES:
            assert canary not in response.text
    location = responses[0].json()["service_at_locations"][0]["location"]
    assert "addresses" not in location
    assert "latitude" not in location


def test_services_page(client: TestClient, directory: dict[str, Any]) -> None:
    page = client.get("/hsds/services", params={"per_page": 2}).json()
    assert set(page) == PAGE_KEYS
    assert (page["total_items"], page["total_pages"], page["page_number"], page["size"]) == (
        3,
        2,
        1,
        2,
    )
    assert (page["first_page"], page["last_page"], page["empty"]) == (True, False, False)
    for service in page["contents"]:
        valid(service)
        assert "service_at_locations" not in service
    second = client.get("/hsds/services", params={"per_page": 2, "page": 2}).json()
    assert (second["size"], second["last_page"]) == (1, True)
    beyond = client.get("/hsds/services", params={"per_page": 2, "page": 9}).json()
    assert (beyond["empty"], beyond["contents"]) == (True, [])
    minimal = client.get("/hsds/services", params={"minimal": "true"}).json()["contents"]
    assert all(set(item) == {"id", "last_modified"} for item in minimal)


def test_ndjson_streams_every_service(client: TestClient, directory: dict[str, Any]) -> None:
    response = client.get("/hsds/services", params={"format": "ndjson", "full": "true"})
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert len(lines) == 3
    for service in lines:
        valid(service)


def test_filters(client: TestClient, directory: dict[str, Any]) -> None:
    def names(**params: Any) -> list[str]:
        return sorted(
            s["name"] for s in client.get("/hsds/services", params=params).json()["contents"]
        )

    assert names(taxonomy_term_id=str(category_id("food"))) == ["Open Door Center"]
    assert names(taxonomy_id=str(TAXONOMY_ID)) == [
        "Bare Minimum",
        "Open Door Center",
        "Quiet Refuge",
    ]
    organization_id = directory["full"]["organization"]["id"]
    assert names(organization_id=organization_id) == ["Open Door Center"]
    assert names(search="drop-in showers") == ["Open Door Center"]
    assert names(search="100%_") == []


def test_modified_after_shows_changes_and_tombstones(
    client: TestClient, directory: dict[str, Any], clock: FakeClock
) -> None:
    clock.advance(hours=1)
    since = "2026-11-23T12:30:00Z"
    client.patch(
        f"/v1/resources/{directory['bare']['id']}",
        json={"description": "changed"},
        headers=directory["admin"],
    )
    client.delete(f"/v1/resources/{directory['full']['id']}", headers=directory["admin"])
    changed = client.get("/hsds/services", params={"modified_after": since}).json()["contents"]
    by_id = {item["id"]: item for item in changed}
    assert set(by_id) == {directory["bare"]["id"], directory["full"]["id"]}
    assert by_id[directory["full"]["id"]]["waymark_deleted"] is True
    for item in changed:
        valid(item)
    assert client.get(f"/hsds/services/{directory['full']['id']}").status_code == 404


def test_taxonomies_terms_and_organizations(client: TestClient, directory: dict[str, Any]) -> None:
    taxonomies = client.get("/hsds/taxonomies").json()
    assert [t["id"] for t in taxonomies["contents"]] == [str(TAXONOMY_ID)]
    assert client.get(f"/hsds/taxonomies/{TAXONOMY_ID}").json()["name"] == "Waymark categories"
    terms = client.get(
        "/hsds/taxonomy_terms", params={"taxonomy_id": str(TAXONOMY_ID), "per_page": 100}
    ).json()
    assert terms["total_items"] == 14
    assert (
        client.get("/hsds/taxonomy_terms", params={"top_only": "true"}).json()["total_items"] == 14
    )
    term = client.get(f"/hsds/taxonomy_terms/{category_id('shelter')}").json()
    assert (term["code"], term["taxonomy_id"]) == ("shelter", str(TAXONOMY_ID))
    organizations = client.get("/hsds/organizations").json()
    assert [o["name"] for o in organizations["contents"]] == ["Open Door Inc."]
    organization = client.get(f"/hsds/organizations/{organizations['contents'][0]['id']}").json()
    assert set(organization) >= {"id", "name", "description"}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/hsds/services", {"format": "xml"}),
        ("/hsds/services", {"per_page": 0}),
        ("/hsds/services", {"per_page": 101}),
        ("/hsds/services", {"page": 0}),
        ("/hsds/organizations", {"page": 10**20}),
        ("/hsds/services", {"taxonomy_term_id": "shelter"}),
        ("/hsds/services", {"modified_after": "yesterday"}),
        ("/hsds/services", {"modified_after": "9"}),  # not seconds since 1970
        ("/hsds/services", {"modified_after": "2026-11-23T08:00:00"}),  # RFC 3339 needs an offset
        ("/hsds/services", {"full": "perhaps"}),
        ("/hsds/taxonomy_terms", {"parent_id": "x"}),
        ("/hsds/services/not-a-uuid", {}),
    ],
)
def test_unknown_values_get_422(client: TestClient, path: str, params: dict[str, Any]) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "path", ["/hsds/services", "/hsds/organizations", "/hsds/taxonomies", "/hsds/taxonomy_terms"]
)
def test_missing_ids_are_404(client: TestClient, path: str) -> None:
    assert client.get(f"{path}/00000000-0000-4000-8000-000000000000").status_code == 404
