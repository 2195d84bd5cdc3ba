"""Shapes of the v1 resource directory (API contract §6)."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field, computed_field, field_validator, model_validator

from app.accounts.rules import timezone_problem
from app.core.i18n import N_, _, current_language
from app.core.schemas import StrictInput, never_null, partial
from app.resources.languages import language_code, language_name

Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
Status = Literal["active", "inactive", "defunct", "temporarily closed"]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Clock = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", examples=["09:00"])]
Language = Annotated[
    str,
    Field(
        min_length=2,
        max_length=3,
        examples=["es"],
        description="ISO 639-1 (`es`) or ISO 639-3 (`mam`, `quc`); stored as the shortest code",
    ),
]


class ScheduleIn(StrictInput):
    days: Annotated[list[Weekday], Field(min_length=1, max_length=7)]
    opens_at: Clock
    closes_at: Clock = Field(description="May be earlier than opens_at: open overnight.")
    description: Annotated[str, Field(max_length=500)] | None = None


class PhoneIn(StrictInput):
    number: Annotated[str, Field(min_length=1, max_length=40, examples=["1-888-373-7888"])]
    type: Literal["voice", "text", "fax", "cell", "video", "pager", "textphone"] = "voice"
    description: Annotated[str, Field(max_length=500)] | None = None


class AddressIn(StrictInput):
    address_1: Annotated[str, Field(min_length=1, max_length=200)]
    address_2: Annotated[str, Field(max_length=200)] | None = None
    city: Annotated[str, Field(min_length=1, max_length=100)]
    state_province: Annotated[str, Field(min_length=1, max_length=100)]
    postal_code: Annotated[str, Field(min_length=1, max_length=20)]
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "US"


# Declared once: ResourcePatch derives from it, and so does NEVER_NULL, the fields a change may
# not remove.
class ResourceIn(StrictInput):
    """A resource for the directory, as an admin adds it."""

    name: Annotated[str, Field(min_length=1, max_length=300)]
    description: Annotated[str, Field(max_length=5000)] | None = None
    categories: Annotated[list[Slug], Field(min_length=1, max_length=14)]
    organization: Annotated[str, Field(min_length=1, max_length=300)] | None = Field(
        default=None, description="The organization's name; created if new."
    )
    phones: Annotated[list[PhoneIn], Field(max_length=10)] | None = None
    url: Annotated[str, Field(max_length=500, pattern=r"^https?://\S+$")] | None = None
    email: Annotated[str, Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = (
        None
    )
    address: AddressIn | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lng: Annotated[float, Field(ge=-180, le=180)] | None = None
    timezone: Annotated[str, Field(max_length=64, examples=["America/Chicago"])] | None = None
    confidential: bool | None = None
    schedules: Annotated[list[ScheduleIn], Field(max_length=14)] | None = None
    open_24_7: bool | None = None
    languages: Annotated[list[Language], Field(max_length=20)] | None = None
    eligibility: Annotated[str, Field(max_length=2000)] | None = None
    fees: Annotated[str, Field(max_length=2000)] | None = None
    free: bool | None = None
    status: Status = "active"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and timezone_problem(value):
            raise ValueError(N_("Use an IANA time zone name such as America/Chicago."))
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        codes = [language_code(code) for code in value]
        unknown = [sent for sent, code in zip(value, codes, strict=True) if code is None]
        if unknown:
            raise ValueError(
                _("Not ISO 639 language codes: %(codes)s") % {"codes": ", ".join(unknown)}
            )
        return list(dict.fromkeys(code for code in codes if code))

    @model_validator(mode="after")
    def _both_coordinates(self) -> "ResourceIn":
        if (self.lat is None) != (self.lng is None):
            raise ValueError(N_("Give both lat and lng, or neither."))
        return self


NEVER_NULL = never_null(ResourceIn)
if TYPE_CHECKING:
    ResourcePatch = ResourceIn  # what type checkers see of the derived model
else:
    ResourcePatch = partial(
        ResourceIn, "ResourcePatch", "Only the fields sent change; `null` clears an optional field."
    )


class OrganizationRef(BaseModel):
    id: uuid.UUID
    name: str


class PhoneOut(BaseModel):
    number: str
    type: str | None
    description: str | None


class AddressOut(BaseModel):
    address_1: str
    address_2: str | None
    city: str
    state_province: str
    postal_code: str
    country: str


class ScheduleOut(BaseModel):
    days: list[str]
    opens_at: str
    closes_at: str
    description: str | None


class ResourceOut(BaseModel):
    """`language_names` name `languages` (same order) in the reader's language."""

    id: uuid.UUID
    name: str
    description: str
    categories: list[str]
    organization: OrganizationRef | None
    phones: list[PhoneOut]
    url: str | None
    email: str | None
    address: AddressOut | None = Field(description="Never given for a confidential location.")
    lat: float | None = Field(description="Never given for a confidential location.")
    lng: float | None
    confidential: bool
    timezone: str
    schedules: list[ScheduleOut]
    open_24_7: bool
    languages: list[str]
    eligibility: str | None
    fees: str | None
    free: bool
    status: str
    last_modified: datetime
    distance_km: float | None = Field(
        default=None, description="With lat/lng searches; whole km for confidential locations."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def language_names(self) -> list[str]:
        """The languages, named in the reader's language ("español" for a Spanish reader)."""
        return [language_name(code, current_language()) for code in self.languages]


class CategoryOut(BaseModel):
    slug: str
    name: str
    description: str
    count: int = Field(description="Active resources in this category")
