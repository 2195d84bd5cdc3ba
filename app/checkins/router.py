"""Check-ins (API contract §3)."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from app.accounts.deps import CurrentCaller
from app.checkins import service
from app.checkins.schemas import (
    CheckinIn,
    CheckinOut,
    CheckinPatch,
    CheckinWritten,
    checkin_example,
)
from app.core.caching import tags_of
from app.core.db import SessionDep
from app.core.errors import AppError
from app.core.i18n import _
from app.core.openapi import problem_responses
from app.core.pagination import Page, PageQuery
from app.core.runtime import RuntimeDep
from app.core.schemas import DATE_SCHEMA, IsoDate

router = APIRouter(prefix="/v1/checkins", tags=["check-ins"])

DayPath = Annotated[
    str,
    Path(
        alias="date",
        max_length=10,
        description="The member's local calendar date, YYYY-MM-DD.",
        examples=["2026-11-23"],
        json_schema_extra=DATE_SCHEMA,
    ),
]
IfMatch = Annotated[
    str | None,
    Header(max_length=512, description="Write only if the day still has this ETag (else 412)."),
]
IfNoneMatch = Annotated[
    str | None,
    Header(max_length=512, description="`*`: create only, never replace (else 412)."),
]


@router.put(
    "/{date}",
    response_model=CheckinWritten,
    responses={201: {"model": CheckinWritten}, **problem_responses(401, 412, 422)},
    summary="Check in for a day (create or replace)",
)
def put_checkin(
    day: DayPath,
    body: Annotated[CheckinIn, Body(openapi_examples={"day": {"value": checkin_example()}})],
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
    if_match: IfMatch = None,
    if_none_match: IfNoneMatch = None,
) -> JSONResponse:
    """201 when the day is new, 200 when it replaced the day's check-in. Safe to retry.

    `support` lists crisis lines and help matching `needs` when the member says they are not
    safe, lapsed heavily or crave strongly; nothing is ever sent to anyone."""
    written, created, etag = service.put_checkin(
        runtime, session, caller, day, body, service.Preconditions(if_match, if_none_match)
    )
    headers = {"ETag": etag}
    if created:
        headers["Location"] = f"/v1/checkins/{written.date.isoformat()}"
    return JSONResponse(
        written.model_dump(mode="json"), status_code=201 if created else 200, headers=headers
    )


MERGE_PATCH = "application/merge-patch+json"


def merge_patch_only(request: Request, _signed_in: CurrentCaller) -> None:
    """A PATCH must say it is a merge patch: a client that sends a whole day as plain JSON
    meant PUT, and must not see fields it left out silently kept. (Signed in first: 401 before
    anything else.)"""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != MERGE_PATCH:
        raise AppError(
            415,
            "unsupported-media-type",
            _(
                "Send changes as a JSON Merge Patch (Content-Type: %(type)s). To replace the "
                "whole day, use PUT."
            )
            % {"type": MERGE_PATCH},
        )


@router.patch(
    "/{date}",
    response_model=CheckinWritten,
    responses=problem_responses(401, 404, 412, 415, 422),
    dependencies=[Depends(merge_patch_only)],
    summary="Change part of a day's check-in (JSON Merge Patch)",
)
def patch_checkin(
    day: DayPath,
    body: Annotated[
        CheckinPatch,
        Body(
            media_type=MERGE_PATCH,
            openapi_examples={"evening": {"value": {"craving": 2, "note": None}}},
        ),
    ],
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Fields left out keep their values, `null` clears one, `lapses` merges track by track.
    With `If-Match`, only if the day is still that version (412 otherwise)."""
    written, etag = service.patch_checkin(
        runtime, session, caller, day, body, service.Preconditions(if_match=if_match)
    )
    return JSONResponse(written.model_dump(mode="json"), headers={"ETag": etag})


@router.get(
    "/{date}",
    response_model=CheckinOut,
    responses=problem_responses(401, 404, 422),
    summary="One day's check-in",
)
def get_checkin(
    day: DayPath,
    request: Request,
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
) -> Response:
    checkin, etag = service.get_checkin(runtime, session, caller, day)
    if etag in tags_of(request.headers.get("if-none-match")):
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse(checkin.model_dump(mode="json"), headers={"ETag": etag})


@router.delete(
    "/{date}",
    status_code=204,
    responses=problem_responses(401, 404, 412, 422),
    summary="Delete one day's check-in",
)
def delete_checkin(
    day: DayPath,
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
    if_match: IfMatch = None,
) -> Response:
    service.delete_checkin(runtime, session, caller, day, service.Preconditions(if_match=if_match))
    return Response(status_code=204)


@router.get(
    "",
    response_model=Page[CheckinOut],
    responses=problem_responses(401, 422),
    summary="My check-ins, newest first",
)
def list_checkins(
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
    page: PageQuery,
    first: Annotated[IsoDate | None, Query(alias="from", description="Earliest day")] = None,
    last: Annotated[IsoDate | None, Query(alias="to", description="Latest day")] = None,
) -> Page[CheckinOut]:
    return service.list_checkins(runtime, session, caller, first, last, page)
