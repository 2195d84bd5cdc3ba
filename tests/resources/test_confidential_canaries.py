"""A confidential service leaks nothing, whatever field of HSDS 3.1 an import hides a place in.

The document is generated from the HSDS schema itself: every string and number field of every
record the schema allows, at every level, holds a canary (a street, a name, exact coordinates),
except the few fields that may leave for a service with a secret place, listed here on their own,
independently of the code, and given harmless values. Every HSDS route and format, the v1
directory and `waymark export-hsds` are then asked for it: no canary comes out.
"""

import json
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.resources.transfer import SCHEMA_PATH, export_lines
from tests.factories import auth, make_admin

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
DEFINITIONS = SCHEMA["definitions"]
CANARY = "zqcanary"  # with a street: "zqcanary Canary Ln" (fits the shortest text column)
CANARY_NUMBER = 41.9876543  # a latitude, and any other number
CANARIES = (CANARY, "Canary Ln", "41.9876543", "9876543")


def fields(*names: str, **nested: dict[str, Any]) -> dict[str, Any]:
    return dict.fromkeys(names, True) | nested


# What may leave for a service with a secret place: the test's own list, to be changed only by
# someone who has judged a field safe. Ids are random and always kept.
SCHEDULE = fields(
    "valid_from", "valid_to", "dtstart", "timezone", "until", "count", "wkst", "freq",
    "interval", "byday", "byweekno", "bymonthday", "byyearday", "opens_at", "closes_at",
    "attending_type",
)  # fmt: skip
LANGUAGE = fields("name", "code")
PHONE = fields("number", "extension", "type")
ATTRIBUTE = fields("link_type", "link_entity")
MAY_LEAVE = fields(
    "name", "alternate_name", "description", "url", "email", "status",
    "interpretation_services", "application_process", "fees_description", "wait_time", "fees",
    "accreditations", "eligibility_description", "minimum_age", "maximum_age", "assured_date",
    "alert", "last_modified",
    phones=PHONE,
    schedules=SCHEDULE,
    languages=LANGUAGE,
    attributes=ATTRIBUTE,
    required_documents=fields("document"),
    cost_options=fields("valid_from", "valid_to", "option", "currency", "amount"),
    service_at_locations=fields(
        schedules=SCHEDULE,
        location=fields("location_type", languages=LANGUAGE, schedules=SCHEDULE),
    ),
    organization=fields(
        "name", "alternate_name", "description", "email", "website", "tax_status",
        "year_incorporated", "legal_status", phones=PHONE, attributes=ATTRIBUTE,
        locations=fields("location_type", languages=LANGUAGE, schedules=SCHEDULE),
    ),
)  # fmt: skip
HARMLESS = {
    "opens_at": "09:00",
    "closes_at": "17:00",
    "byday": "MO,TU",
    "minimum_age": 18,
    "maximum_age": 65,
    "timezone": -6,
    "code": "en",
    "assured_date": "2026-11-01",
    "last_modified": "2026-11-01T10:00:00Z",
}


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref") or (node.get("items") or {}).get("$ref")
    return DEFINITIONS[ref.rsplit("/", 1)[1]] if ref else node  # type: ignore[no-any-return]


def value(name: str, node: dict[str, Any], allowed: bool, seen: set[str]) -> Any:
    """A value for one property: a canary where it may not leave, a harmless one where it may."""
    kind, form = node.get("type"), node.get("format")
    if form == "uuid":
        return str(uuid.uuid4())
    if node.get("enum"):
        return node["enum"][0]
    if form == "date-time":
        return "2026-11-01T10:00:00Z"
    if kind == "number":
        return HARMLESS.get(name, 3) if allowed else CANARY_NUMBER
    if form == "email":
        return "help@example.org" if allowed else f"{CANARY}@canary.example"
    if form == "uri":
        return "https://help.example.org/" if allowed else f"https://{CANARY}.example/Canary-Ln"
    return HARMLESS.get(name, "plain words") if allowed else f"{CANARY} Canary Ln"


def record(definition: str, shape: dict[str, Any], seen: set[str], depth: int = 0) -> Any:
    """A record of `definition` with every property the schema allows filled in."""
    seen.add(definition)
    made: dict[str, Any] = {}
    for name, node in DEFINITIONS[definition]["properties"].items():
        target = resolve(node)
        nested = target is not node
        if nested and depth >= 3:
            continue
        allowed = shape.get(name)
        if nested:
            child = next(key for key, item in DEFINITIONS.items() if item is target)
            item = record(child, allowed if isinstance(allowed, dict) else {}, seen, depth + 1)
            made[name] = [item] if node.get("type") == "array" or "items" in node else item
        else:
            made[name] = value(name, node, allowed is True, seen)
    return made


def confidential_service() -> tuple[dict[str, Any], set[str]]:
    seen: set[str] = set()
    DEFINITIONS["service"] = {"properties": SCHEMA["properties"]}
    try:
        service = record("service", MAY_LEAVE, seen)
    finally:
        del DEFINITIONS["service"]
    service["waymark_confidential"] = True
    service["organization_id"] = service["organization"]["id"]
    return service, seen


@pytest.fixture
def shelter(client: TestClient, app: FastAPI) -> dict[str, Any]:
    service, seen = confidential_service()
    # The generator reached every kind of record the schema has (a canary in each).
    assert seen >= set(DEFINITIONS) - {"meta_table_description"}, set(DEFINITIONS) - seen
    response = client.post(
        "/v1/resources/import", json=[service], headers=auth(make_admin(client, app))
    )
    assert response.status_code == 200, response.text
    return service


def assert_no_canary(where: str, text: str) -> None:
    for canary in CANARIES:
        assert canary not in text, (where, canary, text[max(0, text.find(canary) - 300) :][:600])


def test_no_field_of_a_confidential_service_leaks_anywhere(
    client: TestClient, app: FastAPI, shelter: dict[str, Any]
) -> None:
    service_id, organization_id = shelter["id"], shelter["organization"]["id"]
    place_id = shelter["service_at_locations"][0]["id"]
    since = "modified_after=2000-01-01T00:00:00Z"
    paths = [
        "/hsds/services",
        "/hsds/services?full=true",
        "/hsds/services?minimal=true",
        f"/hsds/services?{since}",
        f"/hsds/services?{since}&full=true",
        f"/hsds/services/{service_id}",
        "/hsds/service_at_locations",
        "/hsds/service_at_locations?full=true",
        f"/hsds/service_at_locations/{place_id}",
        "/hsds/organizations",
        "/hsds/organizations?full=true",
        "/hsds/organizations?full_service=true",
        f"/hsds/organizations/{organization_id}",
        f"/hsds/organizations/{organization_id}?full_service=true",
        "/v1/resources",
        f"/v1/resources/{service_id}",
    ]
    for path in paths:
        for variant in (path, f"{path}{'&' if '?' in path else '?'}format=ndjson"):
            if variant.startswith("/v1") and "format=" in variant:
                continue
            if (
                "/hsds/" in variant
                and variant.rsplit("/", 1)[-1].split("?")[0]
                in (
                    service_id,
                    place_id,
                    organization_id,
                )
                and "format=" in variant
            ):
                continue
            response = client.get(variant)
            assert response.status_code == 200, (variant, response.text)
            assert service_id in response.text or organization_id in response.text, variant
            assert_no_canary(variant, response.text)
    exported = b"".join(export_lines(app.state.runtime.database)).decode()
    assert service_id in exported
    assert_no_canary("waymark export-hsds", exported)


def test_what_may_leave_still_leaves(client: TestClient, shelter: dict[str, Any]) -> None:
    """The allow-list keeps what a person looking for help needs."""
    shown = client.get(f"/hsds/services/{shelter['id']}").json()
    assert shown["name"] == shelter["name"]
    assert shown["phones"][0]["number"] == shelter["phones"][0]["number"]
    assert shown["schedules"][0]["opens_at"] == "09:00"
    assert shown["organization"]["name"] == shelter["organization"]["name"]
    assert "metadata" not in shown
    assert "service_areas" not in shown
