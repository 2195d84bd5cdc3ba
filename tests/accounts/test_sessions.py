"""Sessions: logout, logout-all, listing, revoking, and password changes (SECURITY 10, 13)."""

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import FakeClock
from tests.factories import (
    OTHER_PASSWORD,
    PASSWORD,
    auth,
    database_dump,
    login,
    register,
    without_request_id,
)


def me(client: TestClient, token: str) -> int:
    return client.get("/v1/me", headers=auth(token)).status_code


def test_logout_revokes_only_this_token(client: TestClient) -> None:
    member = register(client)
    other = login(client, member["account"]["handle"])
    assert client.post("/v1/auth/logout", headers=auth(member)).status_code == 204
    assert me(client, member["token"]["access_token"]) == 401
    assert me(client, other) == 200


def test_logout_all_revokes_every_token(client: TestClient) -> None:
    member = register(client)
    tokens = [login(client, member["account"]["handle"]) for _ in range(3)]
    assert client.post("/v1/auth/logout-all", headers=auth(tokens[0])).status_code == 204
    assert {me(client, token) for token in [*tokens, member["token"]["access_token"]]} == {401}


def test_sessions_list_marks_the_current_one_and_pages(client: TestClient) -> None:
    member = register(client)
    handle = member["account"]["handle"]
    tokens = [login(client, handle) for _ in range(4)]
    response = client.get("/v1/auth/sessions", headers=auth(tokens[-1]))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    items = response.json()["items"]
    assert len(items) == 5
    assert set(items[0]) == {
        "id", "created_at", "last_used_at", "current", "device_label", "first_used_on", "last_used_on"
    }  # fmt: skip
    assert [item["current"] for item in items] == [True, False, False, False, False]  # newest first

    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/auth/sessions", params=params, headers=auth(tokens[-1])).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [item["id"] for item in items]


def test_bad_paging_parameters_get_422(client: TestClient) -> None:
    member = register(client)
    for params in ({"limit": 101}, {"limit": 0}, {"cursor": "garbage!!"}, {"cursor": "W10"}):
        response = client.get("/v1/auth/sessions", params=params, headers=auth(member))
        assert response.status_code == 422, params
        assert response.headers["content-type"] == "application/problem+json"


def test_revoking_another_session(client: TestClient) -> None:
    member = register(client)
    other = login(client, member["account"]["handle"])
    sessions = client.get("/v1/auth/sessions", headers=auth(member)).json()["items"]
    other_id = next(item["id"] for item in sessions if not item["current"])
    assert client.delete(f"/v1/auth/sessions/{other_id}", headers=auth(member)).status_code == 204
    assert me(client, other) == 401
    assert me(client, member["token"]["access_token"]) == 200
    assert client.delete(f"/v1/auth/sessions/{other_id}", headers=auth(member)).status_code == 404


def test_another_members_session_is_not_found_like_a_random_id(client: TestClient) -> None:
    alice, bob = register(client), register(client)
    alice_session = client.get("/v1/auth/sessions", headers=auth(alice)).json()["items"][0]["id"]
    foreign = client.delete(f"/v1/auth/sessions/{alice_session}", headers=auth(bob))
    random = client.delete(f"/v1/auth/sessions/{uuid.uuid4()}", headers=auth(bob))
    assert foreign.status_code == random.status_code == 404
    assert without_request_id(foreign.json()) == without_request_id(random.json())
    assert me(client, alice["token"]["access_token"]) == 200


def test_malformed_session_id_names_nothing(client: TestClient) -> None:
    member = register(client)
    response = client.delete("/v1/auth/sessions/not-a-uuid", headers=auth(member))
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


def test_password_change_keeps_this_session_and_ends_the_others(client: TestClient) -> None:
    member = register(client)
    handle = member["account"]["handle"]
    other = login(client, handle)
    response = client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": OTHER_PASSWORD},
        headers=auth(member),
    )
    assert response.status_code == 204
    assert me(client, member["token"]["access_token"]) == 200
    assert me(client, other) == 401
    assert (
        client.post("/v1/auth/login", json={"handle": handle, "password": PASSWORD}).status_code
        == 401
    )
    login(client, handle, OTHER_PASSWORD)


def test_password_change_with_wrong_current_password_changes_nothing(client: TestClient) -> None:
    member = register(client)
    other = login(client, member["account"]["handle"])
    response = client.post(
        "/v1/me/password",
        json={"current_password": "not my password at all", "new_password": OTHER_PASSWORD},
        headers=auth(member),
    )
    assert response.status_code == 403
    assert me(client, other) == 200
    login(client, member["account"]["handle"], PASSWORD)


def test_password_change_refuses_a_weak_new_password(client: TestClient) -> None:
    member = register(client)
    response = client.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=auth(member),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "new_password"]


def test_password_guessing_with_a_stolen_token_is_throttled(client: TestClient) -> None:
    member = register(client)
    statuses = [
        client.post(
            "/v1/me/password",
            json={"current_password": f"guess number {i} for this", "new_password": OTHER_PASSWORD},
            headers=auth(member),
        ).status_code
        for i in range(7)
    ]
    assert statuses == [403] * 5 + [429] * 2


def test_a_session_the_member_did_not_start_stands_out(
    client: TestClient, app: FastAPI, clock: FakeClock
) -> None:
    """Someone with the password logs in elsewhere: the member's phone is told at its next
    look (once), and the list shows each session by the name its device was given and the
    days it was used; the member ends the stranger's session."""
    member = register(client, device_label="my phone")
    phone = auth(member)
    assert client.get("/v1/me", headers=phone).json()["new_sessions"] == []
    clock.advance(days=2)
    stranger = client.post(
        "/v1/auth/login",
        json={"handle": member["account"]["handle"], "password": PASSWORD, "device_label": "x"},
    ).json()["access_token"]
    told = client.get("/v1/me", headers=phone).json()["new_sessions"]
    assert told == [{"device_label": "x", "began_on": "2026-11-25"}]
    assert client.get("/v1/me", headers=phone).json()["new_sessions"] == []  # told once

    listed = client.get("/v1/auth/sessions", headers=phone).json()["items"]
    by_label = {item["device_label"]: item for item in listed}
    assert by_label["my phone"]["first_used_on"] == "2026-11-23"
    assert by_label["my phone"]["current"] is True
    assert by_label["x"]["first_used_on"] == by_label["x"]["last_used_on"] == "2026-11-25"
    ended = client.delete(f"/v1/auth/sessions/{by_label['x']['id']}", headers=phone)
    assert ended.status_code == 204
    assert client.get("/v1/me", headers=auth(stranger)).status_code == 401


def test_device_labels_are_sealed_and_bounded(client: TestClient, app: FastAPI) -> None:
    label = "kitchen-" + uuid.uuid4().hex[:10]
    member = register(client, device_label=label)
    assert label not in database_dump(app)
    listed = client.get("/v1/auth/sessions", headers=auth(member)).json()["items"]
    assert listed[0]["device_label"] == label
    too_long = client.post(
        "/v1/auth/login",
        json={
            "handle": member["account"]["handle"],
            "password": PASSWORD,
            "device_label": "x" * 41,
        },
    )
    assert too_long.status_code == 422


def test_a_login_elsewhere_is_told_even_once_that_session_ended(
    client: TestClient, clock: FakeClock
) -> None:
    """Someone with the password logs in, reads the member's export and logs out again: the
    member's phone is still told that a session began."""
    member = register(client, device_label="my phone")
    phone = auth(member)
    assert client.get("/v1/me", headers=phone).json()["new_sessions"] == []
    clock.advance(hours=3)
    stranger = login(client, member["account"]["handle"])
    assert client.get("/v1/me/export", headers=auth(stranger)).status_code == 200
    assert client.post("/v1/auth/logout", headers=auth(stranger)).status_code == 204
    told = client.get("/v1/me", headers=phone).json()["new_sessions"]
    assert told == [{"device_label": None, "began_on": "2026-11-23"}]
