"""Per-member progress summaries, rebuilt inside every check-in write's transaction.

Group aggregates read these instead of anyone's whole history (see app/groups/aggregate.py).
"""

import uuid
from datetime import date, datetime

from sqlmodel import Session, col, delete, select

from app.core.db import Database, new_session
from app.models import Checkin, ProgressSummary
from app.progress import engine


def load_days(session: Session, account_id: uuid.UUID, until: date = date.max) -> list[engine.Day]:
    # Only the columns progress needs: private fields stay sealed and unread.
    columns = Checkin.__table__.c  # type: ignore[attr-defined]
    rows = session.exec(
        select(columns.day, columns.lapses, columns.mood, columns.craving).where(
            columns.account_id == account_id, columns.day <= until
        )
    ).all()
    return [engine.Day(day, lapses, mood, craving) for day, lapses, mood, craving in rows]


def refresh_summary(
    session: Session, account_id: uuid.UUID, absence_days: int, now: datetime
) -> None:
    """Rebuild the member's summary from their check-ins (the caller commits)."""
    session.flush()
    figures = engine.summary_of(load_days(session, account_id), absence_days)
    row = session.get(ProgressSummary, account_id) or ProgressSummary(account_id=account_id)
    row.last_checkin = figures.last_checkin
    row.last_is_lapse = figures.last_is_lapse
    row.days_on_track_total = figures.days_on_track_total
    row.return_days = [day.isoformat() for day in figures.return_days]
    row.updated_at = now
    session.add(row)


def delete_summary(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(ProgressSummary).where(col(ProgressSummary.account_id) == account_id))


def backfill(database: Database, absence_days: int, now: datetime) -> int:
    """Summaries for members whose check-ins predate them (run by `waymark migrate`)."""
    with new_session(database.writer) as session:
        missing = session.exec(
            select(Checkin.account_id)
            .where(
                col(Checkin.account_id).not_in(select(ProgressSummary.account_id)),
            )
            .distinct()
        ).all()
        for account_id in missing:
            refresh_summary(session, account_id, absence_days, now)
        session.commit()
    return len(missing)
