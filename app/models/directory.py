"""The resource directory's categories (seeded; extensible by admins)."""

import uuid
from datetime import date

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from app.models.base import id_field


class Category(SQLModel, table=True):
    id: uuid.UUID = id_field()
    slug: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=80)
    description: str = Field(max_length=500)


class CrisisLine(SQLModel, table=True):
    """National lines that answer around the clock (seeded; each keeps its source and date)."""

    __tablename__ = "crisis_line"

    id: uuid.UUID = id_field()
    name: str = Field(max_length=120, unique=True)
    country: str = Field(max_length=2)
    phone: str = Field(max_length=40)
    tty: str | None = Field(default=None, max_length=40)
    text_number: str | None = Field(default=None, max_length=20)
    text_message: str | None = Field(default=None, max_length=80)
    chat_url: str | None = Field(default=None, max_length=300)
    hours: str = Field(max_length=40)
    languages: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=500)
    categories: list[str] = Field(default_factory=list, sa_type=JSON)
    source_url: str = Field(max_length=300)
    verified_on: date
