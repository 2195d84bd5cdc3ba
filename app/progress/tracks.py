"""What a member keeps track of. Removing a track hides it from new check-ins and from progress
figures per track; the past check-ins that mention it are never rewritten (docs/progress.md).

A track's slug stays readable (check-ins name it, aggregates never read it); its label is the
member's own words and is sealed with their data key.
"""

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, col, delete, select

from app.accounts.keys import (
    MemberCipher,
    cipher_for_writing,
    ensure_cipher,
    open_cipher,
    open_sealed,
)
from app.core.db import Database, new_session
from app.core.errors import validation_problem
from app.core.runtime import Runtime
from app.models import Track
from app.progress.schemas import TrackIn, TrackKind, TrackOut

DEFAULT_TRACKS = (TrackOut(slug="recovery", label="Recovery", kind="other"),)

# Words in a slug that say what a track is about, when the member does not say. Migration 0016
# keeps its own copy, so that it always migrates as it did when it was written.
KIND_WORDS: tuple[tuple[TrackKind, tuple[str, ...]], ...] = (
    ("the-life", ("life", "trade", "traffick", "sex-work", "the-game", "exploit")),
    ("alcohol", ("alcohol", "drink", "booze")),
    ("gambling", ("gambl", "betting", "casino")),
    (
        "substances",
        (
            "substance",
            "drug",
            "heroin",
            "opioid",
            "opiate",
            "fentanyl",
            "meth",
            "cocaine",
            "crack",
            "pill",
            "cannabis",
            "weed",
            "using",
        ),
    ),
)


def kind_for(slug: str) -> TrackKind:
    """A track's kind read from its slug: `the-life`, `drinking` and `heroin` say it; `recovery`
    does not (`other`)."""
    for kind, words in KIND_WORDS:
        if any(word in slug for word in words):
            return kind
    return "other"


def active_kinds(session: Session, account_id: uuid.UUID) -> dict[str, TrackKind]:
    """The slugs a check-in may name, and their kinds (no label read: this runs on every
    check-in)."""
    rows = session.exec(
        select(Track.slug, Track.kind, Track.removed_at).where(Track.account_id == account_id)
    ).all()
    if not rows:
        return {track.slug: track.kind for track in DEFAULT_TRACKS}
    return {slug: kind for slug, kind, removed_at in rows if removed_at is None}  # type: ignore[misc]


def _label(row: Track, cipher: MemberCipher | None) -> str:
    sealed = open_sealed(cipher, "track", row.slug, "label", row.label_sealed)
    return str(sealed) if sealed is not None else row.label


def active_tracks(runtime: Runtime, session: Session, account_id: uuid.UUID) -> list[TrackOut]:
    rows = session.exec(
        select(Track).where(Track.account_id == account_id).order_by(col(Track.position))
    ).all()
    if not rows:
        return list(DEFAULT_TRACKS)
    active = [row for row in rows if row.removed_at is None]
    cipher = open_cipher(runtime, session, account_id) if active else None
    return [TrackOut(slug=row.slug, label=_label(row, cipher), kind=row.kind) for row in active]


def replace_tracks(
    runtime: Runtime, session: Session, account_id: uuid.UUID, wanted: list[TrackIn]
) -> list[TrackOut]:
    slugs = [track.slug for track in wanted]
    if len(set(slugs)) != len(slugs):
        raise validation_problem(["body"], "Each track slug may appear only once.")
    now = runtime.clock()
    cipher = ensure_cipher(runtime, session, account_id)
    existing = {
        row.slug: row
        for row in session.exec(select(Track).where(Track.account_id == account_id)).all()
    }
    result = []
    for position, track in enumerate(wanted):
        row = existing.get(track.slug)
        if row is None:
            row = Track(account_id=account_id, slug=track.slug, kind=kind_for(track.slug))
        # A kind left out keeps the one the track has: an older client does not undo it.
        row.kind = track.kind or row.kind
        row.label, row.position, row.removed_at = "", position, None
        row.label_sealed = cipher.seal_json("track", track.slug, "label", track.label)
        session.add(row)
        result.append(TrackOut(slug=track.slug, label=track.label, kind=row.kind))
    for slug, row in existing.items():
        if slug not in slugs and row.removed_at is None:
            row.removed_at = now
            session.add(row)
    session.commit()
    return result


def seal_plain_labels(database: Database, master_key: Callable[[], bytes], now: datetime) -> int:
    """Labels written before they were sealed, sealed now (run by `waymark migrate`; the master
    key is asked for only when there is one to seal)."""
    with new_session(database.writer) as session:
        rows = session.exec(select(Track).where(col(Track.label) != "")).all()
        key = master_key() if rows else b""
        for row in rows:
            cipher = cipher_for_writing(key, session, row.account_id, now)
            row.label_sealed = cipher.seal_json("track", row.slug, "label", row.label)
            row.label = ""
            session.add(row)
        session.commit()
    return len(rows)


def export_tracks(
    runtime: Runtime, session: Session, account_id: uuid.UUID
) -> list[dict[str, object]]:
    rows = session.exec(
        select(Track).where(Track.account_id == account_id).order_by(col(Track.position))
    ).all()
    cipher = open_cipher(runtime, session, account_id) if rows else None
    return [
        {
            "slug": row.slug,
            "label": _label(row, cipher),
            "kind": row.kind,
            "removed_at": row.removed_at,
        }
        for row in rows
    ]


def delete_tracks(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(Track).where(col(Track.account_id) == account_id))
