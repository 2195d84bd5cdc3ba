"""Group hygiene: who sees whose handle, who can come back in, what happens to a group without a
facilitator, renaming and archiving, and admins giving roles by handle."""

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import PASSWORD, auth, register
from tests.groups.conftest import PUBLIC_MEETING, make_facilitator


def handles_seen(client: TestClient, group: dict[str, Any], person: dict[str, Any]) -> list[str]:
    response = client.get(f"/v1/groups/{group['id']}", headers=person["headers"])
    assert response.status_code == 200, response.text
    return [member["handle"] for member in response.json()["members"]]


def join_with(client: TestClient, code: str, person: dict[str, Any]) -> Any:
    return client.post("/v1/groups/join", json={"invite_code": code}, headers=person["headers"])


def test_a_member_sees_no_other_members_handle_unless_they_choose_to_show_it(
    client: TestClient, circle: dict[str, Any]
) -> None:
    """An abuser who joins the group cannot find the person they are looking for by handle."""
    group, watcher, hiding = circle["group"], circle["sharing"], circle["private"]
    hiding_handle = hiding["account"]["handle"]
    assert hiding_handle not in handles_seen(client, group, watcher)
    assert (
        hiding_handle
        not in client.get(f"/v1/groups/{group['id']}", headers=watcher["headers"]).text
    )
    # Facilitators see everyone, and whether each shows their handle.
    assert hiding_handle in handles_seen(client, group, circle["facilitator"])
    path = f"/v1/groups/{group['id']}/membership"
    shown = client.patch(path, json={"show_handle": True}, headers=hiding["headers"])
    assert shown.status_code == 200
    assert shown.json()["show_handle"] is True
    assert shown.json()["share_progress"] is False  # the other choice is left as it was
    assert handles_seen(client, group, watcher) == [hiding_handle]
    roster = client.get(
        f"/v1/groups/{group['id']}/members", headers=circle["facilitator"]["headers"]
    ).json()
    assert {row["handle"]: row["show_handle"] for row in roster}[hiding_handle] is True
    # Taking it back works with the very next request.
    client.patch(path, json={"show_handle": False}, headers=hiding["headers"])
    assert hiding_handle not in handles_seen(client, group, watcher)


def test_choices_need_a_value(client: TestClient, circle: dict[str, Any]) -> None:
    path = f"/v1/groups/{circle['group']['id']}/membership"
    for body in ({}, {"show_handle": None}, {"share_progress": "yes"}, {"other": True}):
        response = client.patch(path, json=body, headers=circle["private"]["headers"])
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"


def test_a_removed_member_cannot_rejoin_until_the_facilitator_lifts_it(
    client: TestClient, circle: dict[str, Any]
) -> None:
    group, facilitator, removed = circle["group"], circle["facilitator"], circle["private"]
    membership_id = removed["membership"]["membership_id"]
    gone = client.delete(
        f"/v1/groups/{group['id']}/members/{membership_id}", headers=facilitator["headers"]
    )
    assert gone.status_code == 204
    again = join_with(client, group["invite_code"], removed)
    assert again.status_code == 403
    assert again.json()["type"].endswith("removed-from-group")
    # A fresh code does not help either: the removal is about the person, not the code.
    code = client.post(
        f"/v1/groups/{group['id']}/invite-code", headers=facilitator["headers"]
    ).json()["invite_code"]
    assert join_with(client, code, removed).status_code == 403
    removals = client.get(f"/v1/groups/{group['id']}/removals", headers=facilitator["headers"])
    [removal] = removals.json()
    assert removal["handle"] == removed["account"]["handle"]
    # A member cannot lift it, nor see the list.
    lift = f"/v1/groups/{group['id']}/removals/{removal['removal_id']}"
    assert client.delete(lift, headers=circle["sharing"]["headers"]).status_code == 403
    assert client.delete(lift, headers=facilitator["headers"]).status_code == 204
    back = join_with(client, code, removed)
    assert back.status_code == 201, back.text


def test_leaving_is_not_a_removal(client: TestClient, circle: dict[str, Any]) -> None:
    group, member = circle["group"], circle["private"]
    left = client.delete(f"/v1/groups/{group['id']}/membership", headers=member["headers"])
    assert left.status_code == 204
    assert join_with(client, group["invite_code"], member).status_code == 201


def test_a_group_without_a_facilitator_takes_nobody_until_an_admin_gives_it_one(
    client: TestClient, admin: dict[str, str], circle: dict[str, Any]
) -> None:
    group, facilitator = circle["group"], circle["facilitator"]
    newcomer = register(client)
    newcomer["headers"] = auth(newcomer)
    meeting = client.post(
        f"/v1/groups/{group['id']}/meetings", json=PUBLIC_MEETING, headers=facilitator["headers"]
    )
    assert meeting.status_code == 201
    assert len(client.get("/meetings.json").json()) == 1
    # An admin cannot make themselves (or anyone) facilitator of a group that has one.
    path = f"/v1/admin/groups/{group['id']}/facilitators"
    admin_handle = client.get("/v1/me", headers=admin).json()["handle"]
    taken = client.post(path, json={"handle": admin_handle}, headers=admin)
    assert taken.status_code == 409
    assert taken.json()["type"].endswith("group-has-facilitator")
    # Taking the role away is enough: nobody looks after the group any more.
    demoted = client.put(
        "/v1/admin/roles",
        json={"handle": facilitator["account"]["handle"], "role": "member"},
        headers=admin,
    )
    assert demoted.status_code == 200
    closed = join_with(client, group["invite_code"], newcomer)
    assert closed.status_code == 409
    assert closed.json()["type"].endswith("group-closed")
    assert client.get("/meetings.json").json() == []  # nobody can correct its address now
    listed = {row["id"]: row for row in client.get("/v1/admin/groups", headers=admin).json()}
    assert (listed[group["id"]]["facilitator_count"], listed[group["id"]]["member_count"]) == (0, 2)
    assert "handle" not in str(listed[group["id"]])  # admins see no member of the group
    # An account without the role cannot be made its facilitator; one with it can.
    helper = make_facilitator(client, admin)
    refused = client.post(path, json={"handle": newcomer["account"]["handle"]}, headers=admin)
    assert refused.status_code == 409
    nobody = client.post(path, json={"handle": "no-such-person"}, headers=admin)
    assert nobody.status_code == 404
    given = client.post(path, json={"handle": helper["account"]["handle"]}, headers=admin)
    assert given.status_code == 200
    assert given.json()["facilitator_count"] == 1
    assert join_with(client, group["invite_code"], newcomer).status_code == 201
    assert len(client.get("/meetings.json").json()) == 1
    # The new facilitator sees the group as its facilitator; members see who it is.
    members_view = client.get(f"/v1/groups/{group['id']}", headers=newcomer["headers"]).json()
    assert [person["handle"] for person in members_view["facilitators"]] == sorted(
        [facilitator["account"]["handle"], helper["account"]["handle"]],
        key=str.lower,
    )
    seen = client.get(f"/v1/groups/{group['id']}", headers=helper["headers"]).json()
    assert seen["invite_code"] is not None


def test_a_deleted_last_facilitator_closes_the_code(
    client: TestClient, circle: dict[str, Any]
) -> None:
    facilitator = circle["facilitator"]
    deleted = client.post(
        "/v1/me/delete", json={"password": PASSWORD}, headers=facilitator["headers"]
    )
    assert deleted.status_code == 204
    late = register(client)
    late["headers"] = auth(late)
    assert join_with(client, circle["group"]["invite_code"], late).status_code == 409


def test_roles_by_handle_are_for_admins_only(
    client: TestClient, admin: dict[str, str], circle: dict[str, Any]
) -> None:
    member = circle["private"]
    body = {"handle": member["account"]["handle"].upper(), "role": "facilitator"}
    assert client.put("/v1/admin/roles", json=body, headers=member["headers"]).status_code == 403
    assert client.put("/v1/admin/roles", json=body).status_code == 401
    granted = client.put("/v1/admin/roles", json=body, headers=admin)
    assert granted.status_code == 200
    assert (granted.json()["id"], granted.json()["role"]) == (
        member["account"]["id"],
        "facilitator",
    )
    unknown = client.put(
        "/v1/admin/roles", json={"handle": "nobody-at-all", "role": "member"}, headers=admin
    )
    assert unknown.status_code == 404


def test_rename_archive_and_reopen(client: TestClient, circle: dict[str, Any]) -> None:
    group, facilitator, member = circle["group"], circle["facilitator"], circle["private"]
    path = f"/v1/groups/{group['id']}"
    meeting = client.post(f"{path}/meetings", json=PUBLIC_MEETING, headers=facilitator["headers"])
    assert meeting.status_code == 201
    assert client.patch(path, json={"name": "X"}, headers=member["headers"]).status_code == 403
    renamed = client.patch(path, json={"name": "Thursday circle"}, headers=facilitator["headers"])
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Thursday circle"
    for bad in ({}, {"name": ""}, {"name": None}, {"archived": None}, {"colour": "red"}):
        refused = client.patch(path, json=bad, headers=facilitator["headers"])
        assert refused.status_code == 422, bad
    archived = client.patch(path, json={"archived": True}, headers=facilitator["headers"])
    assert archived.json()["archived"] is True
    assert client.get("/meetings.json").json() == []
    newcomer = register(client)
    newcomer["headers"] = auth(newcomer)
    assert join_with(client, group["invite_code"], newcomer).status_code == 409
    # Members keep the group, its meetings and their own data.
    kept = client.get(path, headers=member["headers"])
    assert kept.status_code == 200
    assert kept.json()["archived"] is True
    assert [
        item["archived"] for item in client.get("/v1/groups", headers=member["headers"]).json()
    ] == [True]
    assert client.get(f"{path}/meetings", headers=member["headers"]).status_code == 200
    reopened = client.patch(path, json={"archived": False}, headers=facilitator["headers"])
    assert reopened.json()["archived"] is False
    assert len(client.get("/meetings.json").json()) == 1
    assert join_with(client, group["invite_code"], newcomer).status_code == 201
