"""Operational tables: throttle counters shared by every process, and service metadata."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import utc_field


class Throttle(SQLModel, table=True):
    # HMAC of scope and subject (a handle or an address): counted, never stored readable.
    key: str = Field(max_length=64, primary_key=True)
    failures: int = 0
    last_failure_at: datetime = utc_field(index=True)
    blocked_until: datetime | None = utc_field(nullable=True)


class AppMeta(SQLModel, table=True):
    __tablename__ = "app_meta"

    name: str = Field(max_length=64, primary_key=True)
    value: str = Field(max_length=255)
