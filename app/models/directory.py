"""The resource directory's categories (seeded; extensible by admins)."""

import uuid

from sqlmodel import Field, SQLModel

from app.models.base import id_field


class Category(SQLModel, table=True):
    id: uuid.UUID = id_field()
    slug: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=80)
    description: str = Field(max_length=500)
