"""Shapes of check-ins, tracks and the support block."""

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.i18n import N_
from app.core.schemas import StrictInput
from app.progress.schemas import TrackSlug
from app.resources.crisis import CrisisLineOut

NOTE_MAX = 4000
TRIGGERS_MAX = 10
TRIGGER_MAX_LENGTH = 40

LapseLevel = Literal["none", "some", "heavy"]
CategorySlug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", examples=["shelter"])]
Trigger = Annotated[str, Field(min_length=1, max_length=TRIGGER_MAX_LENGTH, examples=["payday"])]


class _Day(StrictInput):
    """The fields of a day, but lapses (whose levels a PUT and a PATCH spell differently)."""

    mood: Annotated[int, Field(ge=1, le=5)] | None = None
    craving: Annotated[int, Field(ge=0, le=10)] | None = None
    difficulty: Annotated[int, Field(ge=1, le=5)] | None = None
    safe: bool | None = None
    attended_meeting: bool | None = None
    reached_out: bool | None = None
    needs: Annotated[list[CategorySlug], Field(max_length=20)] | None = None
    triggers: Annotated[list[Trigger], Field(max_length=TRIGGERS_MAX)] | None = None
    note: Annotated[str, Field(min_length=1, max_length=NOTE_MAX)] | None = None


class CheckinIn(_Day):
    """Every field is optional, but at least one must be given. A PUT replaces the whole day."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    lapses: dict[TrackSlug, LapseLevel] | None = Field(
        default=None, examples=[{"substances": "none", "the-life": "some"}]
    )

    @model_validator(mode="after")
    def _something_to_say(self) -> "CheckinIn":
        if all(value is None for value in self.model_dump().values()):
            raise ValueError(N_("A check-in needs at least one field."))
        return self


class CheckinPatch(_Day):
    """A JSON Merge Patch (RFC 7396) of a day: a field left out keeps its value, `null` clears it,
    and `lapses` merges track by track (`{"the-life": null}` clears that track's entry). The day
    must still say something afterwards."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    lapses: dict[TrackSlug, LapseLevel | None] | None = Field(
        default=None, examples=[{"the-life": "some"}]
    )

    @model_validator(mode="after")
    def _something_to_change(self) -> "CheckinPatch":
        if not self.model_fields_set:
            raise ValueError(N_("A patch names at least one field to change."))
        return self


class CheckinOut(BaseModel):
    date: dt.date
    mood: int | None
    craving: int | None
    difficulty: int | None
    safe: bool | None
    lapses: dict[str, LapseLevel]
    attended_meeting: bool | None
    reached_out: bool | None
    needs: list[str]
    triggers: list[str]
    note: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ResourcePointer(BaseModel):
    category: str
    name: str
    description: str
    search_url: str = Field(description="Directory search for this kind of help (no login).")


class Support(BaseModel):
    """Shown when a check-in says the member is unsafe, lapsed heavily or craves strongly. It
    is only shown to the member: nothing is ever sent to anyone because of a check-in."""

    message: str
    crisis_lines: list[CrisisLineOut]
    resources: list[ResourcePointer]


class CheckinWritten(CheckinOut):
    support: Support | None


def checkin_example() -> dict[str, Any]:
    return {
        "mood": 3,
        "craving": 4,
        "safe": True,
        "lapses": {"substances": "none", "the-life": "none"},
        "attended_meeting": True,
        "needs": ["daycare"],
        "triggers": ["payday"],
        "note": "Hard morning, better after the meeting.",
    }
