"""A group's progress as a whole, built so that no one in it can be singled out (contract §7).

Inputs are each member's progress summary (kept up to date on every check-in write) and, from the
database, per-member counts and sums of the window's check-ins (by calendar week for `weekly`) and
the needs reported in it. Notes and triggers are never read. Then small cells are suppressed:

- a count c of members is null when 0 < c < k, or when member_count - c < k (its complement would
  be small);
- if one of on_track / lapsed / away is suppressed, the smallest other one is too, so that it
  cannot be recovered by subtraction;
- a mean, a median or a rate computed from fewer than k members is null;
- `top_needs` leaves out every need whose count would be suppressed.

Every null figure is named in `suppressed`. The facilitators are not members here.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Any, TypeVar

from sqlalchemy import Text, cast, func, literal, literal_column
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app.core.runtime import Runtime
from app.groups.schemas import AggregateOut, NeedCount, WeekFigures
from app.models import Checkin, Membership, ProgressSummary
from app.progress.engine import State, state_at, week_start

WINDOWS = (7, 30, 90)
TOP_NEEDS = 5
STATES = (State.ON_TRACK, State.LAPSED, State.AWAY)
Cell = TypeVar("Cell")

# Weeks are numbered from a Monday, so a week number names one calendar week (Monday to Sunday).
EPOCH_MONDAY = date(2000, 1, 3)
WEEK_OF_DAY = {
    "sqlite": "CAST((julianday(checkin.day) - julianday('2000-01-03')) / 7 AS INTEGER)",
    "postgresql": "((checkin.day - DATE '2000-01-03') / 7)",
}


@dataclass(frozen=True)
class Reported:
    """One member's values of one measure (mood or craving): their sum, and how many there were."""

    total: int
    count: int


@dataclass(frozen=True)
class Tally:
    """One member's check-ins over a stretch of days, counted and summed by the database."""

    account_id: uuid.UUID
    checkins: int
    mood: Reported
    craving: Reported


@dataclass(frozen=True)
class Standing:
    """Where the members stand on a day, from their progress summaries."""

    member_count: int
    states: dict[State, int]  # members in each state (those with no check-in yet in none)
    returns: int  # returns that began in the window
    returners: int  # members who made one of them
    days_on_track: list[int]  # each member's cumulative days on track


def small(count: int, member_count: int, k: int) -> bool:
    """Whether a count of members must be suppressed."""
    return 0 < count < k or member_count - count < k


def suppress_states(
    counts: Mapping[Cell, int], member_count: int, k: int
) -> dict[Cell, int | None]:
    """The state counts with small cells null; one suppressed cell never stands alone."""
    shown: dict[Cell, int | None] = {
        name: None if small(count, member_count, k) else count for name, count in counts.items()
    }
    hidden = [name for name in counts if shown[name] is None]
    if len(hidden) == 1:
        others = sorted((count, name) for name, count in counts.items() if name not in hidden)
        shown[others[0][1]] = None
    return shown


def _mean(reports: Iterable[Reported], k: int) -> float | None:
    """Mean of the values reported, or None when fewer than k members reported any."""
    reporting = [report for report in reports if report.count]
    if len(reporting) < k:
        return None
    total = sum(report.total for report in reporting)
    return round(total / sum(report.count for report in reporting), 1)


def _members(group_id: uuid.UUID) -> Any:
    return select(Membership.account_id).where(
        Membership.group_id == group_id, Membership.kind == "member"
    )


def _tallies(
    session: Session, group_id: uuid.UUID, since: date, until: date, weekly: bool
) -> list[tuple[int, Tally]]:
    """(week number, or 0, and a tally) per member, or per member and calendar week."""
    checkin = Checkin.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    week = literal_column(WEEK_OF_DAY[dialect]) if weekly else literal(0)
    statement = (
        core_select(
            week,
            checkin.c.account_id,
            func.count(),
            func.coalesce(func.sum(checkin.c.mood), 0),
            func.count(checkin.c.mood),
            func.coalesce(func.sum(checkin.c.craving), 0),
            func.count(checkin.c.craving),
        )
        .where(checkin.c.account_id.in_(_members(group_id)), checkin.c.day.between(since, until))
        .group_by(week, checkin.c.account_id)
    )
    tallies = []
    for row in session.execute(statement).all():
        week_number, account_id, checkins, mood_total, moods, craving_total, cravings = row
        tally = Tally(
            account_id,
            int(checkins),
            Reported(int(mood_total), int(moods)),
            Reported(int(craving_total), int(cravings)),
        )
        tallies.append((int(week_number), tally))
    return tallies


def _week(start: date, tallies: Sequence[Tally], member_count: int, k: int) -> WeekFigures:
    active = len(tallies)
    return WeekFigures(
        week_start=start,
        active_members=None if small(active, member_count, k) else active,
        checkin_days=sum(tally.checkins for tally in tallies) if active >= k else None,
        mean_mood=_mean((tally.mood for tally in tallies), k),
        mean_craving=_mean((tally.craving for tally in tallies), k),
    )


def _top_needs(
    session: Session, group_id: uuid.UUID, since: date, until: date, member_count: int, k: int
) -> list[NeedCount]:
    checkin = Checkin.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        core_select(checkin.c.account_id, checkin.c.needs).where(
            checkin.c.account_id.in_(_members(group_id)),
            checkin.c.day.between(since, until),
            cast(checkin.c.needs, Text) != "[]",
        )
    ).all()
    who: dict[str, set[uuid.UUID]] = defaultdict(set)
    for account_id, needs in rows:
        for need in needs or []:
            who[need].add(account_id)
    counts = sorted((-len(accounts), need) for need, accounts in who.items())
    return [
        NeedCount(category=need, count=-negative)
        for negative, need in counts
        if not small(-negative, member_count, k)
    ][:TOP_NEEDS]


def _standing(
    session: Session, group_id: uuid.UUID, start: date, as_of: date, absence_days: int
) -> Standing:
    members = session.exec(_members(group_id)).all()
    summaries = session.exec(
        select(ProgressSummary).where(col(ProgressSummary.account_id).in_(_members(group_id)))
    ).all()
    states = dict.fromkeys(STATES, 0)
    returns = returners = 0
    days_on_track = []
    first, last = start.isoformat(), as_of.isoformat()
    for summary in summaries:
        if summary.last_checkin is None:
            continue  # no check-in yet: in no state
        states[state_at(summary.last_checkin, summary.last_is_lapse, as_of, absence_days)] += 1
        days_on_track.append(summary.days_on_track_total)
        recent = [day for day in summary.return_days if first <= day <= last]
        returns += len(recent)
        returners += bool(recent)
    return Standing(len(members), states, returns, returners, days_on_track)


def aggregate(
    runtime: Runtime, session: Session, group_id: uuid.UUID, days: int, as_of: date
) -> AggregateOut:
    k = runtime.settings.effective_k
    start = as_of - timedelta(days=days - 1)
    standing = _standing(session, group_id, start, as_of, runtime.settings.absence_days)
    member_count = standing.member_count
    states = suppress_states(standing.states, member_count, k)
    window = [tally for _, tally in _tallies(session, group_id, start, as_of, weekly=False)]
    active = len(window)
    checkins = sum(tally.checkins for tally in window)

    weeks_from = week_start(start)
    by_week: dict[date, list[Tally]] = defaultdict(list)
    for number, tally in _tallies(session, group_id, weeks_from, as_of, weekly=True):
        by_week[EPOCH_MONDAY + timedelta(days=7 * number)].append(tally)
    weekly = []
    week = weeks_from
    while week <= as_of:
        weekly.append(_week(week, by_week.get(week, []), member_count, k))
        week += timedelta(days=7)

    figures = AggregateOut(
        group_id=group_id,
        days=days,
        as_of=as_of,
        member_count=member_count,
        k=k,
        active_members=None if small(active, member_count, k) else active,
        checkin_rate=round(checkins / (member_count * days), 3) if active >= k else None,
        members_on_track=states[State.ON_TRACK],
        members_lapsed=states[State.LAPSED],
        members_away=states[State.AWAY],
        returns_in_window=(
            None if small(standing.returners, member_count, k) else standing.returns
        ),
        median_days_on_track=(
            float(median(standing.days_on_track)) if len(standing.days_on_track) >= k else None
        ),
        mean_mood=_mean((tally.mood for tally in window), k),
        mean_craving=_mean((tally.craving for tally in window), k),
        top_needs=_top_needs(session, group_id, start, as_of, member_count, k),
        weekly=weekly,
        suppressed=[],
    )
    figures.suppressed = suppressed(figures)
    return figures


def suppressed(figures: AggregateOut) -> list[str]:
    """The name of every figure left null, the weekly ones as `weekly.<week_start>.<name>`."""
    names = [name for name, value in figures if value is None]
    for week in figures.weekly:
        names += [
            f"weekly.{week.week_start.isoformat()}.{name}" for name, value in week if value is None
        ]
    return names
