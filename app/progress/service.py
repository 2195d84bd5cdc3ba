"""Loads a member's check-in days and hands them to the pure engine."""

from datetime import date

from sqlmodel import Session

from app.accounts.deps import Caller
from app.checkins.service import member_today, parse_day
from app.checkins.tracks import active_tracks
from app.core.errors import validation_problem
from app.core.runtime import Runtime
from app.progress import engine
from app.progress.schemas import ProgressOut, WeekOut
from app.progress.summary import load_days


def resolve_as_of(runtime: Runtime, caller: Caller, as_of: str | None) -> date:
    today = member_today(caller.account, runtime.clock())
    if as_of is None:
        return today
    day = parse_day(as_of, ["query", "as_of"])
    if day > today:
        raise validation_problem(["query", "as_of"], "`as_of` may not be after your today.")
    return day


def progress(runtime: Runtime, session: Session, caller: Caller, as_of: str | None) -> ProgressOut:
    day = resolve_as_of(runtime, caller, as_of)
    tracks = [(track.slug, track.label) for track in active_tracks(session, caller.account.id)]
    journey = engine.journey(
        load_days(session, caller.account.id, day),
        tracks,
        day,
        runtime.settings.absence_days,
    )
    return ProgressOut.model_validate(journey, from_attributes=True)


def weekly(
    runtime: Runtime, session: Session, caller: Caller, weeks: int, as_of: str | None
) -> list[WeekOut]:
    day = resolve_as_of(runtime, caller, as_of)
    days = load_days(session, caller.account.id, day)
    return [
        WeekOut.model_validate(week, from_attributes=True)
        for week in engine.weekly(days, day, weeks)
    ]
