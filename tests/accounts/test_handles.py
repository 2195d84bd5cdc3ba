"""A member's handle against an abuser: a stolen session cannot rename the account away from its
owner, an old handle keeps its owner's way in for a week, a deleted member's pseudonym is not
free for anyone to take, and asking which handles exist runs into a throttle."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.accounts import handles
from tests.conftest import FakeClock
from tests.factories import (
    OTHER_PASSWORD,
    PASSWORD,
    auth,
    database_dump,
    new_handle,
    register,
)


def rename(client: TestClient, member: dict[str, Any], handle: str, **body: Any) -> Any:
    return client.patch("/v1/me", json={"handle": handle, **body}, headers=auth(member))


def login(client: TestClient, handle: str, password: str = PASSWORD) -> int:
    response = client.post("/v1/auth/login", json={"handle": handle, "password": password})
    return response.status_code


def test_a_stolen_session_alone_cannot_rename_the_account(client: TestClient) -> None:
    """With only the member's token (an unlocked phone), an abuser would rename the account,
    log out everywhere, and the member's handle and recovery codes would then fail."""
    member = register(client)
    handle = member["account"]["handle"]
    missing = rename(client, member, new_handle("taken-over"))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["loc"] == ["body", "current_password"]
    wrong = rename(client, member, new_handle("taken-over"), current_password=OTHER_PASSWORD)
    assert wrong.status_code == 403
    assert client.get("/v1/me", headers=auth(member)).json()["handle"] == handle
    assert login(client, handle) == 200
    # The time zone alone still changes without the password.
    zoned = client.patch("/v1/me", json={"timezone": "America/Chicago"}, headers=auth(member))
    assert zoned.status_code == 200


def test_the_old_handle_logs_in_and_recovers_for_seven_days_and_nobody_takes_it(
    client: TestClient, clock: FakeClock
) -> None:
    member = register(client)
    old, new = member["account"]["handle"], new_handle("renamed")
    assert rename(client, member, new, current_password=PASSWORD).status_code == 200
    assert login(client, old) == 200
    assert login(client, new) == 200
    recovered = client.post(
        "/v1/auth/recover",
        json={
            "handle": old,
            "recovery_code": member["recovery_codes"][0],
            "new_password": PASSWORD + " too",
        },
    )
    assert recovered.status_code == 200, recovered.text
    squatter = client.post("/v1/auth/register", json={"handle": old.upper(), "password": PASSWORD})
    assert squatter.status_code == 409
    clock.advance(days=7, minutes=1)
    assert login(client, old, PASSWORD + " too") == 401
    assert login(client, new, PASSWORD + " too") == 200
    later = client.post("/v1/auth/register", json={"handle": old, "password": PASSWORD})
    assert later.status_code == 201


def test_a_member_may_take_back_their_own_old_handle(client: TestClient) -> None:
    member = register(client)
    old = member["account"]["handle"]
    assert (
        rename(client, member, new_handle("detour"), current_password=PASSWORD).status_code == 200
    )
    back = rename(client, member, old, current_password=PASSWORD)
    assert back.status_code == 200
    assert back.json()["handle"] == old


def test_a_handle_changes_only_a_few_times_a_day(client: TestClient, clock: FakeClock) -> None:
    member = register(client)
    for _ in range(3):
        assert rename(client, member, new_handle(), current_password=PASSWORD).status_code == 200
    refused = rename(client, member, new_handle(), current_password=PASSWORD)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 24 * 3600
    clock.advance(seconds=int(refused.headers["retry-after"]))
    assert rename(client, member, new_handle(), current_password=PASSWORD).status_code == 200


def test_a_deleted_members_handle_is_nobodys_for_ninety_days(
    client: TestClient, app: FastAPI, clock: FakeClock
) -> None:
    """Anyone could otherwise register the pseudonym a group knew, at once, and be taken for
    the member. Only a keyed hash of it is kept."""
    member = register(client, handle=new_handle("gone"))
    handle = member["account"]["handle"]
    deleted = client.post("/v1/me/delete", json={"password": PASSWORD}, headers=auth(member))
    assert deleted.status_code == 204
    assert handle not in database_dump(app)
    body = {"handle": handle.upper(), "password": OTHER_PASSWORD}
    assert client.post("/v1/auth/register", json=body).status_code == 409
    other = register(client)
    assert rename(client, other, handle, current_password=PASSWORD).status_code == 409
    clock.advance(days=90, minutes=1)
    assert client.post("/v1/auth/register", json=body).status_code == 201


def test_probing_which_handles_exist_runs_into_the_throttle(client: TestClient) -> None:
    """A taken handle answers 409: that is an answer to "does this pseudonym exist". Renaming
    probes count against the account, registration probes against the address."""
    taken = [register(client)["account"]["handle"] for _ in range(3)]
    prober = register(client)
    statuses = [
        rename(client, prober, taken[attempt % 3], current_password=PASSWORD).status_code
        for attempt in range(20)
    ]
    assert statuses[0] == 409
    assert statuses[-1] == 429
    registering = [
        client.post(
            "/v1/auth/register", json={"handle": taken[attempt % 3], "password": PASSWORD}
        ).status_code
        for attempt in range(40)
    ]
    assert registering[0] in (409, 429)
    assert registering[-1] == 429


def test_a_rename_racing_a_registration_is_a_409_not_a_500(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handle is free when checked and taken a moment later, before the rename commits."""
    member, taken = register(client), register(client)["account"]["handle"]
    monkeypatch.setattr(handles, "is_taken", lambda *_args, **_kwargs: False)
    raced = rename(client, member, taken, current_password=PASSWORD)
    assert raced.status_code == 409, raced.text
    assert (
        client.get("/v1/me", headers=auth(member)).json()["handle"] == member["account"]["handle"]
    )
