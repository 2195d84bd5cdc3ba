"""A member asks a facilitator of their group to reach out.

Only the member's own request makes one: no check-in, figure or rule ever does, and nothing is
sent to anyone. The group's facilitators see the open requests when they look, each with the
member's handle and message, and every such look is written to the member's access log before
the list leaves. The message is sealed with the member's data key, as check-in notes are.

A member has at most one open request per group and `MAX_OPEN` in all, and each new one counts
towards a throttle, so a scripted account cannot flood facilitators. Withdrawing keeps the row
as the member's own record and empties the message; leaving the group, being removed from it or
becoming its facilitator withdraws the open request there.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, func, select, update

from app.accounts.keys import MemberCipher, ensure_cipher, open_cipher, open_sealed
from app.core.db import new_session
from app.core.errors import AppError, not_found
from app.core.i18n import ngettext
from app.core.pagination import Keyset, Page, PageParams, keyset_page
from app.core.ratelimit import REACH_OUT_PER_ACCOUNT, Subject, Throttled
from app.core.runtime import Runtime
from app.groups.access import GroupAccess, facilitators_with_role, seen_by_facilitator
from app.groups.schemas import OpenReachOutOut, ReachOutIn, ReachOutOut, ReachOutStatus
from app.models import AccessLog, Account, Membership, PeerGroup, ReachOutRequest

KIND, FIELD = "reach-out", "message"
# Open requests a member may have at once, across all their groups.
MAX_OPEN = 3
MY_REQUESTS = Keyset("reach-out", (datetime, uuid.UUID), descending=True)  # newest first


def _is_open() -> list[Any]:
    return [col(ReachOutRequest.answered_at).is_(None), col(ReachOutRequest.withdrawn_at).is_(None)]


def _status(row: ReachOutRequest) -> ReachOutStatus:
    if row.withdrawn_at is not None:
        return "withdrawn"
    return "answered" if row.answered_at is not None else "open"


def _message(cipher: MemberCipher | None, row: ReachOutRequest) -> str | None:
    return open_sealed(cipher, KIND, str(row.id), FIELD, row.message_sealed)  # type: ignore[no-any-return]


def _mine(row: ReachOutRequest, group_name: str, message: str | None) -> ReachOutOut:
    return ReachOutOut(
        id=row.id,
        group_id=row.group_id,
        group_name=group_name,
        status=_status(row),
        message=message,
        created_at=row.created_at,
        answered_at=row.answered_at,
        withdrawn_at=row.withdrawn_at,
    )


# --- the member -------------------------------------------------------------------------------


def _guard(runtime: Runtime, session: Session, subjects: list[Subject]) -> None:
    try:
        runtime.throttler.guard_and_commit(session, subjects, runtime.clock())
    except Throttled as throttled:
        raise AppError(
            429,
            "too-many-requests-to-be-reached",
            "You have asked several times in a short while. Please wait a few minutes before "
            "asking again. Any request you have open is still there.",
            headers=throttled.headers,
        ) from throttled


def _others_to_ask(session: Session, group_id: uuid.UUID, account_id: uuid.UUID) -> int:
    """Facilitators of the group with the role, the asker left out (a facilitator may ask too)."""
    looking_after = (
        facilitators_with_role(group_id).where(Membership.account_id != account_id).subquery()
    )
    return int(session.exec(select(func.count()).select_from(looking_after)).one())


def ask(
    runtime: Runtime, session: Session, access: GroupAccess, body: ReachOutIn | None
) -> tuple[ReachOutOut, bool]:
    """The member's request (new: True), or the one already open for this group (False), left
    as it is: a retry is harmless, and a new message needs the open request withdrawn first."""
    account_id, group = access.caller.account.id, access.group
    subjects = [Subject(REACH_OUT_PER_ACCOUNT, str(account_id))]
    _guard(runtime, session, subjects)
    # Requests of one member are decided one at a time (SQLite's writers already are): the
    # account row for the limits across groups, the membership so leaving cannot slip between.
    session.exec(select(Account.id).where(Account.id == account_id).with_for_update()).one()
    still_in = session.exec(
        select(Membership.id).where(Membership.id == access.membership.id).with_for_update()
    ).first()
    if still_in is None:
        raise not_found("group")
    open_here = session.exec(
        select(ReachOutRequest).where(
            ReachOutRequest.account_id == account_id,
            ReachOutRequest.group_id == group.id,
            *_is_open(),
        )
    ).first()
    if open_here is not None:
        cipher = open_cipher(runtime, session, account_id)
        return _mine(open_here, group.name, _message(cipher, open_here)), False
    if group.archived_at is not None:
        raise AppError(
            409,
            "group-archived",
            "This group is paused, so nobody is looking out for requests here right now. If you "
            "need someone now, a crisis line answers day and night.",
        )
    if _others_to_ask(session, group.id, account_id) == 0:
        raise AppError(
            409,
            "no-facilitator",
            "This group has no facilitator right now, so there is nobody to ask here. If you "
            "need someone now, a crisis line answers day and night.",
        )
    open_count = session.exec(
        select(func.count()).where(ReachOutRequest.account_id == account_id, *_is_open())
    ).one()
    if open_count >= MAX_OPEN:
        raise AppError(
            409,
            "too-many-open-requests",
            ngettext(
                "You already have %(count)d open request, and the facilitators will see it. To "
                "ask in another group, withdraw it first.",
                "You already have %(count)d open requests, and the facilitators will see them. "
                "To ask in another group, withdraw one first.",
                MAX_OPEN,
            )
            % {"count": MAX_OPEN},
        )
    now = runtime.clock()
    message = body.message if body is not None else None
    request_id = uuid.uuid4()
    sealed = ensure_cipher(runtime, session, account_id).seal_json(
        KIND, str(request_id), FIELD, message
    )
    row = ReachOutRequest(
        id=request_id,
        account_id=account_id,
        group_id=group.id,
        message_sealed=sealed,
        created_at=now,
    )
    session.add(row)
    session.add(
        AccessLog(account_id=account_id, group_id=group.id, read_at=now, what="reach_out_request")
    )
    runtime.throttler.count(session, subjects, now)
    session.commit()
    return _mine(row, group.name, message), True


def mine(
    runtime: Runtime, session: Session, account_id: uuid.UUID, page: PageParams
) -> Page[ReachOutOut]:
    rows, next_cursor = keyset_page(
        session,
        select(ReachOutRequest, PeerGroup.name).where(
            ReachOutRequest.account_id == account_id, ReachOutRequest.group_id == PeerGroup.id
        ),
        [col(ReachOutRequest.created_at), col(ReachOutRequest.id)],
        MY_REQUESTS,
        page,
        lambda found: (found[0].created_at, found[0].id),
        runtime.cursor_secret,
    )
    cipher = open_cipher(runtime, session, account_id)
    items = [_mine(row, name, _message(cipher, row)) for row, name in rows]
    return Page[ReachOutOut](items=items, next_cursor=next_cursor)


def withdraw(
    runtime: Runtime, session: Session, account_id: uuid.UUID, request_id: uuid.UUID
) -> ReachOutOut:
    """The request leaves the facilitators' list at once and its message is emptied; withdrawing
    again changes nothing. Another member's request is the same 404 as one that does not exist."""
    found = session.exec(
        select(ReachOutRequest, PeerGroup.name)
        .where(
            ReachOutRequest.id == request_id,
            ReachOutRequest.account_id == account_id,
            ReachOutRequest.group_id == PeerGroup.id,
        )
        .with_for_update(of=ReachOutRequest)
    ).first()
    if found is None:
        raise not_found("request")
    row, group_name = found
    if row.withdrawn_at is None:
        row.withdrawn_at, row.message_sealed = runtime.clock(), None
        session.add(row)
        session.commit()
    return _mine(row, group_name, None)


def close_open(session: Session, group_id: uuid.UUID, account_id: uuid.UUID, now: datetime) -> None:
    """Someone who leaves a group, is removed from it or becomes its facilitator no longer waits
    to be reached there: their open request is withdrawn and its message emptied. Call it after
    the membership change is flushed, so a request being made at that moment is seen."""
    session.exec(
        update(ReachOutRequest)
        .where(
            col(ReachOutRequest.group_id) == group_id,
            col(ReachOutRequest.account_id) == account_id,
            *_is_open(),
        )
        .values(withdrawn_at=now, message_sealed=None)
    )


# --- the group's facilitators -----------------------------------------------------------------


def _of_the_group(access: GroupAccess) -> list[Any]:
    """Requests to this group by its present members, never the facilitator's own."""
    group_id = access.group.id
    return [
        ReachOutRequest.group_id == group_id,
        ReachOutRequest.account_id != access.caller.account.id,
        col(ReachOutRequest.account_id).in_(
            select(Membership.account_id).where(Membership.group_id == group_id)
        ),
    ]


def open_requests(runtime: Runtime, access: GroupAccess) -> list[OpenReachOutOut]:
    """Oldest first: whoever has waited longest. Read, logged in each member's access log and
    committed in one write transaction (which holds the rows, so a withdrawal waits or is not
    shown), before anything leaves."""
    now = runtime.clock()
    with new_session(runtime.database.writer) as writer:
        rows = writer.exec(
            select(ReachOutRequest, Account.handle)
            .where(Account.id == ReachOutRequest.account_id, *_of_the_group(access), *_is_open())
            .order_by(col(ReachOutRequest.created_at), col(ReachOutRequest.id))
            .with_for_update(of=ReachOutRequest)
        ).all()
        ciphers: dict[uuid.UUID, MemberCipher | None] = {}
        shown = []
        for row, handle in rows:
            if row.account_id not in ciphers:
                ciphers[row.account_id] = open_cipher(runtime, writer, row.account_id)
            shown.append(
                OpenReachOutOut(
                    id=row.id,
                    handle=handle,
                    message=_message(ciphers[row.account_id], row),
                    created_at=row.created_at,
                )
            )
            writer.add(seen_by_facilitator(access, row.account_id, "reach_out_read", now))
        writer.commit()
    return shown


def mark_answered(
    runtime: Runtime, session: Session, access: GroupAccess, request_id: uuid.UUID
) -> None:
    """Answered once: marking it again changes nothing. A request this facilitator cannot see
    (withdrawn, of another group, their own) is the same 404 as one that does not exist."""
    row = session.exec(
        select(ReachOutRequest)
        .where(
            ReachOutRequest.id == request_id,
            *_of_the_group(access),
            col(ReachOutRequest.withdrawn_at).is_(None),
        )
        .with_for_update()
    ).first()
    if row is None:
        raise not_found("request")
    if row.answered_at is not None:
        return
    now = runtime.clock()
    row.answered_at, row.answered_by = now, access.caller.account.id
    session.add(row)
    session.add(seen_by_facilitator(access, row.account_id, "reach_out_answered", now))
    session.commit()


# --- account data -----------------------------------------------------------------------------


def export_requests(runtime: Runtime, session: Session, account_id: uuid.UUID) -> list[dict]:  # type: ignore[type-arg]
    rows = session.exec(
        select(ReachOutRequest, PeerGroup.name)
        .where(ReachOutRequest.account_id == account_id, ReachOutRequest.group_id == PeerGroup.id)
        .order_by(col(ReachOutRequest.created_at).desc(), col(ReachOutRequest.id))
    ).all()
    cipher = open_cipher(runtime, session, account_id)
    return [_mine(row, name, _message(cipher, row)).model_dump(mode="json") for row, name in rows]


def delete_requests(session: Session, account_id: uuid.UUID) -> None:
    """The member's requests go with their account; where the account marked others' requests
    answered, those stay without naming it."""
    session.exec(delete(ReachOutRequest).where(col(ReachOutRequest.account_id) == account_id))
    session.exec(
        update(ReachOutRequest)
        .where(col(ReachOutRequest.answered_by) == account_id)
        .values(answered_by=None)
    )
