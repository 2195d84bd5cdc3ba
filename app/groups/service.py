"""Groups: creation, invite codes, joining and leaving, consent, rosters, shared progress and the
member's access log. Facilitators see a member's journey only while that member shares it, and
every such read is written to the member's own log before anything is shown."""

import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select, update

from app.accounts.deps import Caller
from app.core.dates import member_date
from app.core.db import new_session
from app.core.errors import AppError, not_found
from app.core.ratelimit import INVITE_PER_ACCOUNT, INVITE_PER_ADDRESS, Subject
from app.core.runtime import Runtime
from app.groups.access import GroupAccess, find_access
from app.groups.invites import lookup_key, new_invite_code, read_invite_code, seal_invite_code
from app.groups.schemas import (
    AccessLogEntryOut,
    GroupIn,
    GroupOut,
    GroupSummaryOut,
    InviteCodeOut,
    JoinIn,
    MemberOut,
    MyMembershipOut,
    PersonOut,
)
from app.models import AccessLog, Account, Meeting, Membership, PeerGroup
from app.progress.schemas import ProgressOut
from app.progress.service import journey_for

# --- groups -----------------------------------------------------------------------------------


def _my_membership(membership: Membership) -> MyMembershipOut:
    return MyMembershipOut(
        membership_id=membership.id,
        kind=membership.kind,
        share_progress=membership.share_progress,
        joined_at=membership.joined_at,
    )


def create(runtime: Runtime, session: Session, caller: Caller, body: GroupIn) -> GroupOut:
    now = runtime.clock()
    group_id = uuid.uuid4()
    sealed, lookup = seal_invite_code(runtime.master_key, group_id, new_invite_code())
    group = PeerGroup(
        id=group_id,
        name=body.name,
        description=body.description,
        created_at=now,
        invite_code_sealed=sealed,
        invite_code_key=lookup,
    )
    session.add(group)
    session.flush()
    session.add(
        Membership(
            group_id=group.id, account_id=caller.account.id, kind="facilitator", joined_at=now
        )
    )
    session.commit()
    return read(runtime, session, find_access(session, caller, group.id))


def mine(session: Session, caller: Caller) -> list[GroupSummaryOut]:
    rows = session.exec(
        select(PeerGroup, Membership)
        .where(Membership.group_id == PeerGroup.id, Membership.account_id == caller.account.id)
        .order_by(col(PeerGroup.name), col(PeerGroup.id))
    ).all()
    return [
        GroupSummaryOut(
            id=group.id,
            name=group.name,
            description=group.description,
            membership=_my_membership(membership),
        )
        for group, membership in rows
    ]


def _people(session: Session, group_id: uuid.UUID, kind: str) -> list[PersonOut]:
    handles = session.exec(
        select(Account.handle)
        .where(
            Membership.group_id == group_id,
            Membership.kind == kind,
            Membership.account_id == Account.id,
        )
        .order_by(col(Account.handle_key))
    ).all()
    return [PersonOut(handle=handle) for handle in handles]


def read(runtime: Runtime, session: Session, access: GroupAccess) -> GroupOut:
    group = access.group
    return GroupOut(
        id=group.id,
        name=group.name,
        description=group.description,
        membership=_my_membership(access.membership),
        created_at=group.created_at,
        facilitators=_people(session, group.id, "facilitator"),
        members=_people(session, group.id, "member"),
        invite_code=read_invite_code(runtime.master_key, group) if access.facilitates else None,
    )


def rotate_code(runtime: Runtime, session: Session, access: GroupAccess) -> InviteCodeOut:
    """A new code; the old one stops working at once."""
    code = new_invite_code()
    access.group.invite_code_sealed, access.group.invite_code_key = seal_invite_code(
        runtime.master_key, access.group.id, code
    )
    session.add(access.group)
    session.commit()
    return InviteCodeOut(invite_code=code)


def join(
    runtime: Runtime, session: Session, caller: Caller, body: JoinIn, address: str
) -> tuple[MyMembershipOut, uuid.UUID, bool]:
    """Join by invite code: (membership, group id, whether it is new). Joining a group one is
    already in answers with that membership, so a retried request is harmless. A wrong code is
    404 and counts against the account and the address."""
    now = runtime.clock()
    subjects = [
        Subject(INVITE_PER_ACCOUNT, str(caller.account.id)),
        Subject(INVITE_PER_ADDRESS, address),
    ]
    runtime.throttler.guard_and_commit(session, subjects, now)
    group = session.exec(
        select(PeerGroup).where(
            PeerGroup.invite_code_key == lookup_key(runtime.master_key, body.invite_code)
        )
    ).first()
    if group is None:
        runtime.throttler.count(session, subjects, now)
        session.commit()
        raise not_found("group with this invite code")
    existing = _membership_of(session, group.id, caller.account.id)
    if existing is not None:
        return _my_membership(existing), group.id, False
    membership = Membership(
        group_id=group.id,
        account_id=caller.account.id,
        share_progress=body.share_progress,
        joined_at=now,
    )
    session.add(membership)
    try:
        session.commit()
    except IntegrityError:  # the same join a moment ago, from a retry
        session.rollback()
        existing = _membership_of(session, group.id, caller.account.id)
        assert existing is not None
        return _my_membership(existing), group.id, False
    return _my_membership(membership), group.id, True


def _membership_of(
    session: Session, group_id: uuid.UUID, account_id: uuid.UUID
) -> Membership | None:
    return session.exec(
        select(Membership).where(
            Membership.group_id == group_id, Membership.account_id == account_id
        )
    ).first()


def set_sharing(session: Session, access: GroupAccess, share: bool) -> MyMembershipOut:
    """Consent to facilitators reading my journey; takes effect with the very next request."""
    membership = access.membership
    if membership.kind != "member":
        raise AppError(409, "not-a-member", "Facilitators have no progress to share here.")
    membership.share_progress = share
    session.add(membership)
    session.commit()
    return _my_membership(membership)


def _facilitator_count(session: Session, group_id: uuid.UUID) -> int:
    return int(
        session.exec(
            select(func.count()).where(
                Membership.group_id == group_id, Membership.kind == "facilitator"
            )
        ).one()
    )


def leave(session: Session, access: GroupAccess) -> None:
    membership = access.membership
    if membership.kind == "facilitator" and _facilitator_count(session, membership.group_id) == 1:
        raise AppError(
            409,
            "last-facilitator",
            "You are this group's only facilitator; it would be left without one.",
        )
    session.delete(membership)
    session.commit()


def roster(session: Session, access: GroupAccess) -> list[MemberOut]:
    rows = session.exec(
        select(Membership, Account.handle)
        .where(
            Membership.group_id == access.group.id,
            Membership.kind == "member",
            Membership.account_id == Account.id,
        )
        .order_by(col(Membership.joined_at), col(Membership.id))
    ).all()
    return [
        MemberOut(
            membership_id=membership.id,
            handle=handle,
            joined_at=membership.joined_at,
            share_progress=membership.share_progress,
        )
        for membership, handle in rows
    ]


def _member(session: Session, access: GroupAccess, membership_id: uuid.UUID) -> Membership:
    membership = session.get(Membership, membership_id)
    if membership is None or membership.group_id != access.group.id or membership.kind != "member":
        raise not_found("member")
    return membership


def remove_member(session: Session, access: GroupAccess, membership_id: uuid.UUID) -> None:
    session.delete(_member(session, access, membership_id))
    session.commit()


def member_progress(
    runtime: Runtime, session: Session, access: GroupAccess, membership_id: uuid.UUID
) -> ProgressOut:
    """A sharing member's journey figures (never notes, triggers or check-in rows). Without
    consent the answer is the same 404 as for a membership that does not exist, and consent is
    checked again inside the snapshot the figures come from. The read is in the member's access
    log before the figures leave."""
    membership = _member(session, access, membership_id)
    if not membership.share_progress:
        raise not_found("member")
    member = session.get(Account, membership.account_id)
    assert member is not None
    now = runtime.clock()
    with new_session(runtime.database.writer) as writer:
        writer.add(
            AccessLog(
                account_id=member.id,
                group_id=access.group.id,
                facilitator_id=access.caller.account.id,
                read_at=now,
            )
        )
        writer.commit()

    def still_shared(snapshot: Session) -> None:
        current = snapshot.get(Membership, membership.id)
        if current is None or not current.share_progress:
            raise not_found("member")

    return journey_for(runtime, member, member_date(member, now), first=still_shared)


# --- the member's access log and account data -------------------------------------------------


def access_log(session: Session, account_id: uuid.UUID) -> list[AccessLogEntryOut]:
    facilitator = Account.__table__.alias("facilitator")  # type: ignore[attr-defined]
    rows = session.exec(
        select(AccessLog, PeerGroup.name, facilitator.c.handle)
        .outerjoin(PeerGroup, col(PeerGroup.id) == col(AccessLog.group_id))
        .outerjoin(facilitator, facilitator.c.id == col(AccessLog.facilitator_id))
        .where(AccessLog.account_id == account_id)
        .order_by(col(AccessLog.read_at).desc(), col(AccessLog.id))
    ).all()
    return [
        AccessLogEntryOut(
            read_at=entry.read_at,
            group_id=entry.group_id,
            group_name=group_name,
            facilitator_handle=handle,
        )
        for entry, group_name, handle in rows
    ]


def export_memberships(_runtime: Runtime, session: Session, account_id: uuid.UUID) -> list[dict]:  # type: ignore[type-arg]
    rows = session.exec(
        select(Membership, PeerGroup.name)
        .where(Membership.account_id == account_id, Membership.group_id == PeerGroup.id)
        .order_by(col(Membership.joined_at))
    ).all()
    return [
        {
            "group_id": str(membership.group_id),
            "group_name": name,
            "kind": membership.kind,
            "share_progress": membership.share_progress,
            "joined_at": membership.joined_at.isoformat(),
        }
        for membership, name in rows
    ]


def export_access_log(_runtime: Runtime, session: Session, account_id: uuid.UUID) -> list[dict]:  # type: ignore[type-arg]
    return [entry.model_dump(mode="json") for entry in access_log(session, account_id)]


def delete_memberships(session: Session, account_id: uuid.UUID) -> None:
    """The account leaves every group. A group it was the last facilitator of keeps its members
    and their data, but its meetings leave the public feed: nobody looks after them any more."""
    facilitated = session.exec(
        select(Membership.group_id).where(
            Membership.account_id == account_id, Membership.kind == "facilitator"
        )
    ).all()
    session.exec(delete(Membership).where(col(Membership.account_id) == account_id))
    session.flush()
    for group_id in facilitated:
        if _facilitator_count(session, group_id) == 0:
            session.exec(
                update(Meeting).where(col(Meeting.group_id) == group_id).values(public=False)
            )


def delete_access_log(session: Session, account_id: uuid.UUID) -> None:
    """The member's own log goes; where the account read others' progress, the entries stay in
    those members' logs without naming it (the reference becomes empty)."""
    session.exec(delete(AccessLog).where(col(AccessLog.account_id) == account_id))
    session.exec(
        AccessLog.__table__.update()  # type: ignore[attr-defined]
        .where(AccessLog.__table__.c.facilitator_id == account_id)  # type: ignore[attr-defined]
        .values(facilitator_id=None)
    )
