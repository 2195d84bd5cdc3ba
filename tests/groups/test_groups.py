"""Groups through HTTP: roles, creation, invite codes, joining, leaving, rosters (contract §7)."""

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import auth, pasted, register
from tests.groups.conftest import make_facilitator, make_group

MISSING = "00000000-0000-4000-8000-000000000000"


def test_admins_give_roles_and_nobody_else_can(client: TestClient, admin: dict[str, str]) -> None:
    member = register(client)
    path = f"/v1/admin/accounts/{member['account']['id']}/role"
    assert client.put(path, json={"role": "facilitator"}, headers=auth(member)).status_code == 403
    assert client.put(path, json={"role": "boss"}, headers=admin).status_code == 422
    missing = client.put(
        f"/v1/admin/accounts/{MISSING}/role", json={"role": "admin"}, headers=admin
    )
    assert missing.status_code == 404
    given = client.put(path, json={"role": "facilitator"}, headers=admin)
    assert given.json() == {
        "id": member["account"]["id"],
        "handle": member["account"]["handle"],
        "role": "facilitator",
    }
    assert client.get("/v1/me", headers=auth(member)).json()["role"] == "facilitator"
    # Nobody gives themselves a role.
    patched = client.patch("/v1/me", json={"role": "admin"}, headers=auth(member))
    assert patched.status_code == 422
    assert client.get("/v1/me", headers=auth(member)).json()["role"] == "facilitator"


def test_the_last_admin_cannot_step_down(client: TestClient, admin: dict[str, str]) -> None:
    me = client.get("/v1/me", headers=admin).json()
    response = client.put(
        f"/v1/admin/accounts/{me['id']}/role", json={"role": "member"}, headers=admin
    )
    assert response.status_code == 409
    assert client.get("/v1/me", headers=admin).json()["role"] == "admin"


def test_only_facilitators_and_admins_start_groups(
    client: TestClient, admin: dict[str, str]
) -> None:
    member = register(client)
    refused = client.post("/v1/groups", json={"name": "Mine"}, headers=auth(member))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    facilitator = make_facilitator(client, admin)
    created = client.post(
        "/v1/groups",
        json={"name": "Evening circle", "description": "Tuesdays"},
        headers=facilitator["headers"],
    )
    assert created.status_code == 201
    group = created.json()
    assert created.headers["location"] == f"/v1/groups/{group['id']}"
    assert created.headers["cache-control"] == "no-store"
    assert group["membership"]["kind"] == "facilitator"
    assert [person["handle"] for person in group["facilitators"]] == [
        facilitator["account"]["handle"]
    ]
    assert group["members"] == []
    code = group["invite_code"]
    assert len(code.replace("-", "")) == 16
    assert (
        client.post("/v1/groups", json={"name": ""}, headers=facilitator["headers"]).status_code
        == 422
    )
    assert (
        client.post(
            "/v1/groups", json={"name": "x", "extra": 1}, headers=facilitator["headers"]
        ).status_code
        == 422
    )
    by_admin = client.post("/v1/groups", json={"name": "Admin's group"}, headers=admin)
    assert by_admin.status_code == 201


def test_joining_reading_and_listing(client: TestClient, circle: dict[str, Any]) -> None:
    group, member = circle["group"], circle["private"]
    seen = client.get(f"/v1/groups/{group['id']}", headers=member["headers"]).json()
    assert seen["invite_code"] is None  # members never see it
    assert seen["membership"]["kind"] == "member"
    # Members see how many they are, and no handle until its member chooses to show it.
    assert (seen["member_count"], seen["members"]) == (2, [])
    mine = client.get("/v1/groups", headers=member["headers"]).json()
    assert [item["id"] for item in mine] == [group["id"]]
    # Joining again (a retried request) answers with the same membership.
    again = client.post(
        "/v1/groups/join", json={"invite_code": group["invite_code"]}, headers=member["headers"]
    )
    assert again.status_code == 200
    assert again.json()["membership_id"] == member["membership"]["membership_id"]
    # Codes are forgiving about case, spaces and misread letters.
    messy = group["invite_code"].lower().replace("-", " ")
    newcomer = register(client)
    joined = client.post("/v1/groups/join", json={"invite_code": messy}, headers=auth(newcomer))
    assert joined.status_code == 201


def test_an_invite_code_pasted_with_tabs_and_line_breaks_works(
    client: TestClient, circle: dict[str, Any]
) -> None:
    newcomer = register(client)
    code = pasted(circle["group"]["invite_code"])
    joined = client.post("/v1/groups/join", json={"invite_code": code}, headers=auth(newcomer))
    assert joined.status_code == 201, joined.text


def test_rotating_the_code_retires_the_old_one(client: TestClient, circle: dict[str, Any]) -> None:
    group, facilitator = circle["group"], circle["facilitator"]
    member = circle["private"]
    path = f"/v1/groups/{group['id']}/invite-code"
    assert client.post(path, headers=member["headers"]).status_code == 403
    rotated = client.post(path, headers=facilitator["headers"])
    assert rotated.status_code == 200
    new_code = rotated.json()["invite_code"]
    assert new_code != group["invite_code"]
    late = register(client)
    old = client.post(
        "/v1/groups/join", json={"invite_code": group["invite_code"]}, headers=auth(late)
    )
    assert old.status_code == 404
    new = client.post("/v1/groups/join", json={"invite_code": new_code}, headers=auth(late))
    assert new.status_code == 201
    read = client.get(f"/v1/groups/{group['id']}", headers=facilitator["headers"]).json()
    assert read["invite_code"] == new_code


def test_guessing_codes_is_throttled(client: TestClient, circle: dict[str, Any]) -> None:
    guesser = register(client)
    statuses = []
    for attempt in range(11):
        response = client.post(
            "/v1/groups/join",
            json={"invite_code": f"AAAA-BBBB-CCCC-{attempt:04d}"},
            headers=auth(guesser),
        )
        statuses.append(response.status_code)
    assert statuses == [404] * 10 + [429]
    assert int(response.headers["retry-after"]) >= 1
    # Even the right code waits until the block ends.
    right = client.post(
        "/v1/groups/join",
        json={"invite_code": circle["group"]["invite_code"]},
        headers=auth(guesser),
    )
    assert right.status_code == 429


def test_roster_removal_and_leaving(client: TestClient, circle: dict[str, Any]) -> None:
    group, facilitator = circle["group"], circle["facilitator"]
    sharing, private = circle["sharing"], circle["private"]
    roster = client.get(f"/v1/groups/{group['id']}/members", headers=facilitator["headers"])
    assert roster.status_code == 200
    assert {(m["handle"], m["share_progress"]) for m in roster.json()} == {
        (sharing["account"]["handle"], True),
        (private["account"]["handle"], False),
    }
    assert set(roster.json()[0]) == {
        "membership_id",
        "handle",
        "joined_at",
        "share_progress",
        "show_handle",
    }
    assert (
        client.get(f"/v1/groups/{group['id']}/members", headers=private["headers"]).status_code
        == 403
    )

    removed = client.delete(
        f"/v1/groups/{group['id']}/members/{private['membership']['membership_id']}",
        headers=facilitator["headers"],
    )
    assert removed.status_code == 204
    assert client.get(f"/v1/groups/{group['id']}", headers=private["headers"]).status_code == 404

    left = client.delete(f"/v1/groups/{group['id']}/membership", headers=sharing["headers"])
    assert left.status_code == 204
    assert client.get("/v1/groups", headers=sharing["headers"]).json() == []
    # The only facilitator cannot walk away from the group.
    alone = client.delete(f"/v1/groups/{group['id']}/membership", headers=facilitator["headers"])
    assert alone.status_code == 409


def test_a_facilitator_sees_nothing_of_another_group(
    client: TestClient, admin: dict[str, str], circle: dict[str, Any]
) -> None:
    other = make_facilitator(client, admin)
    other_group = make_group(client, other, "Other circle")
    group = circle["group"]
    membership = circle["sharing"]["membership"]["membership_id"]
    for path in (
        f"/v1/groups/{group['id']}",
        f"/v1/groups/{group['id']}/members",
        f"/v1/groups/{group['id']}/aggregate",
        f"/v1/groups/{group['id']}/meetings",
        f"/v1/groups/{group['id']}/members/{membership}/progress",
    ):
        response = client.get(path, headers=other["headers"])
        assert response.status_code == 404, path
    # Their own group's path with a member id from the first group: 404 too.
    crossed = client.get(
        f"/v1/groups/{other_group['id']}/members/{membership}/progress", headers=other["headers"]
    )
    assert crossed.status_code == 404


def test_members_cannot_read_aggregates(client: TestClient, circle: dict[str, Any]) -> None:
    member = circle["private"]
    for group_id in (circle["group"]["id"], MISSING):
        response = client.get(f"/v1/groups/{group_id}/aggregate", headers=member["headers"])
        assert response.status_code == 403


def test_bad_input(client: TestClient, circle: dict[str, Any]) -> None:
    group, facilitator = circle["group"], circle["facilitator"]
    member = circle["private"]
    aggregate = f"/v1/groups/{group['id']}/aggregate"
    for days in ("1", "14", "365", "x"):
        response = client.get(aggregate, params={"days": days}, headers=facilitator["headers"])
        assert response.status_code == 422, days
    for body in (
        {},
        {"invite_code": ""},
        {"invite_code": 5},
        {"invite_code": "x", "role": "admin"},
    ):
        assert (
            client.post("/v1/groups/join", json=body, headers=member["headers"]).status_code == 422
        )
    assert (
        client.patch(
            f"/v1/groups/{group['id']}/membership",
            json={"share_progress": "yes"},
            headers=member["headers"],
        ).status_code
        == 422
    )
    assert client.get("/v1/groups/not-a-uuid", headers=member["headers"]).status_code == 404


def test_joining_needs_the_code_not_the_id(client: TestClient, circle: dict[str, Any]) -> None:
    outsider = register(client)
    response = client.get(f"/v1/groups/{circle['group']['id']}", headers=auth(outsider))
    assert response.status_code == 404
    random_group = client.get(f"/v1/groups/{MISSING}", headers=auth(outsider))
    assert response.json()["detail"] == random_group.json()["detail"]
    assert response.json()["type"] == random_group.json()["type"]
