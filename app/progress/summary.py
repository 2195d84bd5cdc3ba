"""Per-member progress summaries, kept up to date inside every check-in write's transaction.

A member's progress and a group's aggregate read a summary plus at most the last WINDOW_DAYS of
check-ins, so neither slows down as a history grows. A new latest day extends the summary by one
step; an earlier, replaced or deleted day folds the whole history again.
"""

import functools
import json
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, cast
from sqlmodel import Session, col, delete, select

from app.core.db import Database, new_session
from app.models import Checkin, ProgressSummary
from app.progress import engine

# Raise when the engine's rules change: summaries folded by older rules are then rebuilt.
# 2: an episode ends at its last lapse-free check-in before a lapse; each track's own journey.
FOLD_VERSION = 2


def load_days(
    session: Session, account_id: uuid.UUID, until: date = date.max, since: date = date.min
) -> list[engine.Day]:
    # Only the columns progress needs: private fields stay sealed and unread. The lapses come as
    # text and are decoded once per distinct value: most days read alike.
    columns = Checkin.__table__.c  # type: ignore[attr-defined]
    statement = select(
        columns.day, cast(columns.lapses, String), columns.mood, columns.craving
    ).where(columns.account_id == account_id, columns.day <= until)
    if since > date.min:
        statement = statement.where(columns.day >= since)
    rows = session.exec(statement).all()
    return [engine.Day(day, _lapses(text), mood, craving) for day, text, mood, craving in rows]


@functools.lru_cache(maxsize=1024)
def _lapses(text: str) -> dict[str, engine.Level]:
    """Shared between days: the engine never changes a day's lapses."""
    return json.loads(text)  # type: ignore[no-any-return]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _episode_row(episode: engine.Episode) -> list[Any]:
    return [
        episode.start.isoformat(),
        episode.end.isoformat(),
        episode.ended_by,
        episode.days_to_return,
        episode.returned_after,
        _iso(episode.lapse_day),
    ]


def _episode(row: list[Any]) -> engine.Episode:
    start, end, ended_by, days_to_return, returned_after, lapse_day = row
    return engine.Episode(
        date.fromisoformat(start),
        date.fromisoformat(end),
        ended_by,
        days_to_return,
        returned_after,
        _day(lapse_day),
    )


def _track_row(track: engine.Summary) -> dict[str, Any]:
    """A track's own journey; its day counts are in `track_totals` beside it."""
    return {
        "last_checkin": _iso(track.last_checkin),
        "last_is_lapse": track.last_is_lapse,
        "first_checkin": _iso(track.first_checkin),
        "checkin_days_total": track.checkin_days_total,
        "episodes": [_episode_row(episode) for episode in track.episodes],
    }


def _track(slug: str, row: dict[str, Any], totals: list[int]) -> engine.Summary:
    free, lapse, heavy = totals
    return engine.Summary(
        last_checkin=_day(row["last_checkin"]),
        last_is_lapse=row["last_is_lapse"],
        first_checkin=_day(row["first_checkin"]),
        checkin_days_total=row["checkin_days_total"],
        episodes=tuple(_episode(episode) for episode in row["episodes"]),
        track_totals={slug: (free, lapse, heavy)},
    )


def to_summary(row: ProgressSummary) -> engine.Summary:
    return engine.Summary(
        last_checkin=row.last_checkin,
        last_is_lapse=row.last_is_lapse,
        first_checkin=row.first_checkin,
        checkin_days_total=row.checkin_days_total,
        episodes=tuple(_episode(episode) for episode in row.episodes),
        track_totals={slug: (f, lapse, h) for slug, (f, lapse, h) in row.track_totals.items()},
        tracks={
            slug: _track(slug, track, row.track_totals[slug]) for slug, track in row.tracks.items()
        },
    )


def _store(row: ProgressSummary, figures: engine.Summary, absence_days: int, now: datetime) -> None:
    row.last_checkin = figures.last_checkin
    row.last_is_lapse = figures.last_is_lapse
    row.days_on_track_total = figures.days_on_track_total
    row.return_days = [day.isoformat() for day in figures.return_days]
    row.first_checkin = figures.first_checkin
    row.checkin_days_total = figures.checkin_days_total
    row.episodes = [_episode_row(episode) for episode in figures.episodes]
    row.track_totals = {slug: list(counts) for slug, counts in figures.track_totals.items()}
    row.tracks = {slug: _track_row(track) for slug, track in figures.tracks.items()}
    row.fold_version = FOLD_VERSION
    row.absence_days = absence_days
    row.updated_at = now


def is_current(row: ProgressSummary | None, absence_days: int) -> bool:
    """Folded by today's rules, so its figures can be trusted."""
    return row is not None and row.fold_version == FOLD_VERSION and row.absence_days == absence_days


def stored_summary(
    session: Session, account_id: uuid.UUID, absence_days: int
) -> engine.Summary | None:
    row = session.get(ProgressSummary, account_id)
    return to_summary(row) if row is not None and is_current(row, absence_days) else None


def refresh_summary(
    session: Session,
    account_id: uuid.UUID,
    absence_days: int,
    now: datetime,
    written: engine.Day | None = None,
) -> None:
    """Bring the member's summary up to date after `written` was stored (or after any other change
    to their check-ins when `written` is None). The caller commits."""
    session.flush()
    # Locked, so that two writes for the same member (two days, two devices) queue here instead
    # of both extending the same old summary on PostgreSQL. SQLite writers already queue.
    row = session.get(ProgressSummary, account_id, with_for_update=True, populate_existing=True)
    if (
        written is not None
        and row is not None
        and is_current(row, absence_days)
        and (row.last_checkin is None or written.day > row.last_checkin)
    ):
        figures = engine.extend(to_summary(row), written, absence_days)
    else:
        figures = engine.summary_of(load_days(session, account_id), absence_days)
    row = row or ProgressSummary(account_id=account_id)
    _store(row, figures, absence_days, now)
    session.add(row)


def delete_summary(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(ProgressSummary).where(col(ProgressSummary.account_id) == account_id))


def backfill(database: Database, absence_days: int, now: datetime) -> int:
    """Summaries for members whose check-ins predate them or were folded by other rules
    (run by `waymark migrate`)."""
    with new_session(database.writer) as session:
        current = select(ProgressSummary.account_id).where(
            ProgressSummary.fold_version == FOLD_VERSION,
            ProgressSummary.absence_days == absence_days,
        )
        stale = session.exec(
            select(Checkin.account_id).where(col(Checkin.account_id).not_in(current)).distinct()
        ).all()
        for account_id in stale:
            refresh_summary(session, account_id, absence_days, now)
        session.commit()
    return len(stale)
