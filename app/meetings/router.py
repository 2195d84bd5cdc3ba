"""A group's weekly meetings, and the public ones as a Meeting Guide feed (API contract §8)."""

import uuid

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from app.core.caching import public_json
from app.core.db import SessionDep
from app.core.runtime import RuntimeDep
from app.groups.access import FACILITATOR, IN_GROUP, Facilitating, InGroup
from app.idempotency.service import IdempotencyDep
from app.meetings import service as meetings
from app.meetings.schemas import MeetingIn, MeetingOut, MeetingPatch

router = APIRouter(prefix="/v1/groups", tags=["groups"])
feed_router = APIRouter(tags=["meetings"])


@router.post(
    "/{group_id:uuid}/meetings",
    status_code=201,
    response_model=MeetingOut,
    responses=FACILITATOR,
    summary="Add a weekly meeting (facilitators)",
)
def add_meeting(
    body: MeetingIn,
    access: Facilitating,
    runtime: RuntimeDep,
    session: SessionDep,
    once: IdempotencyDep,
) -> JSONResponse:
    return once.create(
        lambda: meetings.create(runtime, session, access, body),
        lambda meeting: f"/v1/groups/{access.group.id}/meetings/{meeting.id}",
    )


@router.get(
    "/{group_id:uuid}/meetings",
    response_model=list[MeetingOut],
    responses=IN_GROUP,
    summary="The group's meetings",
)
def list_meetings(access: InGroup, session: SessionDep) -> list[MeetingOut]:
    return meetings.listed(session, access)


@router.get(
    "/{group_id:uuid}/meetings/{meeting_id:uuid}",
    response_model=MeetingOut,
    responses=IN_GROUP,
    summary="One meeting",
)
def read_meeting(meeting_id: uuid.UUID, access: InGroup, session: SessionDep) -> MeetingOut:
    return meetings.get(session, access, meeting_id)


@router.patch(
    "/{group_id:uuid}/meetings/{meeting_id:uuid}",
    response_model=MeetingOut,
    responses=FACILITATOR,
    summary="Change a meeting (facilitators)",
)
def change_meeting(
    meeting_id: uuid.UUID,
    body: MeetingPatch,
    access: Facilitating,
    runtime: RuntimeDep,
    session: SessionDep,
) -> MeetingOut:
    return meetings.update(runtime, session, access, meeting_id, body)


@router.delete(
    "/{group_id:uuid}/meetings/{meeting_id:uuid}",
    status_code=204,
    responses=FACILITATOR,
    summary="Remove a meeting (facilitators)",
)
def remove_meeting(meeting_id: uuid.UUID, access: Facilitating, session: SessionDep) -> Response:
    meetings.remove(session, access, meeting_id)
    return Response(status_code=204)


@feed_router.get(
    "/meetings.json",
    responses={200: {"description": "A Meeting Guide JSON feed: a flat array of meetings"}},
    summary="Public meetings as a Meeting Guide feed",
)
def meeting_guide_feed(request: Request, session: SessionDep) -> Response:
    return public_json(request, meetings.feed(session))
