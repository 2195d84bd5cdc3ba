"""Groups, facilitators, consent, requests to be reached and the member's access log (API
contract §7)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from app.accounts.deps import Caller, CurrentCaller, require_role
from app.core.dates import parse_day
from app.core.db import SessionDep
from app.core.errors import validation_problem
from app.core.openapi import problem_responses
from app.core.pagination import Page, PageQuery
from app.core.runtime import RuntimeDep, client_address
from app.groups import aggregate, reach_out, service
from app.groups.access import (
    FACILITATOR,
    FACILITATOR_ROLES,
    IN_GROUP,
    Facilitating,
    InGroup,
)
from app.groups.schemas import (
    AccessLogEntryOut,
    AdminGroupOut,
    AggregateOut,
    GroupIn,
    GroupOut,
    GroupPatch,
    GroupSummaryOut,
    HandleIn,
    InviteCodeOut,
    JoinIn,
    MemberOut,
    MembershipPatch,
    MyMembershipOut,
    OpenReachOutOut,
    ReachOutIn,
    ReachOutOut,
    RemovalOut,
)
from app.idempotency.service import IdempotencyDep
from app.progress.schemas import ProgressOut

router = APIRouter(prefix="/v1/groups", tags=["groups"])
access_log_router = APIRouter(prefix="/v1/me/access-log", tags=["groups"])
reach_out_router = APIRouter(prefix="/v1/me/reach-out", tags=["groups"])
admin_router = APIRouter(prefix="/v1/admin/groups", tags=["admin"])

FacilitatorRole = Annotated[Caller, Depends(require_role(*FACILITATOR_ROLES))]


@router.post(
    "",
    status_code=201,
    response_model=GroupOut,
    responses=problem_responses(401, 403, 422),
    summary="Start a group (facilitators and admins)",
)
def create_group(
    body: GroupIn,
    caller: FacilitatorRole,
    runtime: RuntimeDep,
    session: SessionDep,
    once: IdempotencyDep,
) -> JSONResponse:
    return once.create(
        lambda: service.create(runtime, session, caller, body),
        lambda group: f"/v1/groups/{group.id}",
    )


@router.get(
    "",
    response_model=list[GroupSummaryOut],
    responses=problem_responses(401),
    summary="Groups I belong to or facilitate",
)
def my_groups(caller: CurrentCaller, session: SessionDep) -> list[GroupSummaryOut]:
    return service.mine(session, caller)


@router.post(
    "/join",
    status_code=201,
    response_model=MyMembershipOut,
    responses={
        200: {"description": "Already a member: the existing membership", "model": MyMembershipOut},
        **problem_responses(401, 404, 422, 429),
    },
    summary="Join a group with its invite code",
)
def join_group(
    body: JoinIn,
    request: Request,
    caller: CurrentCaller,
    runtime: RuntimeDep,
    session: SessionDep,
    once: IdempotencyDep,
) -> JSONResponse:
    """A wrong code is 404 and counts towards a throttle (429 with `Retry-After`) per account and
    per address. Joining a group again answers 200 with the membership one already has."""

    def join() -> JSONResponse:
        membership, group_id, created = service.join(
            runtime, session, caller, body, client_address(request)
        )
        return JSONResponse(
            membership.model_dump(mode="json"),
            status_code=201 if created else 200,
            headers={"Location": f"/v1/groups/{group_id}"},
        )

    return once.run(join)


@router.get("/{group_id:uuid}", response_model=GroupOut, responses=IN_GROUP, summary="One group")
def read_group(access: InGroup, runtime: RuntimeDep, session: SessionDep) -> GroupOut:
    """Its facilitators and members by handle; `invite_code` only for its facilitators."""
    return service.read(runtime, session, access)


@router.post(
    "/{group_id:uuid}/invite-code",
    response_model=InviteCodeOut,
    responses=FACILITATOR,
    summary="Replace the invite code (the old one stops working)",
)
def rotate_invite_code(
    access: Facilitating, runtime: RuntimeDep, session: SessionDep
) -> InviteCodeOut:
    return service.rotate_code(runtime, session, access)


@router.patch(
    "/{group_id:uuid}/membership",
    response_model=MyMembershipOut,
    responses=problem_responses(401, 404, 409, 422),
    summary="Share my progress with the facilitators, or stop",
)
def change_membership(
    body: MembershipPatch, access: InGroup, session: SessionDep
) -> MyMembershipOut:
    """Each choice takes effect with the very next request: once `share_progress` is false, no
    facilitator can read the journey again; once `show_handle` is false, other members no longer
    see the handle."""
    return service.set_choices(session, access, body)


@router.delete(
    "/{group_id:uuid}/membership",
    status_code=204,
    responses=problem_responses(401, 404, 409, 422),
    summary="Leave the group",
)
def leave_group(access: InGroup, runtime: RuntimeDep, session: SessionDep) -> Response:
    """From the day one leaves, one's check-ins no longer count for the group's figures."""
    service.leave(runtime, session, access)
    return Response(status_code=204)


@router.get(
    "/{group_id:uuid}/members",
    response_model=list[MemberOut],
    responses=FACILITATOR,
    summary="The members (facilitators)",
)
def members(access: Facilitating, session: SessionDep) -> list[MemberOut]:
    return service.roster(session, access)


@router.delete(
    "/{group_id:uuid}/members/{membership_id:uuid}",
    status_code=204,
    responses=FACILITATOR,
    summary="Remove a member (facilitators)",
)
def remove_member(
    membership_id: uuid.UUID, access: Facilitating, runtime: RuntimeDep, session: SessionDep
) -> Response:
    """The group's code does not let them back in until a facilitator lifts the removal."""
    service.remove_member(runtime, session, access, membership_id)
    return Response(status_code=204)


@router.get(
    "/{group_id:uuid}/removals",
    response_model=list[RemovalOut],
    responses=FACILITATOR,
    summary="People removed from the group, who cannot rejoin with its code (facilitators)",
)
def removals(access: Facilitating, session: SessionDep) -> list[RemovalOut]:
    return service.removals(session, access)


@router.delete(
    "/{group_id:uuid}/removals/{removal_id:uuid}",
    status_code=204,
    responses=FACILITATOR,
    summary="Let a removed person join again with the code (facilitators)",
)
def lift_removal(removal_id: uuid.UUID, access: Facilitating, session: SessionDep) -> Response:
    service.lift_removal(session, access, removal_id)
    return Response(status_code=204)


@router.patch(
    "/{group_id:uuid}",
    response_model=GroupOut,
    responses=FACILITATOR,
    summary="Rename, describe, archive or reopen the group (facilitators)",
)
def change_group(
    body: GroupPatch, access: Facilitating, runtime: RuntimeDep, session: SessionDep
) -> GroupOut:
    """An archived group keeps its members and all their data; its code lets nobody new in and
    its meetings leave the public feed until it is opened again."""
    return service.change(runtime, session, access, body)


@router.get(
    "/{group_id:uuid}/aggregate",
    response_model=AggregateOut,
    responses=FACILITATOR,
    summary="The group's progress as a whole (facilitators)",
)
def group_aggregate(
    access: Facilitating,
    runtime: RuntimeDep,
    session: SessionDep,
    days: Annotated[
        int,
        Query(description="The window: 7, 30 or 90 days", json_schema_extra={"enum": [7, 30, 90]}),
    ] = 30,
    as_of: Annotated[
        str | None,
        Query(
            description="A day (YYYY-MM-DD): the window ends with the last closed week on or "
            "before it. Default: the latest closed week.",
            json_schema_extra={"format": "date"},
        ),
    ] = None,
) -> AggregateOut:
    """Weekly releases with differential privacy (docs/facilitators.md): each closed week is
    released once and served from storage after; every figure carries a 90 % range."""
    if days not in aggregate.WINDOWS:
        raise validation_problem(["query", "days"], "days is 7, 30 or 90.")
    day = parse_day(as_of, ["query", "as_of"]) if as_of is not None else None
    return aggregate.aggregate(runtime, session, access.group, days, day)


@router.get(
    "/{group_id:uuid}/members/{membership_id:uuid}/progress",
    response_model=ProgressOut,
    responses=FACILITATOR,
    summary="A member's journey, while they share it (facilitators)",
)
def member_progress(
    membership_id: uuid.UUID, access: Facilitating, runtime: RuntimeDep, session: SessionDep
) -> ProgressOut:
    """404 unless the member shares their progress now; each read goes in their access log."""
    return service.member_progress(runtime, session, access, membership_id)


# --- asking a facilitator to reach out ------------------------------------------------------


@router.post(
    "/{group_id:uuid}/reach-out",
    status_code=201,
    response_model=ReachOutOut,
    responses={
        200: {
            "description": "A request of mine to this group is open already: that one, unchanged",
            "model": ReachOutOut,
        },
        **problem_responses(401, 404, 409, 422, 429),
    },
    summary="Ask a facilitator of the group to reach out to me",
)
def ask_to_be_reached(
    access: InGroup,
    runtime: RuntimeDep,
    session: SessionDep,
    once: IdempotencyDep,
    body: Annotated[ReachOutIn | None, Body()] = None,
) -> JSONResponse:
    """Only this request tells the group's facilitators anything: they see it, with my handle and
    message, when they look at the group's open requests; nobody is notified. Each look is in my
    access log. One open request per group (asking again answers 200 with it) and 3 in all
    (409); a group with no facilitator, or paused, has nobody to ask (409)."""

    def ask() -> JSONResponse:
        made, created = reach_out.ask(runtime, session, access, body)
        return JSONResponse(made.model_dump(mode="json"), status_code=201 if created else 200)

    return once.run(ask)


@router.get(
    "/{group_id:uuid}/reach-out",
    response_model=list[OpenReachOutOut],
    responses=FACILITATOR,
    summary="Members who asked to be reached, oldest first (facilitators)",
)
def open_reach_outs(access: Facilitating, runtime: RuntimeDep) -> list[OpenReachOutOut]:
    """The open requests of the group's members, with their handle and message. Each request
    shown is written to that member's access log first."""
    return reach_out.open_requests(runtime, access)


@router.post(
    "/{group_id:uuid}/reach-out/{request_id:uuid}/answered",
    status_code=204,
    responses=FACILITATOR,
    summary="Mark a request answered (facilitators)",
)
def mark_reach_out_answered(
    request_id: uuid.UUID, access: Facilitating, runtime: RuntimeDep, session: SessionDep
) -> Response:
    """It leaves the open list; the member sees it answered, and by whom in their access log.
    Marking it again changes nothing."""
    reach_out.mark_answered(runtime, session, access, request_id)
    return Response(status_code=204)


@reach_out_router.get(
    "",
    response_model=Page[ReachOutOut],
    responses=problem_responses(401, 422),
    summary="My requests to be reached, newest first",
)
def my_reach_outs(
    caller: CurrentCaller, runtime: RuntimeDep, session: SessionDep, page: PageQuery
) -> Page[ReachOutOut]:
    return reach_out.mine(runtime, session, caller.account.id, page)


@reach_out_router.post(
    "/{request_id:uuid}/withdraw",
    response_model=ReachOutOut,
    responses=problem_responses(401, 404, 422),
    summary="Withdraw my request to be reached",
)
def withdraw_reach_out(
    request_id: uuid.UUID, caller: CurrentCaller, runtime: RuntimeDep, session: SessionDep
) -> ReachOutOut:
    """It leaves the facilitators' list at once and its message is erased; it stays in my list
    as withdrawn. Withdrawing again changes nothing."""
    return reach_out.withdraw(runtime, session, caller.account.id, request_id)


# --- the member's access log -------------------------------------------------------


@access_log_router.get(
    "",
    response_model=list[AccessLogEntryOut],
    responses=problem_responses(401),
    summary="Every time a facilitator read my shared progress or my request to be reached",
)
def my_access_log(caller: CurrentCaller, session: SessionDep) -> list[AccessLogEntryOut]:
    return service.access_log(session, caller.account.id)


# --- admins: giving a group a facilitator ------------------------------------------------------

AdminRole = Annotated[Caller, Depends(require_role("admin"))]


@admin_router.get(
    "",
    response_model=list[AdminGroupOut],
    responses=problem_responses(401, 403),
    summary="Every group and how many facilitators it has (admins)",
)
def admin_groups(_admin: AdminRole, session: SessionDep) -> list[AdminGroupOut]:
    """A group with no facilitator lets nobody join until an admin gives it one."""
    return service.admin_groups(session)


@admin_router.post(
    "/{group_id:uuid}/facilitators",
    response_model=AdminGroupOut,
    responses=problem_responses(401, 403, 404, 409, 422),
    summary="Make an account, found by its handle, a facilitator of the group (admins)",
)
def assign_facilitator(
    group_id: uuid.UUID,
    body: HandleIn,
    _admin: AdminRole,
    runtime: RuntimeDep,
    session: SessionDep,
) -> AdminGroupOut:
    """The account needs the facilitator role first (409); a member of the group becomes its
    facilitator, and no longer counts in its figures."""
    return service.assign_facilitator(runtime, session, group_id, body.handle)
