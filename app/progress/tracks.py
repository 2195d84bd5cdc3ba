"""What a member keeps track of. Removing a track hides it from new check-ins and from progress
figures per track; the past check-ins that mention it are never rewritten (docs/progress.md)."""

import uuid
from datetime import datetime

from sqlmodel import Session, col, delete, select

from app.core.errors import validation_problem
from app.core.runtime import Runtime
from app.models import Track
from app.progress.schemas import TrackIn, TrackOut

DEFAULT_TRACKS = (TrackOut(slug="recovery", label="Recovery"),)


def active_tracks(session: Session, account_id: uuid.UUID) -> list[TrackOut]:
    # Columns, not Track objects: this runs on every check-in and progress read.
    rows = session.exec(
        select(Track.slug, Track.label, Track.removed_at)
        .where(Track.account_id == account_id)
        .order_by(col(Track.position))
    ).all()
    if not rows:
        return list(DEFAULT_TRACKS)
    return [
        TrackOut(slug=slug, label=label) for slug, label, removed_at in rows if removed_at is None
    ]


def replace_tracks(
    session: Session, account_id: uuid.UUID, wanted: list[TrackIn], now: datetime
) -> list[TrackOut]:
    slugs = [track.slug for track in wanted]
    if len(set(slugs)) != len(slugs):
        raise validation_problem(["body"], "Each track slug may appear only once.")
    existing = {
        row.slug: row
        for row in session.exec(select(Track).where(Track.account_id == account_id)).all()
    }
    for position, track in enumerate(wanted):
        row = existing.get(track.slug) or Track(account_id=account_id, slug=track.slug, label="")
        row.label, row.position, row.removed_at = track.label, position, None
        session.add(row)
    for slug, row in existing.items():
        if slug not in slugs and row.removed_at is None:
            row.removed_at = now
            session.add(row)
    session.commit()
    return active_tracks(session, account_id)


def export_tracks(
    _runtime: Runtime, session: Session, account_id: uuid.UUID
) -> list[dict[str, object]]:
    rows = session.exec(
        select(Track).where(Track.account_id == account_id).order_by(col(Track.position))
    ).all()
    return [{"slug": r.slug, "label": r.label, "removed_at": r.removed_at} for r in rows]


def delete_tracks(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(Track).where(col(Track.account_id) == account_id))
