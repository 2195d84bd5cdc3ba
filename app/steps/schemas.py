"""Shapes of the program's steps and a member's progress through them."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.core.schemas import StrictInput

StepStatus = Literal["not_started", "working", "done"]


class StepOut(BaseModel):
    number: int
    title: str
    summary: str


class StepIn(StrictInput):
    status: StepStatus
    note: Annotated[str, Field(min_length=1, max_length=4000)] | None = Field(
        default=None,
        description="Private, stored encrypted. Leave it out to keep the note; null removes it.",
    )


class MyStepOut(BaseModel):
    number: int
    status: StepStatus
    revisits: int = Field(description="Times the step went back from done: normal, not a failure")
    note: str | None
    updated_at: datetime | None
