"""Peer groups: who belongs, who facilitates, who shares, who looked, and their meetings."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, LargeBinary, SmallInteger, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from app.models.base import id_field, owner_field, utc_field


class PeerGroup(SQLModel, table=True):
    __tablename__ = "peer_group"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=100)
    description: str | None = Field(default=None, max_length=500)
    # The invite code: sealed (facilitators read it back) and keyed by an HMAC for joining.
    invite_code_sealed: bytes = Field(sa_type=LargeBinary)
    invite_code_key: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_field()
    # An archived group keeps its members and their data; its code and meetings stop working.
    archived_at: datetime | None = utc_field(nullable=True)


class Membership(SQLModel, table=True):
    """An account in a group, as a member or as one of its facilitators. `share_progress` is the
    member's consent to facilitators reading their journey, revocable at any moment."""

    __table_args__ = (
        UniqueConstraint("group_id", "account_id", name="uq_membership_group_account"),
        CheckConstraint("kind IN ('member', 'facilitator')", name="kind"),
    )

    id: uuid.UUID = id_field()
    group_id: uuid.UUID = Field(foreign_key="peer_group.id", ondelete="CASCADE", index=True)
    account_id: uuid.UUID = owner_field()
    kind: str = Field(default="member", max_length=16)
    share_progress: bool = False
    # The member's choice to let other members see their handle (facilitators always do).
    show_handle: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    joined_at: datetime = utc_field()


class MembershipSpan(SQLModel, table=True):
    """When a member's check-ins count for a group's figures. Days: from the second day after they
    joined to the second day before they left or were removed, UTC, so that in every time zone
    the joining and leaving days are outside, and the edges say nothing of where they live. And
    only check-ins written while they were in the group (a day filled in after leaving, or before
    joining, never counts). Kept after leaving, so later figures of weeks they were in agree."""

    __tablename__ = "membership_span"

    id: uuid.UUID = id_field()
    group_id: uuid.UUID = Field(foreign_key="peer_group.id", ondelete="CASCADE", index=True)
    account_id: uuid.UUID = owner_field()
    counts_from: date
    counts_until: date | None = None
    joined_at: datetime = utc_field()
    left_at: datetime | None = utc_field(nullable=True)


class GroupRemoval(SQLModel, table=True):
    """A member a facilitator removed: the invite code does not let them back in until a
    facilitator lifts it."""

    __tablename__ = "group_removal"
    __table_args__ = (UniqueConstraint("group_id", "account_id", name="uq_group_removal_group"),)

    id: uuid.UUID = id_field()
    group_id: uuid.UUID = Field(foreign_key="peer_group.id", ondelete="CASCADE", index=True)
    account_id: uuid.UUID = owner_field()
    removed_at: datetime = utc_field()


class AggregateRelease(SQLModel, table=True):
    """One closed week of a group, released once with differential privacy and served from here
    ever after: reading again never draws new noise nor spends more privacy."""

    __tablename__ = "aggregate_release"

    group_id: uuid.UUID = Field(foreign_key="peer_group.id", ondelete="CASCADE", primary_key=True)
    week_start: date = Field(primary_key=True)
    figures: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    released_at: datetime = utc_field()


# What an access-log entry records: a facilitator read the member's shared progress; the member
# asked to be reached; a facilitator read that request; a facilitator marked it answered.
ACCESS_KINDS = ("progress", "reach_out_request", "reach_out_read", "reach_out_answered")


class AccessLog(SQLModel, table=True):
    """Each time a facilitator read a member's shared progress or their request to be reached,
    and each request the member made: the member's own record.

    The group and the facilitator are references, not copies, so deleting either account leaves
    nothing of it behind in the other's data."""

    __tablename__ = "access_log"
    __table_args__ = (
        CheckConstraint(
            "what IN (" + ", ".join(f"'{kind}'" for kind in ACCESS_KINDS) + ")", name="what"
        ),
    )

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = owner_field()
    group_id: uuid.UUID | None = Field(
        default=None, foreign_key="peer_group.id", ondelete="SET NULL", index=True
    )
    facilitator_id: uuid.UUID | None = Field(
        default=None, foreign_key="account.id", ondelete="SET NULL", index=True
    )
    read_at: datetime = utc_field()
    what: str = Field(
        default="progress", max_length=32, sa_column_kwargs={"server_default": "progress"}
    )


class ReachOutRequest(SQLModel, table=True):
    """A member asking a facilitator of their group to reach out. Only the member's own request
    makes one: nothing else does, and nobody is notified; facilitators see open ones when they
    look. At most one is open per member and group (the service holds the member's account row
    while it checks).

    Withdrawing keeps the row as the member's own record but empties the message: it was written
    for the facilitators, and nobody needs it once the request is taken back."""

    __tablename__ = "reach_out_request"

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = owner_field()
    group_id: uuid.UUID = Field(foreign_key="peer_group.id", ondelete="CASCADE", index=True)
    # The member's words, sealed with their data key; null when they wrote none or withdrew.
    message_sealed: bytes | None = Field(default=None, sa_type=LargeBinary)
    created_at: datetime = utc_field()
    answered_at: datetime | None = utc_field(nullable=True)
    answered_by: uuid.UUID | None = Field(
        default=None, foreign_key="account.id", ondelete="SET NULL", index=True
    )
    withdrawn_at: datetime | None = utc_field(nullable=True)


class Meeting(SQLModel, table=True):
    """A weekly meeting of a group; public ones are published in the Meeting Guide feed."""

    __table_args__ = (CheckConstraint("day BETWEEN 0 AND 6", name="day"),)

    id: uuid.UUID = id_field()
    group_id: uuid.UUID = Field(foreign_key="peer_group.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=128)
    # Meeting Guide's primary key: made once from the name, kept through renames.
    slug: str = Field(max_length=64, unique=True)
    day: int = Field(sa_type=SmallInteger)  # 0 is Sunday, as in Meeting Guide
    time: str = Field(max_length=5)
    end_time: str | None = Field(default=None, max_length=5)
    timezone: str = Field(max_length=64)
    online: bool = False
    conference_url: str | None = Field(default=None, max_length=500)
    conference_phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)
    approximate: bool = False
    public: bool = Field(default=False, index=True)
    types: list[str] = Field(default_factory=list, sa_type=JSON)
    updated_at: datetime = utc_field()
