"""Recovery codes: single use, regenerable, hashed, throttled (SECURITY 5, 10, 11)."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import (
    OTHER_PASSWORD,
    PASSWORD,
    auth,
    database_dump,
    login,
    new_handle,
    pasted,
    register,
    without_request_id,
)

NEW_PASSWORDS = [f"{word} kettle harbor zigzag" for word in ("plum", "fig", "kiwi", "lime", "pear")]


def recover(client: TestClient, handle: str, code: str, new_password: str = OTHER_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(
        "/v1/auth/recover",
        json={"handle": handle, "recovery_code": code, "new_password": new_password},
    )


def test_each_code_works_once_and_the_count_goes_down(client: TestClient) -> None:
    member = register(client)
    handle, codes = member["account"]["handle"], member["recovery_codes"]
    other = login(client, handle)
    first = recover(client, handle, codes[0], NEW_PASSWORDS[0])
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    assert first.json()["recovery_codes_left"] == 9
    new_token = first.json()["token"]["access_token"]
    assert client.get("/v1/me", headers=auth(new_token)).status_code == 200
    # Every other session ends, the old password stops working, the new one works.
    assert client.get("/v1/me", headers=auth(other)).status_code == 401
    assert client.get("/v1/me", headers=auth(member)).status_code == 401
    assert (
        client.post("/v1/auth/login", json={"handle": handle, "password": PASSWORD}).status_code
        == 401
    )
    login(client, handle, NEW_PASSWORDS[0])

    assert recover(client, handle, codes[0], NEW_PASSWORDS[1]).status_code == 401
    second = recover(client, handle, codes[1].lower().replace("-", " "), NEW_PASSWORDS[2])
    assert second.status_code == 200
    assert second.json()["recovery_codes_left"] == 8


def test_a_code_pasted_with_tabs_and_line_breaks_works(client: TestClient) -> None:
    member = register(client)
    handle, code = member["account"]["handle"], member["recovery_codes"][0]
    response = recover(client, handle, pasted(code), NEW_PASSWORDS[3])
    assert response.status_code == 200, response.text
    assert response.json()["recovery_codes_left"] == 9


def test_codes_are_stored_only_as_hashes(client: TestClient, app: FastAPI) -> None:
    member = register(client)
    dump = database_dump(app)
    for code in member["recovery_codes"]:
        assert code not in dump
        assert code.replace("-", "") not in dump


def test_regenerating_codes_retires_the_old_ones(client: TestClient) -> None:
    member = register(client)
    handle = member["account"]["handle"]
    response = client.post(
        "/v1/me/recovery-codes", json={"password": PASSWORD}, headers=auth(member)
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    fresh = response.json()["recovery_codes"]
    assert len(set(fresh)) == 10
    assert not set(fresh) & set(member["recovery_codes"])
    for old in member["recovery_codes"][:3]:
        assert recover(client, handle, old).status_code == 401
    assert recover(client, handle, fresh[0]).status_code == 200


def test_regenerating_needs_the_password(client: TestClient) -> None:
    member = register(client)
    response = client.post(
        "/v1/me/recovery-codes", json={"password": "not the password at all"}, headers=auth(member)
    )
    assert response.status_code == 403
    assert (
        recover(client, member["account"]["handle"], member["recovery_codes"][0]).status_code == 200
    )


def test_wrong_codes_are_throttled_like_logins_for_any_handle(client: TestClient) -> None:
    member = register(client)

    def ten_wrong(handle: str) -> list[tuple[int, dict, str | None]]:  # type: ignore[type-arg]
        results = []
        for i in range(10):
            response = recover(client, handle, f"WRONG-CODE-{i:04d}")
            results.append(
                (
                    response.status_code,
                    without_request_id(response.json()),
                    response.headers.get("retry-after"),
                )
            )
        return results

    real = ten_wrong(member["account"]["handle"])
    assert [status for status, _, _ in real] == [401] * 5 + [429] * 5
    waits = [int(retry) for status, _, retry in real if status == 429]
    assert waits == [1] * 5  # attempts while blocked do not lengthen the block
    assert real == ten_wrong(new_handle("ghost"))
    # While blocked, even a right code is refused.
    assert (
        recover(client, member["account"]["handle"], member["recovery_codes"][0]).status_code == 429
    )


def test_recover_refuses_a_weak_new_password_before_using_the_code(client: TestClient) -> None:
    member = register(client)
    handle, code = member["account"]["handle"], member["recovery_codes"][0]
    response = recover(client, handle, code, "weak")
    assert response.status_code == 422
    assert recover(client, handle, code).status_code == 200  # the code was not used up


def test_weak_new_passwords_throttle_the_sender_not_the_members_recovery(
    client: TestClient, app: FastAPI
) -> None:
    """Someone who knows only the handle sends recoveries with weak new passwords: they are
    throttled by address, and the member, elsewhere, still recovers with a code."""
    member = register(client)
    handle, code = member["account"]["handle"], member["recovery_codes"][0]
    statuses = [
        recover(client, handle, "ZZZZ-ZZZZ", "aaaaaaaaaaaaaaaa").status_code for _ in range(30)
    ]
    assert statuses[0] == 422
    assert statuses[-1] == 429
    with TestClient(app, client=("198.51.100.7", 40000)) as elsewhere:
        recovered = recover(elsewhere, handle, code, NEW_PASSWORDS[4])
    assert recovered.status_code == 200, recovered.text
