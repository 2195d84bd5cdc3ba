"""Bodies and answers of the groups API (contract §7)."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import StrictInput

GroupName = Field(min_length=1, max_length=100)


class GroupIn(StrictInput):
    name: str = GroupName
    description: str | None = Field(default=None, max_length=500)


class JoinIn(StrictInput):
    invite_code: str = Field(min_length=1, max_length=64)
    share_progress: bool = False


class MembershipPatch(StrictInput):
    share_progress: bool


class PersonOut(BaseModel):
    handle: str


class MyMembershipOut(BaseModel):
    membership_id: uuid.UUID
    kind: Literal["member", "facilitator"]
    share_progress: bool
    joined_at: datetime


class GroupSummaryOut(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None
    membership: MyMembershipOut


class GroupOut(GroupSummaryOut):
    created_at: datetime
    facilitators: list[PersonOut]
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


class AccessLogEntryOut(BaseModel):
    read_at: datetime
    group_id: uuid.UUID | None
    group_name: str | None
    facilitator_handle: str | None


class NeedCount(BaseModel):
    category: str
    count: int


class WeekFigures(BaseModel):
    week_start: date
    active_members: int | None
    checkin_days: int | None
    mean_mood: float | None
    mean_craving: float | None


class AggregateOut(BaseModel):
    group_id: uuid.UUID
    days: int
    as_of: date
    member_count: int
    k: int
    active_members: int | None
    checkin_rate: float | None
    members_on_track: int | None
    members_lapsed: int | None
    members_away: int | None
    returns_in_window: int | None
    median_days_on_track: float | None
    mean_mood: float | None
    mean_craving: float | None
    top_needs: list[NeedCount]
    weekly: list[WeekFigures]
    suppressed: list[str]
