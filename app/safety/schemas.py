"""The shape of a member's safety plan: a few sections in their own words."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.core.schemas import StrictInput

Section = Annotated[str, Field(min_length=1, max_length=2000)] | None

SECTIONS = ("warning_signs", "what_helps", "safe_places", "people_and_numbers", "code_word")


class SafetyPlanIn(StrictInput):
    """The whole plan: a section left out or null is empty."""

    warning_signs: Section = Field(
        default=None, description="Signs that things are getting harder or less safe"
    )
    what_helps: Section = Field(default=None, description="What helps, and what I can do")
    safe_places: Section = Field(default=None, description="Places where I can be safe")
    people_and_numbers: Section = Field(default=None, description="People and numbers to remember")
    code_word: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="A word I can say or send that means I need help"
    )


class SafetyPlanOut(BaseModel):
    warning_signs: str | None
    what_helps: str | None
    safe_places: str | None
    people_and_numbers: str | None
    code_word: str | None
    updated_at: datetime | None = Field(description="Null until the plan is first saved")
