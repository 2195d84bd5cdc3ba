"""Metadata conventions and column helpers shared by every table."""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime

# Named constraints let Alembic's batch mode rebuild SQLite tables and drop constraints by name.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def id_field() -> Any:
    return Field(default_factory=uuid.uuid4, primary_key=True)


def utc_field(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, index=index)


def owner_field() -> Any:
    """The owning account; rows go with it (the delete service also removes them explicitly)."""
    return Field(foreign_key="account.id", ondelete="CASCADE", index=True)


__all__ = ["SQLModel", "datetime", "id_field", "owner_field", "utc_field"]
