"""Meetings and the Meeting Guide feed (contract §8)."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.groups.conftest import check_in

TYPES = set(json.loads((Path(__file__).parents[2] / "app/meetings/meeting_types.json").read_text()))

IN_PERSON = {
    "name": "Tuesday Serenity",
    "day": 2,
    "time": "18:30",
    "end_time": "19:30",
    "timezone": "America/Chicago",
    "address": "4953 W Addison St, Chicago, IL 60641",
    "public": True,
    "types": ["O", "D", "EN"],
}
ONLINE = {
    "name": "Night owls",
    "day": 0,
    "time": "22:00",
    "timezone": "America/New_York",
    "online": True,
    "conference_url": "https://meet.example.org/night-owls",
    "address": "Chicago, IL, USA",
    "approximate": True,
    "public": True,
    "types": ["C", "W"],
}
PRIVATE = {**IN_PERSON, "name": "Closed circle", "public": False, "address": "9 Hidden Row"}


def add(client: TestClient, circle: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        f"/v1/groups/{circle['group']['id']}/meetings",
        json=body,
        headers=circle["facilitator"]["headers"],
    )
    assert response.status_code == 201, response.text
    meeting: dict[str, Any] = response.json()
    return meeting


def test_facilitators_manage_meetings(client: TestClient, circle: dict[str, Any]) -> None:
    base = f"/v1/groups/{circle['group']['id']}/meetings"
    member = circle["private"]
    assert client.post(base, json=IN_PERSON, headers=member["headers"]).status_code == 403
    meeting = add(client, circle, IN_PERSON)
    assert re.fullmatch(r"tuesday-serenity-[0-9a-f]{8}", meeting["slug"])
    listed = client.get(base, headers=member["headers"])
    assert [item["id"] for item in listed.json()] == [meeting["id"]]
    path = f"{base}/{meeting['id']}"
    changed = client.patch(
        path,
        json={"name": "Tuesday Hope", "time": "19:00"},
        headers=circle["facilitator"]["headers"],
    )
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["time"]) == ("Tuesday Hope", "19:00")
    assert changed.json()["slug"] == meeting["slug"]  # bookmarks keep working
    assert client.patch(path, json={"day": 3}, headers=member["headers"]).status_code == 403
    assert client.delete(path, headers=member["headers"]).status_code == 403
    assert client.delete(path, headers=circle["facilitator"]["headers"]).status_code == 204
    assert client.get(path, headers=member["headers"]).status_code == 404


def test_the_feed_publishes_public_meetings_only(
    client: TestClient, circle: dict[str, Any]
) -> None:
    public = add(client, circle, IN_PERSON)
    online = add(client, circle, ONLINE)
    add(client, circle, PRIVATE)
    # Members' own words must never reach the feed.
    for member in (circle["sharing"], circle["private"]):
        check_in(client, member, 1, note="canary-feed-note", triggers=["canary-feed-trigger"])
    response = client.get("/meetings.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    feed = response.json()
    assert isinstance(feed, list)
    assert sorted(item["slug"] for item in feed) == sorted([public["slug"], online["slug"]])
    for item in feed:
        assert item["name"]
        assert item["slug"]
        assert 0 <= item["day"] <= 6
        assert re.fullmatch(r"\d\d:\d\d", item["time"])
        assert set(item["types"]) <= TYPES
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", item["updated"])
    by_slug = {item["slug"]: item for item in feed}
    assert by_slug[online["slug"]]["conference_url"] == ONLINE["conference_url"]
    assert by_slug[online["slug"]]["approximate"] == "yes"
    assert by_slug[public["slug"]]["formatted_address"] == IN_PERSON["address"]
    assert by_slug[public["slug"]]["approximate"] == "no"
    for secret in ("Closed circle", "9 Hidden Row", "canary-feed", circle["group"]["name"]):
        assert secret not in response.text
    for person in ("facilitator", "sharing", "private"):
        assert circle[person]["account"]["handle"] not in response.text
    etag = response.headers["etag"]
    assert client.get("/meetings.json", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize(
    "change",
    [
        {"day": 7},
        {"day": -1},
        {"day": "1"},
        {"time": "25:00"},
        {"time": "6pm"},
        {"end_time": "18:30"},
        {"timezone": "Mars/Olympus"},
        {"types": ["NOPE"]},
        {"types": ["O", "O"]},
        {"online": False, "address": None},
        {"approximate": True},
        {"online": True, "conference_url": None, "conference_phone": None},
        {"conference_url": "javascript:alert(1)"},
        {"name": ""},
        {"group_id": "x"},
    ],
)
def test_bad_meetings_get_422(
    client: TestClient, circle: dict[str, Any], change: dict[str, Any]
) -> None:
    body = {key: value for key, value in {**IN_PERSON, **change}.items() if value is not None}
    response = client.post(
        f"/v1/groups/{circle['group']['id']}/meetings",
        json=body,
        headers=circle["facilitator"]["headers"],
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_a_change_that_breaks_a_meeting_gets_422(
    client: TestClient, circle: dict[str, Any]
) -> None:
    meeting = add(client, circle, IN_PERSON)
    path = f"/v1/groups/{circle['group']['id']}/meetings/{meeting['id']}"
    headers = circle["facilitator"]["headers"]
    assert client.patch(path, json={"online": True}, headers=headers).status_code == 422
    assert client.patch(path, json={"name": None}, headers=headers).status_code == 422
    assert client.patch(path, json={"types": ["ZZZ"]}, headers=headers).status_code == 422
    unchanged = client.get(path, headers=headers).json()
    assert (unchanged["online"], unchanged["name"]) == (False, "Tuesday Serenity")


def test_a_meeting_stays_readable_after_the_rules_it_was_checked_by_change(
    client: TestClient, app: FastAPI, circle: dict[str, Any]
) -> None:
    """A type code retired from Meeting Guide's list, or a time zone gone from the tz database,
    is refused in a new write, but a meeting stored with one is still shown and still listed."""
    meeting = add(client, circle, IN_PERSON)
    with app.state.runtime.database.writer.begin() as connection:
        connection.execute(
            text("UPDATE meeting SET types = :types, timezone = :zone"),
            {"types": '["ZZZ-retired"]', "zone": "US/Pacific-New"},
        )
    headers = circle["sharing"]["headers"]
    path = f"/v1/groups/{circle['group']['id']}/meetings"
    shown = client.get(f"{path}/{meeting['id']}", headers=headers)
    assert shown.status_code == 200, shown.text
    assert (shown.json()["types"], shown.json()["timezone"]) == (["ZZZ-retired"], "US/Pacific-New")
    assert client.get(path, headers=headers).status_code == 200
    assert client.get("/meetings.json").status_code == 200
    for retired in ({"types": ["ZZZ-retired"]}, {"timezone": "US/Pacific-New"}):
        refused = client.post(
            path, json={**IN_PERSON, **retired}, headers=circle["facilitator"]["headers"]
        )
        assert refused.status_code == 422, retired
