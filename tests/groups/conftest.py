"""Helpers for group tests: facilitators, groups, members and their check-ins, all through HTTP."""

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import auth, make_admin, new_handle, register

TODAY = date(2026, 11, 23)
# A meeting that goes in the public feed.
PUBLIC_MEETING = {
    "name": "Open circle",
    "day": 3,
    "time": "18:00",
    "timezone": "UTC",
    "address": "1 Main St",
    "public": True,
}


@pytest.fixture
def admin(client: TestClient, app: FastAPI) -> dict[str, str]:
    return auth(make_admin(client, app))


def make_facilitator(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    person = register(client, handle=new_handle("facilitator"))
    response = client.put(
        f"/v1/admin/accounts/{person['account']['id']}/role",
        json={"role": "facilitator"},
        headers=admin,
    )
    assert response.status_code == 200, response.text
    person["headers"] = auth(person)
    return person


def make_group(
    client: TestClient, facilitator: dict[str, Any], name: str = "Tuesday circle"
) -> dict[str, Any]:
    response = client.post("/v1/groups", json={"name": name}, headers=facilitator["headers"])
    assert response.status_code == 201, response.text
    group: dict[str, Any] = response.json()
    return group


def join(
    client: TestClient, group: dict[str, Any], share: bool = False, **extra: Any
) -> dict[str, Any]:
    member = register(client, **extra)
    member["headers"] = auth(member)
    response = client.post(
        "/v1/groups/join",
        json={"invite_code": group["invite_code"], "share_progress": share},
        headers=member["headers"],
    )
    assert response.status_code == 201, response.text
    member["membership"] = response.json()
    return member


def check_in(
    client: TestClient, member: dict[str, Any], days_ago: int, level: str = "none", **body: Any
) -> None:
    day = (TODAY - timedelta(days=days_ago)).isoformat()
    response = client.put(
        f"/v1/checkins/{day}",
        json={"lapses": {"recovery": level}, **body},
        headers=member["headers"],
    )
    assert response.status_code in (200, 201), response.text


@pytest.fixture
def circle(client: TestClient, admin: dict[str, str]) -> dict[str, Any]:
    """A facilitator, their group and two members (one sharing progress)."""
    facilitator = make_facilitator(client, admin)
    group = make_group(client, facilitator)
    sharing = join(client, group, share=True)
    private = join(client, group)
    return {"facilitator": facilitator, "group": group, "sharing": sharing, "private": private}
