"""Memberships and access logs in export and deletion; a facilitator's deletion leaves the group's
members and their data alone."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, rows_referencing
from tests.groups.conftest import PUBLIC_MEETING, check_in


def progress_path(circle: dict[str, Any]) -> str:
    membership = circle["sharing"]["membership"]["membership_id"]
    return f"/v1/groups/{circle['group']['id']}/members/{membership}/progress"


def test_export_has_memberships_and_the_access_log(
    client: TestClient, circle: dict[str, Any]
) -> None:
    sharing = circle["sharing"]
    client.get(progress_path(circle), headers=circle["facilitator"]["headers"])
    parts = client.get("/v1/me/export", headers=sharing["headers"]).json()["parts"]
    assert parts["memberships"] == [
        {
            "group_id": circle["group"]["id"],
            "group_name": circle["group"]["name"],
            "kind": "member",
            "share_progress": True,
            "show_handle": False,
            "joined_at": parts["memberships"][0]["joined_at"],
        }
    ]
    # From the second day after joining (23 November 2026, UTC), until further notice.
    [days] = parts["group_days"]
    assert (days["group_id"], days["counts_from"], days["counts_until"]) == (
        circle["group"]["id"],
        "2026-11-25",
        None,
    )
    assert days["joined_at"].startswith("2026-11-23T12:00")
    assert days["left_at"] is None
    assert parts["group_removals"] == []
    assert [entry["facilitator_handle"] for entry in parts["access_log"]] == [
        circle["facilitator"]["account"]["handle"]
    ]


def test_deleting_a_facilitator_leaves_the_group_and_its_members(
    client: TestClient, app: FastAPI, circle: dict[str, Any]
) -> None:
    facilitator, sharing = circle["facilitator"], circle["sharing"]
    check_in(client, sharing, 1, mood=4)
    client.get(progress_path(circle), headers=facilitator["headers"])
    added = client.post(
        f"/v1/groups/{circle['group']['id']}/meetings",
        json=PUBLIC_MEETING,
        headers=facilitator["headers"],
    )
    assert added.status_code == 201
    assert len(client.get("/meetings.json").json()) == 1
    deleted = client.post(
        "/v1/me/delete", json={"password": PASSWORD}, headers=facilitator["headers"]
    )
    assert deleted.status_code == 204
    assert rows_referencing(app, facilitator["account"]["id"]) == []
    group = client.get(f"/v1/groups/{circle['group']['id']}", headers=sharing["headers"])
    assert group.status_code == 200
    assert group.json()["facilitators"] == []
    assert group.json()["member_count"] == 2
    # The member keeps the record that someone read their progress, without the deleted handle.
    log = client.get("/v1/me/access-log", headers=sharing["headers"]).json()
    assert [(entry["group_name"], entry["facilitator_handle"]) for entry in log] == [
        (circle["group"]["name"], None)
    ]
    assert client.get("/v1/progress", headers=sharing["headers"]).json()["checkin_days_total"] == 1
    # Nobody looks after the meeting now: it leaves the public feed, and stays for the members.
    assert client.get("/meetings.json").json() == []
    meetings = client.get(
        f"/v1/groups/{circle['group']['id']}/meetings", headers=sharing["headers"]
    ).json()
    assert [(item["name"], item["public"]) for item in meetings] == [("Open circle", False)]


def test_deleting_a_member_removes_their_membership_and_log(
    client: TestClient, app: FastAPI, circle: dict[str, Any]
) -> None:
    sharing, facilitator = circle["sharing"], circle["facilitator"]
    check_in(client, sharing, 1)
    client.get(progress_path(circle), headers=facilitator["headers"])
    deleted = client.post("/v1/me/delete", json={"password": PASSWORD}, headers=sharing["headers"])
    assert deleted.status_code == 204
    assert rows_referencing(app, sharing["account"]["id"]) == []
    roster = client.get(
        f"/v1/groups/{circle['group']['id']}/members", headers=facilitator["headers"]
    ).json()
    assert [member["handle"] for member in roster] == [circle["private"]["account"]["handle"]]
    assert client.get(progress_path(circle), headers=facilitator["headers"]).status_code == 404
