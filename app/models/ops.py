"""Operational tables: throttle counters shared by every process, and service metadata."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from app.models.base import utc_field


class Throttle(SQLModel, table=True):
    # HMAC of scope and subject (a handle or an address): counted, never stored readable.
    key: str = Field(max_length=64, primary_key=True)
    failures: int = 0
    last_failure_at: datetime = utc_field(index=True)
    blocked_until: datetime | None = utc_field(nullable=True)
    # Seconds blocked on `blocked_day` (UTC), for rules with a daily cap.
    blocked_day: date | None = None
    blocked_seconds: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class AppMeta(SQLModel, table=True):
    __tablename__ = "app_meta"

    name: str = Field(max_length=64, primary_key=True)
    value: str = Field(max_length=255)
