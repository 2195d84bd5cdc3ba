"""Group aggregates that cannot single anyone out (contract §7; SECURITY 17-20).

Groups of 3, 4, 5, 6 and 12 members get crafted histories where a naive aggregate would give one
person away, such as everyone on track but one.
"""

import uuid
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.groups.aggregate import small, suppress_states
from tests.groups.conftest import check_in, join, make_facilitator, make_group

COUNTS = ("active_members", "members_on_track", "members_lapsed", "members_away")
FIGURES = (
    *COUNTS,
    "checkin_rate",
    "returns_in_window",
    "median_days_on_track",
    "mean_mood",
    "mean_craving",
)
STATES = ("members_on_track", "members_lapsed", "members_away")


def group_of(client: TestClient, admin: dict[str, str], size: int) -> dict[str, Any]:
    facilitator = make_facilitator(client, admin)
    group = make_group(client, facilitator)
    members = [join(client, group) for _ in range(size)]
    return {"facilitator": facilitator, "group": group, "members": members}


def aggregate(client: TestClient, crew: dict[str, Any], days: int = 30) -> dict[str, Any]:
    response = client.get(
        f"/v1/groups/{crew['group']['id']}/aggregate",
        params={"days": days},
        headers=crew["facilitator"]["headers"],
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    result: dict[str, Any] = response.json()
    return result


def assert_no_lone_state(result: dict[str, Any]) -> None:
    hidden = [name for name in STATES if result[name] is None]
    assert len(hidden) != 1, f"{hidden} could be derived by subtraction"


@pytest.mark.parametrize("size", [3, 4, 5, 6, 12])
def test_all_on_track_but_one(client: TestClient, admin: dict[str, str], size: int) -> None:
    crew = group_of(client, admin, size)
    lapsing, *steady = crew["members"]
    for member in steady:
        for days_ago in range(5, -1, -1):
            check_in(client, member, days_ago, mood=4, craving=1)
    for days_ago in range(5, 0, -1):
        check_in(client, lapsing, days_ago, mood=4, craving=1)
    check_in(client, lapsing, 0, level="heavy", mood=1, craving=5)

    result = aggregate(client, crew)
    assert (result["member_count"], result["k"]) == (size, 5)
    # The one lapse is never visible, nor derivable from the others.
    assert result["members_lapsed"] is None
    assert_no_lone_state(result)
    for name in FIGURES:
        if result[name] is None:
            assert name in result["suppressed"]
    if size < 5:
        # Fewer than k members: every count, mean and median is null.
        assert all(result[name] is None for name in FIGURES)
    if size == 12:
        # Means from 12 members are shown (the lapse day's mood is one of 72 values).
        assert result["mean_mood"] == round((11 * 6 * 4 + 5 * 4 + 1) / 72, 1)
        assert result["members_away"] == 0
        assert result["median_days_on_track"] == 6.0
    for week in result["weekly"]:
        if size < 5:
            assert set(week.values()) == {None, week["week_start"]}


def test_a_suppressed_state_never_stands_alone(client: TestClient, admin: dict[str, str]) -> None:
    # 15 members: 7 on track, 2 lapsed, 6 away. Only "lapsed" is small, so one more must go.
    crew = group_of(client, admin, 15)
    members = crew["members"]
    for member in members[:7]:
        check_in(client, member, 1)
    for member in members[7:9]:
        check_in(client, member, 1, level="some")
    for member in members[9:]:
        check_in(client, member, 20)
    result = aggregate(client, crew)
    assert result["members_lapsed"] is None
    assert result["members_away"] is None  # the smaller of the two others
    assert result["members_on_track"] == 7
    assert result["active_members"] is None  # all 15 checked in within 30 days
    assert aggregate(client, crew, days=7)["active_members"] == 9  # 15 - 9 = 6: not small


def test_means_need_k_members_and_needs_below_k_are_left_out(
    client: TestClient, admin: dict[str, str]
) -> None:
    crew = group_of(client, admin, 12)
    members = crew["members"]
    for member in members[:4]:
        check_in(client, member, 2, mood=5, needs=["shelter", "legal"])
    result = aggregate(client, crew)
    assert result["mean_mood"] is None  # four members reported a mood
    assert result["top_needs"] == []
    check_in(client, members[4], 1, mood=3, needs=["shelter"])
    result = aggregate(client, crew)
    assert result["mean_mood"] == round((4 * 5 + 3) / 5, 1)
    assert result["top_needs"] == [{"category": "shelter", "count": 5}]
    assert result["mean_craving"] is None
    assert "mean_craving" in result["suppressed"]


def test_returns_in_the_window(client: TestClient, admin: dict[str, str]) -> None:
    crew = group_of(client, admin, 12)
    for member in crew["members"][:6]:
        check_in(client, member, 10)
        check_in(client, member, 9, level="some")
        check_in(client, member, 8)  # a return after a lapse
        check_in(client, member, 7, level="some")
        check_in(client, member, 6)  # and another
    result = aggregate(client, crew)
    assert result["returns_in_window"] == 12
    assert result["members_on_track"] == 6
    # A week ago is outside the 7-day window? Days 6 to 0 are inside: one return each.
    assert aggregate(client, crew, days=7)["returns_in_window"] == 6


def test_canaries_never_appear_and_facilitators_do_not_count(
    client: TestClient, admin: dict[str, str]
) -> None:
    crew = group_of(client, admin, 6)
    canaries = []
    for number, member in enumerate(crew["members"]):
        note, trigger = f"canary-note-{uuid.uuid4().hex}", f"canary-trig-{number}"
        canaries += [
            note,
            trigger,
            member["account"]["handle"],
            member["membership"]["membership_id"],
        ]
        check_in(client, member, 1, note=note, triggers=[trigger], needs=["food"], mood=3)
    facilitator = crew["facilitator"]
    check_in(client, facilitator, 1, mood=1)
    canaries.append(facilitator["account"]["handle"])
    responses = [
        client.get(
            f"/v1/groups/{crew['group']['id']}/aggregate",
            params={"days": days},
            headers=facilitator["headers"],
        )
        for days in (7, 30, 90)
    ]
    for response in responses:
        for canary in canaries:
            assert canary not in response.text
        result = response.json()
        assert result["member_count"] == 6
        assert result["mean_mood"] == 3.0  # the facilitator's mood of 1 is not in it


def test_two_calls_give_identical_figures(client: TestClient, admin: dict[str, str]) -> None:
    crew = group_of(client, admin, 6)
    for number, member in enumerate(crew["members"]):
        for days_ago in range(0, 40, number + 1):
            check_in(client, member, days_ago, mood=number % 5 + 1, needs=["housing"])
    for days in (7, 30, 90):
        assert aggregate(client, crew, days) == aggregate(client, crew, days)


def test_weekly_figures_use_calendar_weeks(client: TestClient, admin: dict[str, str]) -> None:
    crew = group_of(client, admin, 6)
    for member in crew["members"]:
        check_in(client, member, 3)
    result = aggregate(client, crew, days=30)
    starts = [date.fromisoformat(week["week_start"]) for week in result["weekly"]]
    assert all(start.weekday() == 0 for start in starts)
    assert starts[0] <= date(2026, 10, 25) < starts[1]  # the window's first day
    assert starts[-1] == date(2026, 11, 23)  # as_of is a Monday
    last_full = result["weekly"][-2]  # 16 to 22 November: everyone checked in on the 20th
    assert last_full["checkin_days"] == 6
    assert last_full["active_members"] is None  # all six: the complement is empty


def test_k_below_three_counts_as_three(
    client: TestClient, admin: dict[str, str], app: FastAPI
) -> None:
    app.state.runtime.settings.k_anonymity = 1
    crew = group_of(client, admin, 4)
    for member in crew["members"][:2]:
        check_in(client, member, 1)
    result = aggregate(client, crew)
    assert result["k"] == 3
    assert result["active_members"] is None  # 2 < 3


# --- the suppression rules themselves ---------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "members", "hidden"),
    [(0, 12, False), (1, 12, True), (4, 12, True), (5, 12, False), (7, 12, False),
     (8, 12, True), (12, 12, True), (0, 4, True), (0, 5, False)],
)  # fmt: skip
def test_small_counts(count: int, members: int, hidden: bool) -> None:
    assert small(count, members, 5) is hidden


def test_suppress_states_hides_a_second_cell() -> None:
    counts = {"members_on_track": 7, "members_lapsed": 2, "members_away": 6}
    assert suppress_states(counts, 15, 5) == {
        "members_on_track": 7,
        "members_lapsed": None,
        "members_away": None,
    }
    plenty = {"members_on_track": 10, "members_lapsed": 5, "members_away": 5}
    assert suppress_states(plenty, 20, 5) == plenty
