"""Meetings of a group (contract §8), in the shape of the Meeting Guide feed's fields."""

import json
import uuid
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from app.accounts.schemas import check_timezone
from app.core.schemas import StrictInput, never_null, partial

TYPES_PATH = Path(__file__).parent / "meeting_types.json"
CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


@lru_cache(maxsize=1)
def meeting_types() -> dict[str, Any]:
    """The Meeting Guide's reserved type codes (code -> labels by language)."""
    types: dict[str, Any] = json.loads(TYPES_PATH.read_text(encoding="utf-8"))
    return types


def known_types(codes: list[str]) -> list[str]:
    unknown = [code for code in codes if code not in meeting_types()]
    if unknown:
        raise PydanticCustomError(
            "meeting_type",
            "Unknown Meeting Guide type code: {codes}.",
            {"codes": ", ".join(unknown)},
        )
    if len(set(codes)) != len(codes):
        raise PydanticCustomError("meeting_type", "A type code appears twice.")
    return codes


Clock = Annotated[str, Field(pattern=CLOCK, examples=["18:30"])]
ConferenceUrl = Annotated[str, Field(max_length=500, pattern=r"^https?://[^\s]+$")]
ConferencePhone = Annotated[str, Field(max_length=40, pattern=r"^\+?[0-9][0-9,*#]{2,39}$")]


class _Meeting(BaseModel):
    """A meeting's fields as clients send and read them, declared once: names, types, limits and
    defaults. The request bodies and the answer derive from it, and so do the fields a meeting
    stores (`FIELDS`) and those a change may not remove (`NEVER_NULL`)."""

    name: Annotated[str, Field(min_length=1, max_length=128)]
    day: Annotated[int, Field(ge=0, le=6, description="0 is Sunday, 6 is Saturday")]
    time: Clock
    end_time: Clock | None = None
    timezone: Annotated[str, Field(max_length=64, examples=["America/Chicago"])]
    online: bool = False
    conference_url: ConferenceUrl | None = None
    conference_phone: ConferencePhone | None = None
    address: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    approximate: bool = False
    public: bool = False
    types: Annotated[list[str], Field(max_length=20)] = Field(default_factory=list)


FIELDS = tuple(_Meeting.model_fields)
NEVER_NULL = never_null(_Meeting)


class MeetingIn(StrictInput, _Meeting):
    """A weekly meeting: in person with its exact address, or online with a way to join."""

    # Checked on the way in only: the tz database and the type codes can change under stored
    # meetings, and those must stay readable.
    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)

    @field_validator("types")
    @classmethod
    def _known_types(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else known_types(value)


if TYPE_CHECKING:
    MeetingPatch = MeetingIn  # what type checkers see of the derived model
else:
    MeetingPatch = partial(
        MeetingIn,
        "MeetingPatch",
        "Only the fields sent change; the result must still be a whole meeting.",
    )


class MeetingOut(_Meeting):
    # Every field is always in the answer, defaults or not.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: uuid.UUID
    group_id: uuid.UUID
    slug: str
    updated_at: datetime


def check_meeting(fields: dict[str, Any]) -> None:
    """What a meeting needs as a whole, beyond each field's own rules."""
    if fields.get("end_time") is not None and fields["end_time"] == fields.get("time"):
        raise PydanticCustomError("meeting", "end_time must differ from time.")
    if fields.get("online"):
        if not (fields.get("conference_url") or fields.get("conference_phone")):
            raise PydanticCustomError(
                "meeting", "An online meeting needs a conference_url or a conference_phone."
            )
    else:
        if not fields.get("address"):
            raise PydanticCustomError("meeting", "An in-person meeting needs its address.")
        if fields.get("approximate"):
            raise PydanticCustomError(
                "meeting", "An in-person meeting needs its exact address (approximate: false)."
            )
