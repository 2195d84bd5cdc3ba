"""A member's tracks, and GET /v1/progress and /v1/progress/weekly (API contract §3, §4)."""

from typing import Annotated

from fastapi import APIRouter, Body, Query

from app.accounts.deps import CurrentCaller
from app.core.db import SessionDep
from app.core.openapi import problem_responses
from app.core.runtime import RuntimeDep
from app.core.schemas import DATE_SCHEMA
from app.progress import service, tracks
from app.progress.schemas import ProgressOut, TrackOut, TracksIn, WeekOut

router = APIRouter(prefix="/v1/progress", tags=["progress"])
# Tracks are what check-ins report lapses on; the routes keep the check-ins tag.
tracks_router = APIRouter(prefix="/v1/me/tracks", tags=["check-ins"])

AsOf = Annotated[
    str | None,
    Query(
        max_length=10,
        description="A past day (YYYY-MM-DD) to see the journey as it stood then; default today.",
        examples=["2026-11-01"],
        json_schema_extra=DATE_SCHEMA,
    ),
]


@router.get("", response_model=ProgressOut, responses=problem_responses(401, 422))
def get_progress(caller: CurrentCaller, runtime: RuntimeDep, as_of: AsOf = None) -> ProgressOut:
    """The member's journey: returns count, days on track are never lost, milestones stay."""
    return service.progress(runtime, caller, as_of)


@router.get("/weekly", response_model=list[WeekOut], responses=problem_responses(401, 422))
def get_weekly(
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
    weeks: Annotated[int, Query(ge=1, le=104, description="Calendar weeks, oldest first")] = 12,
    as_of: AsOf = None,
) -> list[WeekOut]:
    return service.weekly(runtime, session, caller, weeks, as_of)


@tracks_router.get("", response_model=list[TrackOut], responses=problem_responses(401))
def get_tracks(caller: CurrentCaller, runtime: RuntimeDep, session: SessionDep) -> list[TrackOut]:
    """What I keep track of; a new member has one track, `recovery`."""
    return tracks.active_tracks(runtime, session, caller.account.id)


@tracks_router.put("", response_model=list[TrackOut], responses=problem_responses(401, 422))
def put_tracks(
    body: Annotated[
        TracksIn,
        Body(
            openapi_examples={
                "two tracks": {
                    "value": [
                        {"slug": "substances", "label": "Substances"},
                        {"slug": "the-life", "label": "Staying out of the life"},
                    ]
                }
            }
        ),
    ],
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
) -> list[TrackOut]:
    """Replace my tracks (1 to 5). A removed track's past check-ins are kept as they are."""
    return tracks.replace_tracks(runtime, session, caller.account.id, body)
