"""A member's safety plan: theirs alone, sealed, exported, gone with the account."""

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import BACKEND
from tests.factories import (
    PASSWORD,
    assert_absent_from_sqlite_files,
    auth,
    register,
    rows_referencing,
)
from tests.groups.conftest import admin, join, make_facilitator, make_group  # noqa: F401

PATH = "/v1/me/safety-plan"
SECTIONS = ("warning_signs", "what_helps", "safe_places", "people_and_numbers", "code_word")


def a_plan() -> dict[str, str]:
    canary = uuid.uuid4().hex
    return {
        "warning_signs": f"He starts checking my phone {canary}",
        "what_helps": "Calling my sister; a walk",
        "safe_places": "The library on 5th, the shelter office",
        "people_and_numbers": "Ana 555-0100; hotline by text",
        "code_word": f"blue-{canary[:8]}",
    }


def test_empty_until_saved_then_mine_and_replaced_whole(client: TestClient) -> None:
    member = auth(register(client))
    empty = client.get(PATH, headers=member)
    assert empty.status_code == 200
    assert empty.headers["cache-control"] == "no-store"
    assert empty.json() == {**dict.fromkeys(SECTIONS), "updated_at": None}
    plan = a_plan()
    saved = client.put(PATH, json=plan, headers=member)
    assert saved.status_code == 200
    assert saved.headers["cache-control"] == "no-store"
    assert {name: saved.json()[name] for name in SECTIONS} == plan
    assert saved.json()["updated_at"] is not None
    assert client.get(PATH, headers=member).json() == saved.json()
    # PUT is the whole plan: what is left out is emptied.
    again = client.put(PATH, json={"code_word": "green"}, headers=member).json()
    assert again == {
        **dict.fromkeys(SECTIONS),
        "code_word": "green",
        "updated_at": again["updated_at"],
    }


def test_nobody_else_ever_reads_it(
    client: TestClient,
    app: FastAPI,
    admin: dict[str, str],  # noqa: F811
) -> None:
    """A facilitator the member shares progress with, an admin and another member: none of them
    sees a word of the plan, and the database holds it only sealed."""
    facilitator = make_facilitator(client, admin)
    group = make_group(client, facilitator)
    member = join(client, group, share=True)
    plan = a_plan()
    assert client.put(PATH, json=plan, headers=member["headers"]).status_code == 200
    readers = {
        "facilitator": facilitator["headers"],
        "admin": admin,
        "another member": auth(register(client)),
    }
    for who, headers in readers.items():
        own = client.get(PATH, headers=headers)
        assert own.json()["updated_at"] is None, who  # their own (empty) plan, never hers
    shared = client.get(
        f"/v1/groups/{group['id']}/members/{member['membership']['membership_id']}/progress",
        headers=facilitator["headers"],
    )
    assert shared.status_code == 200
    everything_seen = (
        shared.text
        + client.get(f"/v1/groups/{group['id']}/members", headers=facilitator["headers"]).text
    )
    for value in plan.values():
        assert value not in everything_seen
    with app.state.runtime.database.reader.connect() as connection:
        stored = connection.execute(text("SELECT plan_sealed FROM safety_plan")).scalars().all()
    assert len(stored) == 1
    for value in plan.values():
        assert value.encode() not in bytes(stored[0])


def test_in_my_export_and_gone_with_my_account(
    client: TestClient, app: FastAPI, settings: Any
) -> None:
    person = register(client)
    member = auth(person)
    plan = a_plan()
    client.put(PATH, json=plan, headers=member)
    exported = client.get("/v1/me/export", headers=member).json()["parts"]["safety_plan"]
    assert {name: exported[name] for name in SECTIONS} == plan
    deleted = client.post("/v1/me/delete", json={"password": PASSWORD}, headers=member)
    assert deleted.status_code == 204
    assert "safety_plan" not in rows_referencing(app, person["account"]["id"])
    if BACKEND == "sqlite":
        assert_absent_from_sqlite_files(settings.effective_database_url, list(plan.values()))


@pytest.mark.parametrize(
    "body",
    [
        {"warning_signs": ""},
        {"warning_signs": "x" * 2001},
        {"code_word": "x" * 101},
        {"what_helps": 5},
        {"colour": "red"},
        [],
    ],
)
def test_bad_plans_are_refused_and_change_nothing(client: TestClient, body: Any) -> None:
    member = auth(register(client))
    kept = client.put(PATH, json={"code_word": "green"}, headers=member).json()
    refused = client.put(PATH, json=body, headers=member)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get(PATH, headers=member).json() == kept


def test_needs_a_login(client: TestClient) -> None:
    assert client.get(PATH).status_code == 401
    assert client.put(PATH, json={"code_word": "x"}).status_code == 401
