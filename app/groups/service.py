"""Groups: creation, invite codes, joining and leaving, consent, rosters, shared progress and the
member's access log. Facilitators see a member's journey only while that member shares it, and
every such read is written to the member's own log before anything is shown."""

import uuid
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, delete, func, select, update

from app.accounts.deps import Caller
from app.accounts.service import account_by_handle
from app.core.dates import member_date
from app.core.db import new_session
from app.core.errors import AppError, not_found
from app.core.ratelimit import INVITE_PER_ACCOUNT, INVITE_PER_ADDRESS, Subject
from app.core.runtime import Runtime
from app.groups import reach_out
from app.groups.access import (
    FACILITATOR_ROLES,
    GroupAccess,
    facilitators_with_role,
    find_access,
    seen_by_facilitator,
)
from app.groups.invites import lookup_key, new_invite_code, read_invite_code, seal_invite_code
from app.groups.schemas import (
    AccessLogEntryOut,
    AdminGroupOut,
    GroupIn,
    GroupOut,
    GroupPatch,
    GroupSummaryOut,
    InviteCodeOut,
    JoinIn,
    MemberOut,
    MembershipPatch,
    MyMembershipOut,
    PersonOut,
    RemovalOut,
)
from app.models import (
    AccessLog,
    Account,
    GroupRemoval,
    Meeting,
    Membership,
    MembershipSpan,
    PeerGroup,
)
from app.progress.schemas import ProgressOut
from app.progress.service import journey_for

# Time zones run from UTC-12 to UTC+14: two days either side of a UTC date cover the member's own
# joining or leaving day wherever they live, without the edges telling where that is.
SPAN_MARGIN = timedelta(days=2)

# --- groups -----------------------------------------------------------------------------------


def _my_membership(membership: Membership) -> MyMembershipOut:
    return MyMembershipOut(
        membership_id=membership.id,
        kind=membership.kind,
        share_progress=membership.share_progress,
        show_handle=membership.show_handle,
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
            archived=group.archived_at is not None,
            membership=_my_membership(membership),
        )
        for group, membership in rows
    ]


def _people(
    session: Session, group_id: uuid.UUID, kind: str, only_shown: bool = False
) -> list[PersonOut]:
    statement = select(Account.handle).where(
        Membership.group_id == group_id,
        Membership.kind == kind,
        Membership.account_id == Account.id,
    )
    if only_shown:
        statement = statement.where(col(Membership.show_handle))
    handles = session.exec(statement.order_by(col(Account.handle_key))).all()
    return [PersonOut(handle=handle) for handle in handles]


def _member_count(session: Session, group_id: uuid.UUID) -> int:
    return int(
        session.exec(
            select(func.count()).where(Membership.group_id == group_id, Membership.kind == "member")
        ).one()
    )


def read(runtime: Runtime, session: Session, access: GroupAccess) -> GroupOut:
    """Facilitators see every member's handle; a member sees the handles of the members who chose
    to show theirs, and how many members there are."""
    group = access.group
    return GroupOut(
        id=group.id,
        name=group.name,
        description=group.description,
        archived=group.archived_at is not None,
        membership=_my_membership(access.membership),
        created_at=group.created_at,
        facilitators=_people(session, group.id, "facilitator"),
        member_count=_member_count(session, group.id),
        members=_people(session, group.id, "member", only_shown=not access.facilitates),
        invite_code=read_invite_code(runtime.master_key, group) if access.facilitates else None,
    )


def change(runtime: Runtime, session: Session, access: GroupAccess, body: GroupPatch) -> GroupOut:
    """Rename, describe, archive or open again. Archiving keeps every member and their data."""
    group = access.group
    sent = body.model_fields_set
    if "name" in sent and body.name is not None:
        group.name = body.name
    if "description" in sent:
        group.description = body.description
    if "archived" in sent and body.archived is not None:
        archived = group.archived_at is not None
        if body.archived != archived:
            group.archived_at = runtime.clock() if body.archived else None
    session.add(group)
    session.commit()
    return read(runtime, session, access)


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
    _check_open(session, group, caller.account.id)
    membership = Membership(
        group_id=group.id,
        account_id=caller.account.id,
        share_progress=body.share_progress,
        show_handle=body.show_handle,
        joined_at=now,
    )
    session.add(membership)
    # Nothing from before joining counts for the group (models/groups.py MembershipSpan).
    session.add(
        MembershipSpan(
            group_id=group.id,
            account_id=caller.account.id,
            counts_from=now.date() + SPAN_MARGIN,
            joined_at=now,
        )
    )
    try:
        session.commit()
    except IntegrityError:  # the same join a moment ago, from a retry
        session.rollback()
        existing = _membership_of(session, group.id, caller.account.id)
        assert existing is not None
        return _my_membership(existing), group.id, False
    return _my_membership(membership), group.id, True


def _check_open(session: Session, group: PeerGroup, account_id: uuid.UUID) -> None:
    """A right code still lets nobody in while the group is archived or has no facilitator, and
    never a member a facilitator removed, until they lift it."""
    if session.exec(
        select(GroupRemoval.id).where(
            GroupRemoval.group_id == group.id, GroupRemoval.account_id == account_id
        )
    ).first():
        raise AppError(
            403,
            "removed-from-group",
            "This code can't bring you back into this group. Its facilitator can let you back in.",
        )
    if group.archived_at is not None or active_facilitators(session, group.id) == 0:
        raise AppError(
            409,
            "group-closed",
            "This group isn't taking new members right now. The person who gave you the code "
            "may know more.",
        )


def active_facilitators(session: Session, group_id: uuid.UUID) -> int:
    """Facilitators of the group whose account still has a facilitator's role."""
    looking_after = facilitators_with_role(group_id).subquery()
    return int(session.exec(select(func.count()).select_from(looking_after)).one())


def _membership_of(
    session: Session, group_id: uuid.UUID, account_id: uuid.UUID
) -> Membership | None:
    return session.exec(
        select(Membership).where(
            Membership.group_id == group_id, Membership.account_id == account_id
        )
    ).first()


def set_choices(session: Session, access: GroupAccess, body: MembershipPatch) -> MyMembershipOut:
    """Consent to facilitators reading my journey, and to members seeing my handle; each takes
    effect with the very next request."""
    membership = access.membership
    if membership.kind != "member":
        raise AppError(409, "not-a-member", "Facilitators have no progress to share here.")
    if body.share_progress is not None:
        membership.share_progress = body.share_progress
    if body.show_handle is not None:
        membership.show_handle = body.show_handle
    session.add(membership)
    session.commit()
    return _my_membership(membership)


def _stop_counting(session: Session, runtime: Runtime, membership: Membership) -> None:
    """A member who leaves or is removed counts no more: not the days from two days before (UTC,
    so from the leaving day in every time zone), nor anything written from now on."""
    now = runtime.clock()
    session.exec(
        update(MembershipSpan)
        .where(
            col(MembershipSpan.group_id) == membership.group_id,
            col(MembershipSpan.account_id) == membership.account_id,
            col(MembershipSpan.left_at).is_(None),
        )
        .values(counts_until=now.date() - SPAN_MARGIN, left_at=now)
    )


def leave(runtime: Runtime, session: Session, access: GroupAccess) -> None:
    membership = access.membership
    # The last facilitator with the role cannot leave: nobody would look after the group.
    if access.facilitates and active_facilitators(session, membership.group_id) == 1:
        raise AppError(
            409,
            "last-facilitator",
            "You are this group's only facilitator; it would be left without one.",
        )
    group_id, account_id = membership.group_id, membership.account_id
    _stop_counting(session, runtime, membership)
    session.delete(membership)
    session.flush()
    reach_out.close_open(session, group_id, account_id, runtime.clock())
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
            show_handle=membership.show_handle,
        )
        for membership, handle in rows
    ]


def _member(session: Session, access: GroupAccess, membership_id: uuid.UUID) -> Membership:
    membership = session.get(Membership, membership_id)
    if membership is None or membership.group_id != access.group.id or membership.kind != "member":
        raise not_found("member")
    return membership


def remove_member(
    runtime: Runtime, session: Session, access: GroupAccess, membership_id: uuid.UUID
) -> None:
    """The member leaves the group, and its code does not let them back in until lifted."""
    membership = _member(session, access, membership_id)
    group_id, account_id = membership.group_id, membership.account_id
    _stop_counting(session, runtime, membership)
    session.add(GroupRemoval(group_id=group_id, account_id=account_id, removed_at=runtime.clock()))
    session.delete(membership)
    try:
        session.flush()
        reach_out.close_open(session, group_id, account_id, runtime.clock())
        session.commit()
    except (IntegrityError, StaleDataError):  # another facilitator removed them a moment ago
        session.rollback()


def removals(session: Session, access: GroupAccess) -> list[RemovalOut]:
    rows = session.exec(
        select(GroupRemoval, Account.handle)
        .where(GroupRemoval.group_id == access.group.id, GroupRemoval.account_id == Account.id)
        .order_by(col(GroupRemoval.removed_at), col(GroupRemoval.id))
    ).all()
    return [
        RemovalOut(removal_id=removal.id, handle=handle, removed_at=removal.removed_at)
        for removal, handle in rows
    ]


def lift_removal(session: Session, access: GroupAccess, removal_id: uuid.UUID) -> None:
    """The person may join again with the group's code."""
    removal = session.get(GroupRemoval, removal_id)
    if removal is None or removal.group_id != access.group.id:
        raise not_found("removal")
    session.delete(removal)
    session.commit()


# --- admins: groups left without a facilitator --------------------------------------------------


def _admin_view(session: Session, group: PeerGroup) -> AdminGroupOut:
    return AdminGroupOut(
        id=group.id,
        name=group.name,
        archived=group.archived_at is not None,
        facilitator_count=active_facilitators(session, group.id),
        member_count=_member_count(session, group.id),
    )


def admin_groups(session: Session) -> list[AdminGroupOut]:
    """Every group, with how many facilitators (with the role) and members it has."""
    groups = session.exec(select(PeerGroup).order_by(col(PeerGroup.name), col(PeerGroup.id))).all()
    return [_admin_view(session, group) for group in groups]


def assign_facilitator(
    runtime: Runtime, session: Session, group_id: uuid.UUID, handle: str
) -> AdminGroupOut:
    """Give a group left without a facilitator (with the role) a new one: an account with the
    facilitator or admin role. A member of it becomes its facilitator, and stops counting for its
    figures. Members see the new facilitator's handle, as they see every facilitator's. A group
    that has a facilitator is theirs to run (409): admins do not look inside groups at will."""
    group = session.get(PeerGroup, group_id)
    if group is None:
        raise not_found("group")
    if active_facilitators(session, group.id):
        raise AppError(
            409,
            "group-has-facilitator",
            "This group already has a facilitator. Only a group without one can be given one here.",
        )
    account = session.get(Account, account_by_handle(session, handle))
    assert account is not None
    if account.role not in FACILITATOR_ROLES:
        raise AppError(409, "not-a-facilitator", "Give this account the facilitator role first.")
    membership = _membership_of(session, group.id, account.id)
    if membership is None:
        session.add(
            Membership(
                group_id=group.id,
                account_id=account.id,
                kind="facilitator",
                joined_at=runtime.clock(),
            )
        )
    elif membership.kind == "member":
        _stop_counting(session, runtime, membership)
        membership.kind, membership.share_progress = "facilitator", False
        session.add(membership)
        session.flush()
        reach_out.close_open(session, group.id, account.id, runtime.clock())
    session.commit()
    return _admin_view(session, group)


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
        writer.add(seen_by_facilitator(access, member.id, "progress", now))
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
            what=entry.what,
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
            "show_handle": membership.show_handle,
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
        if active_facilitators(session, group_id) == 0:
            session.exec(
                update(Meeting).where(col(Meeting.group_id) == group_id).values(public=False)
            )


def export_group_days(_runtime: Runtime, session: Session, account_id: uuid.UUID) -> list[dict]:  # type: ignore[type-arg]
    """The days one's check-ins counted, or count, for each group's figures."""
    spans = session.exec(
        select(MembershipSpan)
        .where(MembershipSpan.account_id == account_id)
        .order_by(col(MembershipSpan.counts_from), col(MembershipSpan.id))
    ).all()
    return [
        {
            "group_id": str(span.group_id),
            "counts_from": span.counts_from.isoformat(),
            "counts_until": span.counts_until.isoformat() if span.counts_until else None,
            "joined_at": span.joined_at.isoformat(),
            "left_at": span.left_at.isoformat() if span.left_at else None,
        }
        for span in spans
    ]


def delete_group_days(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(MembershipSpan).where(col(MembershipSpan.account_id) == account_id))


def export_removals(_runtime: Runtime, session: Session, account_id: uuid.UUID) -> list[dict]:  # type: ignore[type-arg]
    """Groups whose facilitators removed one, until they lift it."""
    removals = session.exec(
        select(GroupRemoval)
        .where(GroupRemoval.account_id == account_id)
        .order_by(col(GroupRemoval.removed_at))
    ).all()
    return [
        {"group_id": str(removal.group_id), "removed_at": removal.removed_at.isoformat()}
        for removal in removals
    ]


def delete_removals(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(GroupRemoval).where(col(GroupRemoval.account_id) == account_id))


def delete_access_log(session: Session, account_id: uuid.UUID) -> None:
    """The member's own log goes; where the account read others' progress, the entries stay in
    those members' logs without naming it (the reference becomes empty)."""
    session.exec(delete(AccessLog).where(col(AccessLog.account_id) == account_id))
    session.exec(
        AccessLog.__table__.update()  # type: ignore[attr-defined]
        .where(AccessLog.__table__.c.facilitator_id == account_id)  # type: ignore[attr-defined]
        .values(facilitator_id=None)
    )
