"""A group's figures, released once per closed week with differential privacy.

What they mean, and what ε is, for facilitators: docs/facilitators.md.

A week (Monday to Sunday, in members' own dates) closes for everyone by the Tuesday after it, UTC.
The first read that needs a closed week computes it from the check-ins members made on days they
counted for the group (app/groups/release.py), adds OpenDP noise and stores it. Every later read,
with any `as_of`, is served from what was stored: no new noise, no more privacy spent, and a live
check-in changes nothing until its week closes.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select as core_select
from sqlmodel import Session, col, or_, select

from app.core.db import insert_if_absent, new_session
from app.core.runtime import Runtime
from app.groups.privacy import Noise, opendp_noise
from app.groups.release import (
    CountedDay,
    contribution,
    release_week,
    week_starts,
    window_figures,
)
from app.groups.schemas import AggregateOut
from app.models import AggregateRelease, Checkin, MembershipSpan, PeerGroup
from app.progress.engine import LAPSE_LEVELS
from app.resources.categories import categories

# The window asked for, in days, and the whole weeks it is read from.
WINDOW_WEEKS = {7: 1, 30: 4, 90: 13}
WINDOWS = tuple(WINDOW_WEEKS)
# A week is closed in every time zone once UTC has reached its Tuesday.
CLOSED_AFTER_DAYS = 2
EMPTY_WEEK: dict[str, Any] = {"member_count": 0, "released": False}


def last_closed_week(today: date, as_of: date | None = None) -> date:
    """The Monday of the latest week that has closed everywhere, on or before `as_of`."""
    end = today - timedelta(days=CLOSED_AFTER_DAYS)
    if as_of is not None and as_of < end:
        end = as_of
    sunday = end - timedelta(days=(end.weekday() + 1) % 7)
    return sunday - timedelta(days=6)


def _spans(session: Session, group_id: uuid.UUID, first: date, last: date) -> list[MembershipSpan]:
    return list(
        session.exec(
            select(MembershipSpan).where(
                MembershipSpan.group_id == group_id,
                col(MembershipSpan.counts_from) <= last,
                or_(
                    col(MembershipSpan.counts_until).is_(None),
                    col(MembershipSpan.counts_until) >= first,
                ),
            )
        ).all()
    )


@dataclass(frozen=True)
class Written:
    """A check-in reduced to what figures use, and when it was first and last written."""

    record: CountedDay
    created_at: datetime
    updated_at: datetime

    def shared_in(self, span: MembershipSpan) -> bool:
        """Whether the group had it: a day the member counted, written while they were in it."""
        until = span.counts_until or date.max
        return (
            span.counts_from <= self.record.day <= until
            and self.created_at >= span.joined_at
            and (span.left_at is None or self.updated_at <= span.left_at)
        )


def _check_ins(
    session: Session, accounts: Sequence[uuid.UUID], first: date, last: date
) -> dict[uuid.UUID, dict[date, list[Written]]]:
    """Each account's check-ins between two days by the Monday of their week (never notes,
    triggers or tracks' names)."""
    found: dict[uuid.UUID, dict[date, list[Written]]] = defaultdict(lambda: defaultdict(list))
    if not accounts:
        return found
    checkin = Checkin.__table__  # type: ignore[attr-defined]
    rows = session.execute(
        core_select(
            checkin.c.account_id,
            checkin.c.day,
            checkin.c.lapses,
            checkin.c.mood,
            checkin.c.craving,
            checkin.c.needs,
            checkin.c.created_at,
            checkin.c.updated_at,
        ).where(checkin.c.account_id.in_(accounts), checkin.c.day.between(first, last))
    ).all()
    for account_id, day, lapses, mood, craving, needs, created_at, updated_at in rows:
        lapse = any(level in LAPSE_LEVELS for level in (lapses or {}).values())
        record = CountedDay(day, lapse, mood, craving, tuple(needs or ()))
        monday = day - timedelta(days=day.weekday())
        found[account_id][monday].append(Written(record, created_at, updated_at))
    return found


def compute_weeks(
    runtime: Runtime,
    session: Session,
    group_id: uuid.UUID,
    starts: Sequence[date],
    noise: Noise | None = None,
) -> dict[date, dict[str, Any]]:
    """Fresh releases of the given weeks: each draws new noise and spends ε. Only for weeks
    nobody has released yet."""
    noise = noise or opendp_noise
    first, last = min(starts), max(starts) + timedelta(days=6)
    spans_of: dict[uuid.UUID, list[MembershipSpan]] = defaultdict(list)
    for span in _spans(session, group_id, first, last):
        spans_of[span.account_id].append(span)
    written = _check_ins(session, sorted(spans_of), first, last)
    known = [term.code for term in categories(session) if term.code]
    known_needs = frozenset(known)
    epsilon, k = runtime.settings.aggregate_epsilon, runtime.settings.effective_k
    releases = {}
    for start in starts:
        week = [start + timedelta(days=offset) for offset in range(7)]
        parts = []
        for account, spans in spans_of.items():
            counted = {
                day
                for day in week
                for span in spans
                if span.counts_from <= day <= (span.counts_until or date.max)
            }
            if not counted:
                continue
            shared = [
                item.record
                for item in written[account].get(start, ())
                if item.record.day in counted and any(item.shared_in(span) for span in spans)
            ]
            parts.append(contribution(shared, len(counted), known_needs))
        releases[start] = release_week(parts, known, epsilon, k, noise)
    return releases


def _stored(
    session: Session, group_id: uuid.UUID, starts: Sequence[date]
) -> dict[date, AggregateRelease]:
    rows = session.exec(
        select(AggregateRelease).where(
            AggregateRelease.group_id == group_id, col(AggregateRelease.week_start).in_(starts)
        )
    ).all()
    return {row.week_start: row for row in rows}


def released_weeks(
    runtime: Runtime, session: Session, group: PeerGroup, starts: Sequence[date]
) -> tuple[dict[date, dict[str, Any]], datetime | None]:
    """The stored release of each week, releasing those not stored yet (weeks before the group
    existed have nobody in them and are not stored), and when the newest was released."""
    existed_from = group.created_at.date() - timedelta(days=6)  # weeks ending on or after it
    wanted = [start for start in starts if start >= existed_from]
    stored = _stored(session, group.id, wanted)
    missing = [start for start in wanted if start not in stored]
    if missing:
        with new_session(runtime.database.writer) as writer:
            now = runtime.clock()
            for start, figures in compute_weeks(runtime, writer, group.id, missing).items():
                # Another request may have released the week a moment ago: its noise stands.
                insert_if_absent(
                    writer,
                    AggregateRelease,
                    {
                        "group_id": group.id,
                        "week_start": start,
                        "figures": figures,
                        "released_at": now,
                    },
                )
            writer.commit()
            stored = _stored(writer, group.id, wanted)
    weeks = {start: stored[start].figures if start in stored else EMPTY_WEEK for start in starts}
    moments = [row.released_at for row in stored.values()]
    return weeks, max(moments) if moments else None


def aggregate(
    runtime: Runtime, session: Session, group: PeerGroup, days: int, as_of: date | None
) -> AggregateOut:
    if as_of is not None:  # before the group began: its first, empty week (and no date arithmetic
        as_of = max(as_of, group.created_at.date())  # running below year 1)
    last = last_closed_week(runtime.clock().date(), as_of)
    starts = week_starts(last, WINDOW_WEEKS[days])
    weeks, released_at = released_weeks(runtime, session, group, starts)
    figures = window_figures([(start, weeks[start]) for start in starts])
    # The ε the releases were made with, even if the setting has changed since.
    epsilon = weeks[last].get("epsilon", runtime.settings.aggregate_epsilon)
    return AggregateOut(
        group_id=group.id,
        days=days,
        weeks=len(starts),
        since=starts[0],
        as_of=last + timedelta(days=6),
        released_at=released_at,
        k=runtime.settings.effective_k,
        epsilon=epsilon,
        **figures,
    )
