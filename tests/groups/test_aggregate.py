"""Group figures through the API: weekly releases with differential privacy, stored once
(docs/facilitators.md). The noise itself is tested in test_privacy.py; here a spy stands in for
it where a test must see exactly which check-ins went into a release.

The clock starts on Monday 23 November 2026 at noon UTC. Members join then and count from the 25th
(the second day after, UTC, so the joining day is outside in every time zone); nine days later
(Wednesday 2 December) the week of 23 to 29 November is the latest closed one.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.groups import aggregate as aggregate_module
from app.groups.aggregate import Written
from app.groups.release import CountedDay
from app.models import AggregateRelease, MembershipSpan
from tests.conftest import FakeClock
from tests.factories import auth, register
from tests.groups.conftest import join, make_facilitator, make_group

JOINED = date(2026, 11, 23)
WEEK = date(2026, 11, 23)  # the Monday of the first week anyone counts in
ESTIMATES = (
    "active_members",
    "checkin_rate",
    "members_on_track",
    "members_lapsed",
    "members_away",
    "returns_in_window",
    "mean_mood",
    "mean_craving",
)


class Spy:
    """Adds no noise, and keeps every sum it was given: what the release was computed from."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def __call__(self, values: Sequence[int], scale: float) -> list[int]:
        self.calls.append(list(values))
        return list(values)

    def sums(self) -> dict[str, list[int]]:
        # release_week noises its sums in a fixed order (see release.py).
        names = ("states", "rate", "mood_sum", "mood_count", "craving_sum", "craving_count")
        return dict(zip(names, self.calls, strict=False))


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    spy = Spy()
    monkeypatch.setattr(aggregate_module, "opendp_noise", spy)
    return spy


def group_of(client: TestClient, admin: dict[str, str], size: int) -> dict[str, Any]:
    facilitator = make_facilitator(client, admin)
    group = make_group(client, facilitator)
    members = [join(client, group) for _ in range(size)]
    return {"facilitator": facilitator, "group": group, "members": members}


def check_in_on(
    client: TestClient, member: dict[str, Any], day: date, level: str = "none", **body: Any
) -> None:
    response = client.put(
        f"/v1/checkins/{day.isoformat()}",
        json={"lapses": {"recovery": level}, **body},
        headers=member["headers"],
    )
    assert response.status_code in (200, 201), response.text


def read(client: TestClient, crew: dict[str, Any], days: int = 7, **params: Any) -> dict[str, Any]:
    response = client.get(
        f"/v1/groups/{crew['group']['id']}/aggregate",
        params={"days": days, **params},
        headers=crew["facilitator"]["headers"],
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    result: dict[str, Any] = response.json()
    return result


COUNTED_DAYS = 5  # 25 to 29 November


def a_week_of(client: TestClient, members: list[dict[str, Any]], **body: Any) -> None:
    for member in members:
        for offset in range(1, 7):  # 24 to 29 November: the 24th does not count
            check_in_on(client, member, WEEK + timedelta(days=offset), **body)


def releases(app: FastAPI) -> int:
    with Session(app.state.runtime.database.reader) as session:
        return int(session.exec(select(func.count()).select_from(AggregateRelease)).one())


def test_a_twelve_member_group_gets_figures_with_ranges(
    client: TestClient, admin: dict[str, str], clock: FakeClock
) -> None:
    crew = group_of(client, admin, 12)
    clock.advance(days=9)
    a_week_of(client, crew["members"], mood=4, craving=2, needs=["housing", "financial"])
    result = read(client, crew, days=7)
    assert result["released"] is True
    assert (result["member_count"], result["k"], result["epsilon"]) == (12, 5, 1.0)
    assert (result["since"], result["as_of"]) == ("2026-11-23", "2026-11-29")
    for name in ESTIMATES:
        figure = result[name]
        assert figure is not None, name
        assert figure["low"] <= figure["value"] <= figure["high"], name
    for name in ("members_on_track", "members_lapsed", "members_away", "active_members"):
        assert result[name]["low"] >= 0
        assert result[name]["high"] <= 12
    assert 1 <= result["mean_mood"]["low"] <= result["mean_mood"]["high"] <= 5
    assert 0 <= result["checkin_rate"]["low"] <= result["checkin_rate"]["high"] <= 1
    [week] = result["weekly"]
    assert (week["week_start"], week["member_count"], week["released"]) == ("2026-11-23", 12, True)


def test_fewer_than_k_members_says_so_and_shows_nothing(
    client: TestClient, admin: dict[str, str], clock: FakeClock, spy: Spy
) -> None:
    crew = group_of(client, admin, 4)
    clock.advance(days=9)
    a_week_of(client, crew["members"], mood=2)
    result = read(client, crew, days=30)
    assert (result["released"], result["member_count"]) == (False, 4)
    assert all(result[name] is None for name in ESTIMATES)
    assert result["top_needs"] == []
    assert spy.calls == []  # nothing was computed with noise, so nothing was spent


def test_k_below_three_counts_as_three(
    client: TestClient, admin: dict[str, str], app: FastAPI, clock: FakeClock
) -> None:
    app.state.runtime.settings.k_anonymity = 1
    crew = group_of(client, admin, 2)
    clock.advance(days=9)
    a_week_of(client, crew["members"])
    result = read(client, crew)
    assert (result["k"], result["released"]) == (3, False)


def test_check_ins_from_before_joining_never_count(
    client: TestClient, admin: dict[str, str], clock: FakeClock, spy: Spy
) -> None:
    crew = group_of(client, admin, 6)
    newcomer = crew["members"][0]
    clock.advance(days=9)
    # Before, on and the day after joining: lapses, low moods. None of it may reach the group.
    for day in (JOINED - timedelta(days=3), JOINED, JOINED + timedelta(days=1)):
        check_in_on(client, newcomer, day, level="heavy", mood=1, craving=5)
    check_in_on(client, newcomer, JOINED + timedelta(days=3), mood=5, craving=1)
    read(client, crew)
    sums = spy.sums()
    assert sums["states"] == [1, 0, 0]  # on track by her one counted check-in; no lapse
    assert sums["mood_sum"] == [200]  # her mood of 5, and nothing of the 1s
    assert sums["craving_sum"] == [-200]
    # Her rate: one check-in over the days she counted.
    assert sums["rate"] == [round(1000 / COUNTED_DAYS)]


def test_a_check_in_written_before_joining_never_counts(
    client: TestClient, admin: dict[str, str], clock: FakeClock, spy: Spy
) -> None:
    """Far east, a member's today is already tomorrow in UTC; she checks in, then joins. What she
    wrote before joining stays hers (the days count from the second day after joining, UTC, and a
    check-in must also have been written while she was in: see the test below)."""
    crew = group_of(client, admin, 5)
    early = register(client, timezone="Pacific/Kiritimati")  # UTC+14: already the 24th
    early["headers"] = auth(early)
    clock.advance(days=1, hours=11)  # 24 November 23:00 UTC: her 25th, a counted day
    check_in_on(client, early, WEEK + timedelta(days=2), level="heavy", mood=1)
    joined = client.post(
        "/v1/groups/join",
        json={"invite_code": crew["group"]["invite_code"]},
        headers=early["headers"],
    )
    assert joined.status_code == 201
    clock.advance(days=8)
    read(client, crew)
    assert spy.sums()["states"] == [0, 0, 0]  # nobody lapsed; six members, none checked in


def test_a_member_who_leaves_or_is_removed_stops_counting_that_day(
    client: TestClient, admin: dict[str, str], clock: FakeClock, spy: Spy
) -> None:
    crew = group_of(client, admin, 7)
    leaving, removed, *_others = crew["members"]
    clock.advance(days=5)  # Saturday 28 November: they count 25 and 26 November
    for member in (leaving, removed):
        for offset in range(1, 6):  # 24 to 28 November
            check_in_on(client, member, WEEK + timedelta(days=offset), level="heavy")
    response = client.delete(
        f"/v1/groups/{crew['group']['id']}/membership", headers=leaving["headers"]
    )
    assert response.status_code == 204
    response = client.delete(
        f"/v1/groups/{crew['group']['id']}/members/{removed['membership']['membership_id']}",
        headers=crew["facilitator"]["headers"],
    )
    assert response.status_code == 204
    # Having left, one of them rewrites a counted day as a good one: the group never had that.
    check_in_on(client, leaving, WEEK + timedelta(days=3))
    clock.advance(days=4)
    read(client, crew)
    # Both lapsed every day; only 25 and 26 November count, as written before they went.
    states, rate = spy.sums()["states"], spy.sums()["rate"]
    assert states == [0, 0, 2]
    assert rate == [1000 + 500]  # two of two counted days; one of two (the 26th was rewritten)


def test_reading_again_never_draws_new_noise(
    client: TestClient, admin: dict[str, str], app: FastAPI, clock: FakeClock
) -> None:
    crew = group_of(client, admin, 6)
    clock.advance(days=9)
    a_week_of(client, crew["members"], mood=3, needs=["food"])
    group_id = crew["group"]["id"]
    url, headers = f"/v1/groups/{group_id}/aggregate", crew["facilitator"]["headers"]
    first = client.get(url, params={"days": 30}, headers=headers)
    assert first.status_code == 200
    stored = releases(app)
    assert stored == 1  # the group's one closed week; the weeks before it held nobody
    # A live check-in, another read the same day, any as_of inside the same week: the same bytes.
    check_in_on(client, crew["members"][0], date(2026, 12, 1), level="heavy", mood=1)
    again = client.get(url, params={"days": 30}, headers=headers)
    assert again.content == first.content
    for as_of in ("2026-11-29", "2026-12-01", "2026-12-02", "2027-06-01", "9999-12-31"):
        later = client.get(url, params={"days": 30, "as_of": as_of}, headers=headers)
        assert later.content == first.content, as_of
    # An older as_of reads older weeks (releasing them once), never the newer ones anew.
    older = client.get(url, params={"days": 7, "as_of": "2026-11-28"}, headers=headers)
    assert older.json()["as_of"] == "2026-11-22"
    # Long before the group began: its first, empty week (nothing released, nothing stored).
    for ancient in ("0001-01-01", "1999-12-31"):
        early = client.get(url, params={"days": 90, "as_of": ancient}, headers=headers)
        assert early.status_code == 200, ancient
        assert early.json()["released"] is False
    assert releases(app) == stored
    # The live check-in shows only once its week has closed, in that week's new release.
    clock.advance(days=7)
    assert read(client, crew)["as_of"] == "2026-12-06"
    assert releases(app) == stored + 1


def test_needs_everyone_has_are_shown_and_needs_nobody_has_are_not(
    client: TestClient, admin: dict[str, str], app: FastAPI, clock: FakeClock, spy: Spy
) -> None:
    # At ε = 5 a count of 12 stands above the noise of one week (at ε = 1 it needs about 60
    # members, or more weeks: docs/facilitators.md).
    app.state.runtime.settings.aggregate_epsilon = 5.0
    crew = group_of(client, admin, 12)
    clock.advance(days=9)
    a_week_of(client, crew["members"][:11], needs=["housing", "financial"])
    a_week_of(client, crew["members"][11:], needs=["housing", "financial", "legal"])
    result = read(client, crew)
    assert result["epsilon"] == 5.0
    needs = result["top_needs"]
    # "Too nearly all" hides nothing any more; one member's need (legal) stays under the line.
    assert [need["category"] for need in needs] == ["financial", "housing"]
    assert all(need["count"]["value"] == 12 for need in needs)
    # The range says how far noise could have moved the count; no count exceeds the members.
    assert all(need["count"]["low"] < 12 == need["count"]["high"] for need in needs)


def test_canaries_never_appear_and_facilitators_do_not_count(
    client: TestClient, admin: dict[str, str], clock: FakeClock, spy: Spy
) -> None:
    crew = group_of(client, admin, 6)
    clock.advance(days=9)
    canaries = []
    for number, member in enumerate(crew["members"]):
        note, trigger = f"canary-note-{uuid.uuid4().hex}", f"canary-trig-{number}"
        canaries += [
            note,
            trigger,
            member["account"]["handle"],
            member["account"]["id"],
            member["membership"]["membership_id"],
        ]
        check_in_on(client, member, WEEK + timedelta(days=2), note=note, triggers=[trigger])
    facilitator = crew["facilitator"]
    check_in_on(client, facilitator, WEEK + timedelta(days=2), level="heavy", mood=1)
    canaries += [facilitator["account"]["handle"], facilitator["account"]["id"]]
    for days in (7, 30, 90):
        response = client.get(
            f"/v1/groups/{crew['group']['id']}/aggregate",
            params={"days": days},
            headers=facilitator["headers"],
        )
        for canary in canaries:
            assert canary not in response.text
        assert response.json()["member_count"] == 6
    assert spy.sums()["states"] == [6, 0, 0]  # the facilitator's lapse is not in it


def test_windows_are_whole_weeks(
    client: TestClient, admin: dict[str, str], clock: FakeClock
) -> None:
    crew = group_of(client, admin, 6)
    clock.advance(days=9)
    for days, weeks in ((7, 1), (30, 4), (90, 13)):
        result = read(client, crew, days=days)
        starts = [date.fromisoformat(week["week_start"]) for week in result["weekly"]]
        assert len(starts) == result["weeks"] == weeks
        assert all(start.weekday() == 0 for start in starts)
        assert starts[-1] == WEEK
        assert result["since"] == starts[0].isoformat()
        # Weeks before the group began hold nobody.
        assert [week["member_count"] for week in result["weekly"]] == [0] * (weeks - 1) + [6]


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"days": 14}, "days"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"as_of": "2026-W48-1"}, "as_of"),
        ({"as_of": "yesterday"}, "as_of"),
    ],
)
def test_bad_questions_get_a_clear_422(
    client: TestClient, admin: dict[str, str], params: dict[str, Any], where: str
) -> None:
    crew = group_of(client, admin, 1)
    response = client.get(
        f"/v1/groups/{crew['group']['id']}/aggregate",
        params=params,
        headers=crew["facilitator"]["headers"],
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert where in response.text


def test_only_check_ins_written_while_in_the_group_are_shared() -> None:
    joined = datetime(2026, 11, 23, 12, tzinfo=UTC)
    left = joined + timedelta(days=5)
    span = MembershipSpan(
        group_id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        counts_from=date(2026, 11, 25),
        counts_until=date(2026, 11, 26),
        joined_at=joined,
        left_at=left,
    )
    record = CountedDay(date(2026, 11, 25), is_lapse=False)
    inside = joined + timedelta(days=2)
    assert Written(record, inside, inside).shared_in(span)
    assert not Written(record, joined - timedelta(minutes=1), inside).shared_in(span)
    assert not Written(record, inside, left + timedelta(minutes=1)).shared_in(span)
    late_day = CountedDay(date(2026, 11, 27), is_lapse=False)
    assert not Written(late_day, inside, inside).shared_in(span)
