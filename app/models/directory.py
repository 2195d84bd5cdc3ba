"""The resource directory, shaped after Open Referral HSDS 3.x.

Each service keeps its full HSDS document (the source of truth, so exports round-trip exactly);
the columns beside it are projections for search: text, a search point, categories, languages and
weekly opening hours. A confidential service's search point is the centre of a coarse grid cell,
never its real location (docs/integrators.md says how coarse and why).
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, SmallInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import id_field, utc_field


class Taxonomy(SQLModel, table=True):
    id: uuid.UUID = id_field()
    name: str = Field(max_length=200)
    description: str = Field(sa_type=Text)
    uri: str | None = Field(default=None, max_length=500)
    version: str | None = Field(default=None, max_length=50)


class TaxonomyTerm(SQLModel, table=True):
    """A term of any taxonomy. Waymark's categories are the terms of its own taxonomy."""

    __tablename__ = "taxonomy_term"
    __table_args__ = (UniqueConstraint("taxonomy_id", "code", name="uq_taxonomy_term_code"),)

    id: uuid.UUID = id_field()
    taxonomy_id: uuid.UUID | None = Field(
        default=None, foreign_key="taxonomy.id", ondelete="CASCADE", index=True
    )
    code: str | None = Field(default=None, max_length=100)
    name: str = Field(max_length=200)
    description: str = Field(sa_type=Text)
    parent_id: uuid.UUID | None = Field(default=None, index=True)
    language: str | None = Field(default=None, max_length=20)
    term_uri: str | None = Field(default=None, max_length=500)


class Organization(SQLModel, table=True):
    id: uuid.UUID = id_field()
    name: str = Field(max_length=300)
    # The HSDS organization without nested services or locations.
    document: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    last_modified: datetime = utc_field()


class Service(SQLModel, table=True):
    __table_args__ = (Index("ix_service_search_point", "search_lat", "search_lng"),)

    id: uuid.UUID = id_field()
    organization_id: uuid.UUID | None = Field(
        default=None, foreign_key="organization.id", ondelete="SET NULL", index=True
    )
    name: str = Field(max_length=300, index=True)
    status: str = Field(max_length=32)
    confidential: bool = False
    free: bool = False
    open_24_7: bool = False
    timezone: str = Field(default="UTC", max_length=64, index=True)
    # Where searches by distance find it: exact, or a coarse cell centre when confidential.
    search_lat: float | None = Field(default=None, sa_type=Float)
    search_lng: float | None = Field(default=None, sa_type=Float)
    # True when the search point is coarse: the service is confidential, or its first location is
    # used by a confidential service (an HSDS import may share a location between services).
    location_hidden: bool = False
    search_text: str = Field(default="", sa_type=Text)
    # The age range served (HSDS minimum_age, maximum_age), for the UK-profile age filters.
    minimum_age: float | None = Field(default=None, sa_type=Float)
    maximum_age: float | None = Field(default=None, sa_type=Float)
    # The full HSDS service (organization referenced by organization_id, not nested).
    document: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    last_modified: datetime = utc_field(index=True)
    # A tombstone: deleted services stay as an id and a date, for `modified_after` syncs.
    deleted_at: datetime | None = utc_field(nullable=True)


class ServiceAtLocation(SQLModel, table=True):
    """One entry of a service's `service_at_locations`, projected for the HSDS
    service_at_locations endpoints and for secrecy: a location that any confidential service uses
    is hidden for every service that uses it (its address, coordinates and postcode)."""

    __tablename__ = "service_at_location"
    __table_args__ = (Index("ix_service_at_location_point", "search_lat", "search_lng"),)

    service_id: uuid.UUID = Field(foreign_key="service.id", ondelete="CASCADE", primary_key=True)
    position: int = Field(primary_key=True, sa_type=Integer)
    id: uuid.UUID = Field(index=True)
    location_id: uuid.UUID | None = Field(default=None, index=True)
    confidential: bool = False  # the service's own flag: what makes a location hidden
    hidden: bool = False
    # Kept only for locations that are not hidden: a secret place is never found by postcode.
    postcode: str | None = Field(default=None, max_length=32, index=True)
    search_lat: float | None = Field(default=None, sa_type=Float)
    search_lng: float | None = Field(default=None, sa_type=Float)


class SecretLocation(SQLModel, table=True):
    """A location some confidential service has used. It stays secret for every service and
    organization that names it, for good: deleting the shelter's listing, or moving it, must not
    publish the address it had."""

    __tablename__ = "secret_location"

    location_id: uuid.UUID = Field(primary_key=True)
    since: datetime = utc_field()


class ServiceTerm(SQLModel, table=True):
    __tablename__ = "service_term"

    service_id: uuid.UUID = Field(foreign_key="service.id", ondelete="CASCADE", primary_key=True)
    term_id: uuid.UUID = Field(
        foreign_key="taxonomy_term.id", ondelete="CASCADE", primary_key=True, index=True
    )


class ServiceLanguage(SQLModel, table=True):
    __tablename__ = "service_language"

    service_id: uuid.UUID = Field(foreign_key="service.id", ondelete="CASCADE", primary_key=True)
    code: str = Field(max_length=8, primary_key=True, index=True)


class ServiceHours(SQLModel, table=True):
    """Weekly opening hours in the service's own time zone; overnight hours are split at
    midnight. Minutes from midnight; day 0 is Monday."""

    __tablename__ = "service_hours"

    id: uuid.UUID = id_field()
    service_id: uuid.UUID = Field(foreign_key="service.id", ondelete="CASCADE", index=True)
    day: int = Field(sa_type=SmallInteger)
    opens: int = Field(sa_type=SmallInteger)
    closes: int = Field(sa_type=SmallInteger)


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
    # ISO 639-1 codes of the languages its own staff answer in, and how many more through
    # interpreters (free text from the line's own words).
    language_codes: list[str] = Field(default_factory=list, sa_type=JSON)
    interpreted_languages: str | None = Field(default=None, max_length=80)
    # The way to reach it in a language, where it differs: {"es": {phone, text, note}}.
    by_language: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    notes: str | None = Field(default=None, max_length=500)
    categories: list[str] = Field(default_factory=list, sa_type=JSON)
    source_url: str = Field(max_length=300)
    verified_on: date
