"""Shared directory fixtures: a small directory and HSDS schema checks."""

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.resources.transfer import SCHEMA_PATH
from tests.factories import auth, make_admin

HSDS = Path(__file__).parent / "hsds"
SERVICE_SCHEMA = jsonschema_rs.validator_for(json.loads(SCHEMA_PATH.read_text()))
PLACE_SCHEMA = jsonschema_rs.validator_for(
    json.loads((HSDS / "service_at_location_list.json").read_text())
)
ORGANIZATION_SCHEMA = jsonschema_rs.validator_for(
    json.loads((HSDS / "organization_list.json").read_text())
)
PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}


def valid(service: dict[str, Any], schema: Any = SERVICE_SCHEMA) -> None:
    errors = [error.message for error in schema.iter_errors(service)]
    assert errors == [], errors


@pytest.fixture
def directory(client: TestClient, app: FastAPI) -> dict[str, Any]:
    admin = auth(make_admin(client, app))

    def add(**fields: Any) -> dict[str, Any]:
        response = client.post(
            "/v1/resources", json={"categories": ["shelter"], **fields}, headers=admin
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    full = add(
        name="Open Door Center",
        description="Drop-in help, showers, case management.",
        categories=["shelter", "food"],
        organization="Open Door Inc.",
        phones=[{"number": "312-555-0101", "description": "front desk"}],
        url="https://example.org/open-door",
        email="help@example.org",
        address={
            "address_1": "5 Main St",
            "city": "Chicago",
            "state_province": "IL",
            "postal_code": "60601",
        },
        lat=41.88,
        lng=-87.63,
        timezone="America/Chicago",
        schedules=[{"days": ["MO", "TU", "WE"], "opens_at": "08:00", "closes_at": "20:00"}],
        languages=["en", "es"],
        eligibility="Adults 18+",
        fees="None",
        free=True,
    )
    hidden = add(
        name="Quiet Refuge",
        categories=["shelter", "trafficking-services"],
        phones=[{"number": "1-800-555-0123"}],
        address={
            "address_1": "77 Canary Lane",
            "city": "Chicago",
            "state_province": "IL",
            "postal_code": "60614",
        },
        lat=41.912345,
        lng=-87.654321,
        confidential=True,
    )
    bare = add(name="Bare Minimum", categories=["legal"])
    return {"admin": admin, "full": full, "hidden": hidden, "bare": bare}
