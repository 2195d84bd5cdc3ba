"""A member's own safety plan: sealed with their data key, never shown to anyone else."""

import uuid
from datetime import datetime

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from app.models.base import utc_field


class SafetyPlan(SQLModel, table=True):
    __tablename__ = "safety_plan"

    account_id: uuid.UUID = Field(foreign_key="account.id", ondelete="CASCADE", primary_key=True)
    # Every section together, as one sealed JSON object: not even which sections are filled in
    # can be read from the database.
    plan_sealed: bytes = Field(sa_type=LargeBinary)
    updated_at: datetime = utc_field()
