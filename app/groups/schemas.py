"""Bodies and answers of the groups API (contract §7)."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from app.core.i18n import N_
from app.core.schemas import StrictInput

GroupName = Field(min_length=1, max_length=100)


class GroupIn(StrictInput):
    name: str = GroupName
    description: str | None = Field(default=None, max_length=500)


# At least one field; null only where a value can be removed (the schema says so too).
SOME_FIELD = ConfigDict(json_schema_extra={"minProperties": 1})


class GroupPatch(StrictInput):
    """Only the fields sent change."""

    model_config = SOME_FIELD

    name: Annotated[str, Field(min_length=1, max_length=100)] | SkipJsonSchema[None] = None
    description: str | None = Field(default=None, max_length=500)
    archived: bool | SkipJsonSchema[None] = Field(
        default=None,
        description="True: no one new can join and its meetings leave the public feed; members "
        "and their data stay. False: open again.",
    )

    @model_validator(mode="after")
    def _something(self) -> "GroupPatch":
        if not self.model_fields_set:
            raise ValueError(N_("Send at least one of name, description, archived."))
        for name in ("name", "archived"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null.")
        return self


class JoinIn(StrictInput):
    invite_code: str = Field(min_length=1, max_length=64)
    share_progress: bool = False
    show_handle: bool = Field(
        default=False, description="Let the group's other members see my handle"
    )


class MembershipPatch(StrictInput):
    """Only the choices sent change."""

    model_config = SOME_FIELD

    share_progress: bool | SkipJsonSchema[None] = None
    show_handle: bool | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _something(self) -> "MembershipPatch":
        if not self.model_fields_set:
            raise ValueError(N_("Send share_progress, show_handle or both, as true or false."))
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} is true or false.")
        return self


class PersonOut(BaseModel):
    handle: str


class MyMembershipOut(BaseModel):
    membership_id: uuid.UUID
    kind: Literal["member", "facilitator"]
    share_progress: bool
    show_handle: bool
    joined_at: datetime


class GroupSummaryOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    archived: bool
    membership: MyMembershipOut


class GroupOut(GroupSummaryOut):
    created_at: datetime
    facilitators: list[PersonOut]
    member_count: int
    # Facilitators see every member; members see those who chose to show their handle.
    members: list[PersonOut]
    # Only facilitators of the group see it.
    invite_code: str | None = None


class InviteCodeOut(BaseModel):
    invite_code: str


class MemberOut(BaseModel):
    membership_id: uuid.UUID
    handle: str
    joined_at: datetime
    share_progress: bool
    show_handle: bool


class RemovalOut(BaseModel):
    removal_id: uuid.UUID
    handle: str
    removed_at: datetime


class HandleIn(StrictInput):
    handle: str = Field(min_length=1, max_length=64)


class AdminGroupOut(BaseModel):
    """What an admin sees of a group: enough to give it a facilitator, nothing of its members."""

    id: uuid.UUID
    name: str
    archived: bool
    facilitator_count: int
    member_count: int


AccessKind = Literal["progress", "reach_out_request", "reach_out_read", "reach_out_answered"]


class AccessLogEntryOut(BaseModel):
    read_at: datetime = Field(description="When it happened")
    group_id: uuid.UUID | None
    group_name: str | None
    facilitator_handle: str | None = Field(
        description="Who read or answered; null for my own request, or once that account is gone"
    )
    what: AccessKind = Field(
        description="progress: a facilitator read my shared progress. reach_out_request: I asked "
        "to be reached. reach_out_read: a facilitator read my request. reach_out_answered: a "
        "facilitator marked it answered."
    )


# --- asking a facilitator to reach out --------------------------------------------------------

ReachOutMessage = Annotated[str, Field(min_length=1, max_length=500)]
ReachOutStatus = Literal["open", "answered", "withdrawn"]


class ReachOutIn(StrictInput):
    message: ReachOutMessage | None = Field(
        default=None,
        description="A few words for the group's facilitators, if I want (up to 500 characters). "
        "Only they read it, while the request is open.",
    )


class ReachOutOut(BaseModel):
    """My request to be reached, as I see it."""

    id: uuid.UUID
    group_id: uuid.UUID
    group_name: str
    status: ReachOutStatus = Field(
        description="open: the facilitators see it. answered: a facilitator marked it answered. "
        "withdrawn: I took it back, or I left the group or was removed from it."
    )
    message: str | None = Field(description="Null when I wrote none, or once withdrawn")
    created_at: datetime
    answered_at: datetime | None
    withdrawn_at: datetime | None


class OpenReachOutOut(BaseModel):
    """An open request, as the group's facilitators see it: the member asked to be reached, so
    their handle is shown whatever they chose for other members."""

    id: uuid.UUID
    handle: str
    message: str | None
    created_at: datetime


class Estimate(BaseModel):
    """A figure with noise added, and a range that holds the true value about 90 % of the time."""

    value: float
    low: float
    high: float


class NeedCount(BaseModel):
    category: str
    count: Estimate


class WeekFigures(BaseModel):
    week_start: date
    member_count: int
    released: bool
    active_members: Estimate | None
    members_on_track: Estimate | None
    members_lapsed: Estimate | None
    members_away: Estimate | None
    checkin_rate: Estimate | None
    mean_mood: Estimate | None
    mean_craving: Estimate | None


class AggregateOut(BaseModel):
    group_id: uuid.UUID
    days: int
    weeks: int = Field(description="The whole weeks the window is read from")
    since: date = Field(description="The window's first day, a Monday")
    as_of: date = Field(description="The window's last day: the Sunday of the latest closed week")
    released_at: datetime | None = Field(
        description="When the newest week in the window was released (null: none was)"
    )
    k: int = Field(description="The fewest members a week needs before it is released")
    epsilon: float = Field(description="The privacy spent on each weekly release")
    member_count: int = Field(description="Members whose check-ins counted in the last week")
    released: bool = Field(
        description="False when the last week had fewer than k members: then no figure is shown"
    )
    active_members: Estimate | None
    checkin_rate: Estimate | None
    members_on_track: Estimate | None
    members_lapsed: Estimate | None
    members_away: Estimate | None
    returns_in_window: Estimate | None
    mean_mood: Estimate | None
    mean_craving: Estimate | None
    top_needs: list[NeedCount]
    weekly: list[WeekFigures]
