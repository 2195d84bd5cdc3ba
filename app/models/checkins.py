"""Daily check-ins and the tracks they report on."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, LargeBinary, SmallInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import id_field, owner_field, utc_field

# What a track can be about; the support block orders its lines by it.
TRACK_KINDS = ("the-life", "substances", "alcohol", "gambling", "other")


class Track(SQLModel, table=True):
    """Something a member keeps track of (`substances`, `the-life`…). A removed track keeps its
    row (removed_at set) so past check-ins that mention it keep their meaning."""

    __table_args__ = (
        UniqueConstraint("account_id", "slug", name="uq_track_account_slug"),
        CheckConstraint(f"kind IN ({', '.join(repr(kind) for kind in TRACK_KINDS)})", name="kind"),
    )

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = owner_field()
    slug: str = Field(max_length=40)
    # The member's own words: sealed with their data key in label_sealed. `label` is empty but
    # for rows written before labels were sealed, until `waymark migrate` seals them.
    label: str = Field(default="", max_length=60)
    label_sealed: bytes | None = Field(default=None, sa_type=LargeBinary)
    position: int = 0
    removed_at: datetime | None = utc_field(nullable=True)
    # What the track is about, which tells the support block whom to list first.
    kind: str = Field(default="other", max_length=20)


class Checkin(SQLModel, table=True):
    """One per member per local calendar day. `note` and `triggers` are stored only encrypted."""

    __table_args__ = (UniqueConstraint("account_id", "day", name="uq_checkin_account_day"),)

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = Field(foreign_key="account.id", ondelete="CASCADE")
    day: date
    mood: int | None = Field(default=None, sa_type=SmallInteger)
    craving: int | None = Field(default=None, sa_type=SmallInteger)
    difficulty: int | None = Field(default=None, sa_type=SmallInteger)
    safe: bool | None = None
    attended_meeting: bool | None = None
    reached_out: bool | None = None
    # {track_slug: "none" | "some" | "heavy"}
    lapses: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    # Category slugs, kept readable: group figures count unmet needs (with noise).
    needs: list[str] = Field(default_factory=list, sa_type=JSON)
    triggers_sealed: bytes | None = Field(default=None, sa_type=LargeBinary)
    note_sealed: bytes | None = Field(default=None, sa_type=LargeBinary)
    # Random per write, so a stale tag can never match a later version or a re-created day.
    etag: str = Field(max_length=32)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class ProgressSummary(SQLModel, table=True):
    """A member's whole history folded (app/progress/engine.py `Summary`), kept up to date on
    every check-in write, so that the member's progress never reads their whole history."""

    __tablename__ = "progress_summary"

    account_id: uuid.UUID = Field(foreign_key="account.id", ondelete="CASCADE", primary_key=True)
    last_checkin: date | None = None
    last_is_lapse: bool = False
    days_on_track_total: int = 0
    # The days each return began (episodes after the first), ISO dates.
    return_days: list[str] = Field(default_factory=list, sa_type=JSON)
    first_checkin: date | None = None
    checkin_days_total: int = 0
    # [[start, end, ended_by, days_to_return, returned_after], ...], dates in ISO form.
    episodes: list[list[object]] = Field(default_factory=list, sa_type=JSON)
    # {track_slug: [free days, lapse days, heavy days]}
    track_totals: dict[str, list[int]] = Field(default_factory=dict, sa_type=JSON)
    # {track_slug: that track's own journey folded: last and first check-in on it, episodes}
    tracks: dict[str, dict[str, Any]] = Field(default_factory=dict, sa_type=JSON)
    # A summary folded under other rules (an older engine, another absence setting) is rebuilt
    # by `waymark migrate` and not trusted until then.
    fold_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    absence_days: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    updated_at: datetime = utc_field()
