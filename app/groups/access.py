"""Who may do what in a group. Deny by default.

A group is invisible (404, the same answer as for an id that does not exist) to anyone outside
it. Inside, facilitator actions need both the facilitator role and a facilitator membership of
this very group; a member gets 403. Routes for facilitators also require the role up front, so a
member gets the same 403 for any group id and learns nothing about which ids exist.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends
from sqlmodel import Session, col, select

from app.accounts.deps import Caller, CurrentCaller, require_role
from app.core.db import SessionDep
from app.core.errors import AppError, not_found
from app.core.openapi import problem_responses
from app.models import AccessLog, Account, Membership, PeerGroup

FACILITATOR_ROLES = ("facilitator", "admin")
# The problems a route for anyone in the group, or for its facilitators, can answer with.
IN_GROUP = problem_responses(401, 404, 422)
FACILITATOR = problem_responses(401, 403, 404, 422)


def facilitators_with_role(group_id: Any) -> Any:
    """The facilitator places of a group (an id, or a column to correlate with) whose account
    still has a facilitator's role: the ones who look after it."""
    return select(Membership.id).where(
        Membership.group_id == group_id,
        Membership.kind == "facilitator",
        Membership.account_id == Account.id,
        col(Account.role).in_(FACILITATOR_ROLES),
    )


@dataclass(frozen=True)
class GroupAccess:
    caller: Caller
    group: PeerGroup
    membership: Membership

    @property
    def facilitates(self) -> bool:
        return (
            self.membership.kind == "facilitator" and self.caller.account.role in FACILITATOR_ROLES
        )


def find_access(session: Session, caller: Caller, group_id: uuid.UUID) -> GroupAccess:
    found = session.exec(
        select(PeerGroup, Membership).where(
            PeerGroup.id == group_id,
            Membership.group_id == PeerGroup.id,
            Membership.account_id == caller.account.id,
        )
    ).first()
    if found is None:
        raise not_found("group")
    group, membership = found
    return GroupAccess(caller, group, membership)


def in_group(group_id: uuid.UUID, caller: CurrentCaller, session: SessionDep) -> GroupAccess:
    """A member or facilitator of the group."""
    return find_access(session, caller, group_id)


def facilitating(
    group_id: uuid.UUID,
    caller: Annotated[Caller, Depends(require_role(*FACILITATOR_ROLES))],
    session: SessionDep,
) -> GroupAccess:
    """A facilitator of this group."""
    access = find_access(session, caller, group_id)
    if not access.facilitates:
        raise AppError(403, "forbidden", "Only the group's facilitators can do this.")
    return access


InGroup = Annotated[GroupAccess, Depends(in_group)]
Facilitating = Annotated[GroupAccess, Depends(facilitating)]


def seen_by_facilitator(
    access: GroupAccess, member_id: uuid.UUID, what: str, now: datetime
) -> AccessLog:
    """The entry in a member's access log for what this group's facilitator read or did of
    theirs (their shared progress, their request to be reached)."""
    return AccessLog(
        account_id=member_id,
        group_id=access.group.id,
        facilitator_id=access.caller.account.id,
        read_at=now,
        what=what,
    )
