"""Loads a member's check-in days and hands them to the pure engine."""

import uuid
from collections.abc import Callable
from datetime import date, timedelta

from sqlmodel import Session

from app.accounts.deps import Caller
from app.core.dates import member_date, parse_day
from app.core.db import new_session, same_snapshot
from app.core.errors import validation_problem
from app.core.i18n import _
from app.core.runtime import Runtime
from app.models import Account
from app.progress import engine
from app.progress.schemas import ProgressOut, TrackKind, WeekOut
from app.progress.summary import load_days, stored_summary
from app.progress.tracks import active_tracks

EARLIEST_AS_OF = date(2000, 1, 1)


def resolve_as_of(runtime: Runtime, caller: Caller, as_of: str | None) -> date:
    today = member_date(caller.account, runtime.clock())
    if as_of is None:
        return today
    day = parse_day(as_of, ["query", "as_of"])
    if day > today:
        raise validation_problem(["query", "as_of"], "`as_of` may not be after your today.")
    if day < EARLIEST_AS_OF:
        # Nobody checked in before then, and windows reaching back from year 1 do not exist.
        raise validation_problem(
            ["query", "as_of"],
            _("`as_of` may not be before %(day)s.") % {"day": EARLIEST_AS_OF.isoformat()},
        )
    return day


def journey_of(
    session: Session,
    account_id: uuid.UUID,
    tracks: list[tuple[str, str]],
    day: date,
    absence_days: int,
) -> engine.Journey:
    """A member's journey as of `day`: from their summary and the last WINDOW_DAYS of check-ins
    when the summary covers `day`, else (a look back before the last check-in, or no summary yet)
    by folding their history up to `day`."""
    summary = stored_summary(session, account_id, absence_days)
    if summary is not None and (summary.last_checkin is None or summary.last_checkin <= day):
        since = day - timedelta(days=engine.WINDOW_DAYS - 1)
        recent = load_days(session, account_id, until=day, since=since)
        # A check-in committed between the two reads (outside one snapshot) is not in the summary.
        if all(summary.last_checkin and record.day <= summary.last_checkin for record in recent):
            return engine.journey_from(summary, recent, tracks, day, absence_days)
    return engine.journey(load_days(session, account_id, day), tracks, day, absence_days)


def journey_for(
    runtime: Runtime,
    account: Account,
    as_of: date,
    first: Callable[[Session], None] | None = None,
) -> ProgressOut:
    """A member's journey as of a day: what the member sees, and what a facilitator sees while the
    member shares it. Read in a short session of its own from one snapshot of the database, so
    the summary and the recent days always agree. `first` runs at the start of that snapshot and
    may refuse by raising: a facilitator's read checks there that the member still shares, so
    nothing written after they stopped can be in it."""
    with new_session(runtime.database.reader) as session:
        same_snapshot(session)
        if first is not None:
            first(session)
        tracks = active_tracks(runtime, session, account.id)
        journey = journey_of(
            session,
            account.id,
            [(track.slug, track.label) for track in tracks],
            as_of,
            runtime.settings.absence_days,
        )
    return progress_out(journey, {track.slug: track.kind for track in tracks})


def progress_out(journey: engine.Journey, kinds: dict[str, TrackKind]) -> ProgressOut:
    """The journey as the API sends it, each track with its kind."""
    by_track = [{**vars(track), "kind": kinds[track.slug]} for track in journey.tracks]
    return ProgressOut.model_validate({**vars(journey), "tracks": by_track}, from_attributes=True)


def progress(runtime: Runtime, caller: Caller, as_of: str | None) -> ProgressOut:
    return journey_for(runtime, caller.account, resolve_as_of(runtime, caller, as_of))


def weekly(
    runtime: Runtime, session: Session, caller: Caller, weeks: int, as_of: str | None
) -> list[WeekOut]:
    day = resolve_as_of(runtime, caller, as_of)
    since = engine.week_start(day) - timedelta(weeks=weeks - 1)
    days = load_days(session, caller.account.id, until=day, since=since)
    return [
        WeekOut.model_validate(week, from_attributes=True)
        for week in engine.weekly(days, day, weeks)
    ]
