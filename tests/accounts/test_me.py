"""The member's own account: read, change, export, delete (SECURITY 12, 15, 23, 24)."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import BACKEND
from tests.factories import (
    PASSWORD,
    assert_absent_from_sqlite_files,
    auth,
    login,
    new_handle,
    register,
    rows_referencing,
)

ACCOUNT_KEYS = {"id", "handle", "role", "timezone", "language", "created_at"}


def test_me_shows_only_the_documented_fields(client: TestClient) -> None:
    member = register(client)
    response = client.get("/v1/me", headers=auth(member))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert set(response.json()) == ACCOUNT_KEYS | {"new_sessions"}
    assert response.json() == {**member["account"], "new_sessions": []}


def test_patch_changes_handle_and_timezone(client: TestClient) -> None:
    member = register(client)
    new = new_handle("renamed")
    response = client.patch(
        "/v1/me",
        json={"handle": new, "timezone": "Asia/Kolkata", "current_password": PASSWORD},
        headers=auth(member),
    )
    assert response.status_code == 200
    assert response.json()["handle"] == new
    assert response.json()["timezone"] == "Asia/Kolkata"
    assert client.get("/v1/me", headers=auth(member)).json()["handle"] == new
    login(client, new)


def test_patch_may_change_the_case_of_my_own_handle(client: TestClient) -> None:
    member = register(client, handle="quietriver")
    response = client.patch(
        "/v1/me", json={"handle": "QuietRiver", "current_password": PASSWORD}, headers=auth(member)
    )
    assert response.status_code == 200
    assert response.json()["handle"] == "QuietRiver"


def test_patch_to_a_taken_handle_gets_409(client: TestClient) -> None:
    alice, bob = register(client), register(client)
    response = client.patch(
        "/v1/me",
        json={"handle": alice["account"]["handle"].upper(), "current_password": PASSWORD},
        headers=auth(bob),
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"role": "admin"},
        {"id": "00000000-0000-0000-0000-000000000000"},
        {"handle": "fine-handle", "password_hash": "x"},
        {"email": "a@b.c"},
        {"timezone": "Nowhere/Special"},
        {"handle": "me@example.org"},
        {"timezone": 5},
    ],
)
def test_patch_refuses_anything_else_and_changes_nothing(client: TestClient, body: dict) -> None:  # type: ignore[type-arg]
    member = register(client)
    response = client.patch("/v1/me", json=body, headers=auth(member))
    assert response.status_code == 422
    assert client.get("/v1/me", headers=auth(member)).json() == {
        **member["account"],
        "new_sessions": [],
    }


def test_export_holds_my_data_and_nobody_elses(client: TestClient) -> None:
    member = register(client)
    other = register(client)
    login(client, member["account"]["handle"])
    response = client.get("/v1/me/export", headers=auth(member))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    export = response.json()
    assert export["account"] == member["account"]
    assert len(export["parts"]["sessions"]) == 2
    assert export["parts"]["recovery_codes"] == {"remaining": 10}
    assert other["account"]["handle"] not in response.text
    assert other["account"]["id"] not in response.text
    assert "password" not in response.text
    assert "hash" not in response.text


def test_delete_with_a_wrong_password_deletes_nothing(client: TestClient) -> None:
    member = register(client)
    response = client.post(
        "/v1/me/delete", json={"password": "not the right password"}, headers=auth(member)
    )
    assert response.status_code == 403
    assert client.get("/v1/me", headers=auth(member)).status_code == 200
    login(client, member["account"]["handle"])


def test_delete_removes_the_account_and_everything_it_owns(
    client: TestClient, app: FastAPI, database_url: str
) -> None:
    canary = new_handle("canaryxq")
    member = register(client, handle=canary)
    other = register(client)
    login(client, canary)
    account_id = member["account"]["id"]
    assert rows_referencing(app, account_id)

    response = client.post("/v1/me/delete", json={"password": PASSWORD}, headers=auth(member))
    assert response.status_code == 204
    assert client.get("/v1/me", headers=auth(member)).status_code == 401
    assert (
        client.post("/v1/auth/login", json={"handle": canary, "password": PASSWORD}).status_code
        == 401
    )
    assert rows_referencing(app, account_id) == []
    assert client.get("/v1/me", headers=auth(other)).status_code == 200
    # Nobody takes on the pseudonym at once (tests/accounts/test_handles.py).
    again = client.post("/v1/auth/register", json={"handle": canary, "password": PASSWORD})
    assert again.status_code == 409


@pytest.mark.skipif(BACKEND != "sqlite", reason="checks SQLite's own files on disk")
def test_deleted_handle_leaves_no_trace_in_sqlite_files(
    client: TestClient, database_url: str
) -> None:
    canary = new_handle("canaryzz")
    member = register(client, handle=canary)
    assert (
        client.post("/v1/me/delete", json={"password": PASSWORD}, headers=auth(member)).status_code
        == 204
    )
    assert_absent_from_sqlite_files(database_url, [canary])
