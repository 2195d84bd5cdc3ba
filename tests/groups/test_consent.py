"""A member's journey reaches a facilitator only with consent, and every read is logged
(SECURITY 16, 19)."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.factories import without_request_id
from tests.groups.conftest import TODAY, check_in

MISSING = "00000000-0000-4000-8000-000000000000"


def progress_path(circle: dict[str, Any], who: str = "sharing") -> str:
    membership = circle[who]["membership"]["membership_id"]
    return f"/v1/groups/{circle['group']['id']}/members/{membership}/progress"


def test_shared_progress_is_journey_figures_only(
    client: TestClient, circle: dict[str, Any]
) -> None:
    sharing, facilitator = circle["sharing"], circle["facilitator"]
    note, trigger = f"canary-note-{uuid.uuid4().hex}", f"canary-trigger-{uuid.uuid4().hex[:8]}"
    for days_ago in (3, 2, 1):
        check_in(client, sharing, days_ago, note=note, triggers=[trigger], mood=4)
    check_in(client, sharing, 0, level="some")
    response = client.get(progress_path(circle), headers=facilitator["headers"])
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    journey = response.json()
    assert (journey["state"], journey["days_on_track_total"], journey["checkin_days_total"]) == (
        "lapsed",
        3,
        4,
    )
    for canary in (note, trigger):
        assert canary not in response.text
    assert "note" not in journey
    assert "triggers" not in journey


def test_no_consent_is_the_same_404_as_no_member(
    client: TestClient, circle: dict[str, Any]
) -> None:
    facilitator = circle["facilitator"]
    private = client.get(progress_path(circle, "private"), headers=facilitator["headers"])
    missing = client.get(
        f"/v1/groups/{circle['group']['id']}/members/{MISSING}/progress",
        headers=facilitator["headers"],
    )
    assert private.status_code == missing.status_code == 404
    assert without_request_id(private.json()) == without_request_id(missing.json())


def test_revoking_consent_takes_effect_on_the_very_next_request(
    client: TestClient, circle: dict[str, Any]
) -> None:
    sharing, facilitator = circle["sharing"], circle["facilitator"]
    assert client.get(progress_path(circle), headers=facilitator["headers"]).status_code == 200
    revoked = client.patch(
        f"/v1/groups/{circle['group']['id']}/membership",
        json={"share_progress": False},
        headers=sharing["headers"],
    )
    assert revoked.status_code == 200
    assert revoked.json()["share_progress"] is False
    assert client.get(progress_path(circle), headers=facilitator["headers"]).status_code == 404
    client.patch(
        f"/v1/groups/{circle['group']['id']}/membership",
        json={"share_progress": True},
        headers=sharing["headers"],
    )
    assert client.get(progress_path(circle), headers=facilitator["headers"]).status_code == 200


def test_every_read_is_in_the_members_access_log(
    client: TestClient, circle: dict[str, Any]
) -> None:
    sharing, facilitator = circle["sharing"], circle["facilitator"]
    assert client.get("/v1/me/access-log", headers=sharing["headers"]).json() == []
    for _ in range(2):
        assert client.get(progress_path(circle), headers=facilitator["headers"]).status_code == 200
    # A refused read is not a read.
    client.get(progress_path(circle, "private"), headers=facilitator["headers"])
    log = client.get("/v1/me/access-log", headers=sharing["headers"])
    assert log.headers["cache-control"] == "no-store"
    entries = log.json()
    assert len(entries) == 2
    for entry in entries:
        assert entry["group_id"] == circle["group"]["id"]
        assert entry["group_name"] == circle["group"]["name"]
        assert entry["facilitator_handle"] == facilitator["account"]["handle"]
        assert entry["read_at"].startswith("2026-11-23")
    assert client.get("/v1/me/access-log", headers=circle["private"]["headers"]).json() == []


def test_facilitators_share_nothing(client: TestClient, circle: dict[str, Any]) -> None:
    response = client.patch(
        f"/v1/groups/{circle['group']['id']}/membership",
        json={"share_progress": True},
        headers=circle["facilitator"]["headers"],
    )
    assert response.status_code == 409


@contextmanager
def right_after_reading(
    app: FastAPI, marker: str, action: Callable[[], Any]
) -> Iterator[list[bool]]:
    """Runs `action` (other requests, while the first is still reading) right after the first
    SELECT whose SQL contains `marker`. Yields a list that holds True once it has run."""
    engine = app.state.runtime.database.reader
    happened: list[bool] = []

    def after_read(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if happened or not statement.lstrip().upper().startswith("SELECT"):
            return
        if marker in statement:
            happened.append(True)  # first: the action's own reads must not come back here
            action()

    event.listen(engine, "after_cursor_execute", after_read)
    try:
        yield happened
    finally:
        event.remove(engine, "after_cursor_execute", after_read)


def heavy_lapse_today(client: TestClient, member: dict[str, Any]) -> None:
    response = client.put(
        f"/v1/checkins/{TODAY.isoformat()}",
        json={"lapses": {"recovery": "heavy"}},
        headers=member["headers"],
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("reader", ["member", "facilitator"])
def test_a_journey_is_read_from_one_moment(
    client: TestClient, app: FastAPI, circle: dict[str, Any], reader: str
) -> None:
    """The summary and the recent days come from one snapshot, whoever reads: a check-in written
    between the two reads shows whole or not at all, never half in the figures."""
    sharing = circle["sharing"]
    for days_ago in (3, 2, 1, 0):
        check_in(client, sharing, days_ago, craving=2)
    path, headers = "/v1/progress", sharing["headers"]
    if reader == "facilitator":
        path, headers = progress_path(circle), circle["facilitator"]["headers"]
    before = client.get(path, headers=headers).json()

    with right_after_reading(
        app, "FROM progress_summary", lambda: heavy_lapse_today(client, sharing)
    ) as happened:
        during = client.get(path, headers=headers).json()
    assert happened  # today's check-in was replaced between the two reads
    after = client.get(path, headers=headers).json()

    assert before != after
    assert during in (before, after)


def test_a_read_racing_a_revocation_shows_nothing_from_after_it(
    client: TestClient, app: FastAPI, circle: dict[str, Any]
) -> None:
    """The member stops sharing and checks in while a facilitator's read is under way (just
    after its consent check): the facilitator gets a 404, or the journey as it was before."""
    sharing, facilitator = circle["sharing"], circle["facilitator"]
    for days_ago in (3, 2, 1, 0):
        check_in(client, sharing, days_ago, craving=2)
    path = progress_path(circle)
    before = client.get(path, headers=facilitator["headers"]).json()

    def revoke_then_check_in() -> None:
        revoked = client.patch(
            f"/v1/groups/{circle['group']['id']}/membership",
            json={"share_progress": False},
            headers=sharing["headers"],
        )
        assert revoked.status_code == 200
        heavy_lapse_today(client, sharing)

    with right_after_reading(app, "WHERE membership.id =", revoke_then_check_in) as happened:
        during = client.get(path, headers=facilitator["headers"])
    assert happened
    assert during.status_code == 404 or during.json() == before, during.json()
