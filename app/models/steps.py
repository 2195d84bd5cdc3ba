"""A member's place in the program's twelve steps."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary
from sqlmodel import Field, SQLModel

from app.models.base import utc_field


class StepProgress(SQLModel, table=True):
    __tablename__ = "step_progress"
    __table_args__ = (
        CheckConstraint("number BETWEEN 1 AND 12", name="number"),
        CheckConstraint("status IN ('not_started', 'working', 'done')", name="status"),
    )

    account_id: uuid.UUID = Field(foreign_key="account.id", ondelete="CASCADE", primary_key=True)
    number: int = Field(primary_key=True)
    status: str = Field(max_length=16)
    # Going back from done is normal; it is counted, never treated as a failure.
    revisits: int = 0
    note_sealed: bytes | None = Field(default=None, sa_type=LargeBinary)
    updated_at: datetime = utc_field()
