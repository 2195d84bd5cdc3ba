"""HSDS service documents: built from v1 writes, projected for search, rendered for v1, and
redacted for confidential locations.

A service's HSDS document is the source of truth. Waymark's own facts ride in it under
`waymark_` names (HSDS allows extra properties): `waymark_confidential`, `waymark_free`,
`waymark_open_24_7`, `waymark_timezone`.
"""

import contextlib
import math
import re
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.resources.languages import language_code
from app.resources.schemas import (
    AddressOut,
    OrganizationRef,
    PhoneOut,
    ResourceIn,
    ResourceOut,
    ScheduleOut,
)

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Confidential locations are searched by the centre of a 0.1-degree cell: about 11 km north to
# south and 8 to 9 km east to west across the US. Enough to find "a shelter near me", too coarse to
# find a building. distance_km to them is given in whole kilometres.
CONFIDENTIAL_CELL_DEGREES = 0.1
CLOCK_TIME = re.compile(r"(?P<hours>[01][0-9]|2[0-4]):(?P<minutes>[0-5][0-9])(:[0-5][0-9])?")


# The v1 fields kept in one HSDS key each (v1 name: HSDS name), and what each reads as where a
# document has no value for it.
HSDS_KEYS = {
    "name": "name",
    "description": "description",
    "url": "url",
    "email": "email",
    "status": "status",
    "eligibility": "eligibility_description",
    "fees": "fees_description",
    "confidential": "waymark_confidential",
    "free": "waymark_free",
    "open_24_7": "waymark_open_24_7",
    "timezone": "waymark_timezone",
}
WHEN_ABSENT: dict[str, str | bool] = {
    "name": "",
    "description": "",
    "status": "active",
    "timezone": "UTC",
    "confidential": False,
    "free": False,
    "open_24_7": False,
}


def read_field(doc: Mapping[str, Any], name: str) -> Any:
    """A v1 field from its HSDS key: text stays text and flags are true or false, whatever an
    import stored there."""
    value = doc.get(HSDS_KEYS[name])
    if name not in WHEN_ABSENT:
        return value
    absent = WHEN_ABSENT[name]
    return type(absent)(value) if value not in (None, "") else absent


def child_id(service_id: uuid.UUID | str, what: str) -> str:
    """Stable ids for the parts Waymark writes, so a re-render never changes them."""
    return str(uuid.uuid5(uuid.UUID(str(service_id)), what))


def coarse(lat: float, lng: float) -> tuple[float, float]:
    cell = CONFIDENTIAL_CELL_DEGREES

    def centre(value: float) -> float:
        return round(math.floor(value / cell) * cell + cell / 2, 4)

    return centre(lat), centre(lng)


# --- v1 fields into a document ----------------------------------------------------------------


def apply_fields(
    document: dict[str, Any],
    fields: ResourceIn,
    sent: Iterable[str],
    category_ids: Mapping[str, uuid.UUID],
    organization_id: uuid.UUID | None,
) -> dict[str, Any]:
    """Write the sent v1 fields into an HSDS service document; HSDS fields v1 does not know
    (from an import) are kept as they are."""
    doc = dict(document)
    sid = doc["id"]
    sent = set(sent)
    for name, key in HSDS_KEYS.items():
        if name in sent:
            value = getattr(fields, name)
            if value is None:
                doc.pop(key, None)
            else:
                doc[key] = value
    if "organization" in sent:
        if organization_id is None:
            doc.pop("organization_id", None)
        else:
            doc["organization_id"] = str(organization_id)
    if "phones" in sent:
        doc["phones"] = [
            {
                "id": child_id(sid, f"phone/{i}"),
                "number": phone.number,
                "type": phone.type,
                **({"description": phone.description} if phone.description else {}),
            }
            for i, phone in enumerate(fields.phones or [])
        ]
    if "languages" in sent:
        doc["languages"] = [
            {"id": child_id(sid, f"language/{code}"), "code": code}
            for code in fields.languages or []
        ]
    if "schedules" in sent:
        doc["schedules"] = [
            {
                "id": child_id(sid, f"schedule/{i}"),
                "freq": "WEEKLY",
                "byday": ",".join(schedule.days),
                "opens_at": f"{schedule.opens_at}:00",
                "closes_at": f"{schedule.closes_at}:00",
                **({"description": schedule.description} if schedule.description else {}),
            }
            for i, schedule in enumerate(fields.schedules or [])
        ]
    if "categories" in sent:
        ours = {str(term_id) for term_id in category_ids.values()}
        kept = [a for a in doc.get("attributes", []) if a.get("taxonomy_term_id") not in ours]
        doc["attributes"] = kept + [
            {
                "id": child_id(sid, f"category/{slug}"),
                "taxonomy_term_id": str(category_ids[slug]),
                "link_entity": "service",
                "value": slug,
            }
            for slug in fields.categories or []
        ]
    if sent & {"lat", "lng", "address"}:
        _apply_location(doc, fields, sent)
    return doc


def _apply_location(doc: dict[str, Any], fields: ResourceIn, sent: set[str]) -> None:
    sid = doc["id"]
    places = doc.setdefault("service_at_locations", [])
    if not places:
        places.append(
            {
                "id": child_id(sid, "service_at_location"),
                "location": {"id": child_id(sid, "location"), "location_type": "physical"},
            }
        )
    location = places[0].setdefault(
        "location", {"id": child_id(sid, "location"), "location_type": "physical"}
    )
    if "lat" in sent:
        if fields.lat is None or fields.lng is None:
            location.pop("latitude", None)
            location.pop("longitude", None)
        else:
            location["latitude"], location["longitude"] = fields.lat, fields.lng
    if "address" in sent:
        if fields.address is None:
            location.pop("addresses", None)
        else:
            location["addresses"] = [
                {
                    "id": child_id(sid, "address"),
                    **fields.address.model_dump(exclude_none=True),
                    "address_type": "physical",
                }
            ]


# --- what search needs from a document --------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """One entry of `service_at_locations`: its id, the location it names, where that is."""

    position: int
    id: uuid.UUID | None
    location_id: uuid.UUID | None
    postcode: str | None
    point: tuple[float, float] | None
    has_location: bool


def as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def _point(location: Mapping[str, Any]) -> tuple[float, float] | None:
    lat, lng = location.get("latitude"), location.get("longitude")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lng))
    if numbers and -90 <= lat <= 90 and -180 <= lng <= 180:  # type: ignore[operator]
        return float(lat), float(lng)  # type: ignore[arg-type]
    return None


def normal_postcode(value: Any) -> str | None:
    """Postcodes compare without spaces and case: "sw1a 1aa" is "SW1A1AA"."""
    text = "".join(str(value or "").split()).upper()[:32]
    return text or None


def places(doc: Mapping[str, Any]) -> list[Place]:
    found = []
    for position, place in enumerate(doc.get("service_at_locations") or []):
        location = place.get("location") or {}
        postcode = next(
            (a["postal_code"] for a in location.get("addresses") or [] if a.get("postal_code")),
            None,
        )
        found.append(
            Place(
                position=position,
                id=as_uuid(place.get("id")),
                location_id=as_uuid(location.get("id") or place.get("location_id")),
                postcode=normal_postcode(postcode),
                point=_point(location),
                has_location=bool(location),
            )
        )
    return found


def location_ids(doc: Mapping[str, Any]) -> set[uuid.UUID]:
    return {place.location_id for place in places(doc) if place.location_id}


@dataclass
class Projection:
    name: str
    status: str
    confidential: bool
    free: bool
    open_24_7: bool
    timezone: str
    search_text: str
    places: list[Place] = field(default_factory=list)
    term_ids: set[uuid.UUID] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)
    hours: list[tuple[int, int, int]] = field(default_factory=list)  # (day, opens, closes)
    minimum_age: float | None = None
    maximum_age: float | None = None

    @property
    def first_place(self) -> Place | None:
        """The place v1 shows and distance searches use: the first with a location."""
        return next((place for place in self.places if place.has_location), None)

    def is_hidden(self, place: Place, hidden_locations: Collection[uuid.UUID]) -> bool:
        return self.confidential or place.location_id in hidden_locations

    def point_of(
        self, place: Place | None, hidden_locations: Collection[uuid.UUID]
    ) -> tuple[float, float] | None:
        """Where searches find this place: exact, or a cell centre when the place is hidden."""
        if place is None or place.point is None:
            return None
        return coarse(*place.point) if self.is_hidden(place, hidden_locations) else place.point


def first_location(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """The location of the first place that has one (see Projection.first_place)."""
    for place in doc.get("service_at_locations") or []:
        location = place.get("location")
        if location:
            return dict(location)
    return None


def _minutes(clock: Any) -> int | None:
    """Minutes from midnight of an HSDS time ("09:00", "17:30:00"), or None for anything else
    (the schema allows any text there)."""
    found = CLOCK_TIME.fullmatch(clock) if isinstance(clock, str) else None
    if found is None:
        return None
    return int(found["hours"]) * 60 + int(found["minutes"])


def weekly_hours(schedules: Iterable[Mapping[str, Any]]) -> list[tuple[int, int, int]]:
    """(day, opens, closes) in minutes; hours past midnight continue on the next day."""
    hours = []
    for schedule in schedules:
        opens, closes = _minutes(schedule.get("opens_at")), _minutes(schedule.get("closes_at"))
        if opens is None or closes is None or (schedule.get("freq") or "WEEKLY") != "WEEKLY":
            continue
        for code in (schedule.get("byday") or "").split(","):
            code = code.strip()[-2:]
            if code not in DAYS:
                continue
            day = DAYS.index(code)
            if closes > opens:
                hours.append((day, opens, closes))
            elif closes < opens or closes == opens == 0:  # overnight, or 00:00 to 00:00
                hours.append((day, opens, 24 * 60))
                if closes:
                    hours.append(((day + 1) % 7, 0, closes))
    return hours


def _age(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def project(doc: Mapping[str, Any], organization_name: str | None = None) -> Projection:
    # Addresses are never searchable text: a street name must not find a confidential shelter.
    text = " ".join(
        str(part)
        for part in (
            doc.get("name"),
            doc.get("alternate_name"),
            doc.get("description"),
            organization_name,
        )
        if part
    )
    term_ids = set()
    for attribute in doc.get("attributes") or []:
        term_id = attribute.get("taxonomy_term_id") or (attribute.get("taxonomy_term") or {}).get(
            "id"
        )
        if term_id:
            with contextlib.suppress(ValueError):
                term_ids.add(uuid.UUID(str(term_id)))
    return Projection(
        name=read_field(doc, "name"),
        status=read_field(doc, "status"),
        confidential=read_field(doc, "confidential"),
        free=read_field(doc, "free"),
        open_24_7=read_field(doc, "open_24_7"),
        timezone=read_field(doc, "timezone"),
        search_text=text,
        places=places(doc),
        term_ids=term_ids,
        # Searched by one code per language: an import's `spa` is found as `es`.
        languages={
            language_code(str(lang["code"])) or str(lang["code"])
            for lang in doc.get("languages") or []
            if lang.get("code")
        },
        hours=weekly_hours(doc.get("schedules") or []),
        minimum_age=_age(doc.get("minimum_age")),
        maximum_age=_age(doc.get("maximum_age")),
    )


# --- rendering ---------------------------------------------------------------------------------


def to_resource(
    service_id: uuid.UUID,
    doc: Mapping[str, Any],
    last_modified: datetime,
    organization: OrganizationRef | None,
    slug_by_term: Mapping[str, str],
    location_hidden: bool,
    distance_km: float | None = None,
) -> ResourceOut:
    confidential = read_field(doc, "confidential")
    location = first_location(doc) or {}
    address = None
    lat = lng = None
    if not (confidential or location_hidden):
        addresses = location.get("addresses") or []
        if addresses:
            first = addresses[0]
            address = AddressOut(
                address_1=first.get("address_1", ""),
                address_2=first.get("address_2"),
                city=first.get("city", ""),
                state_province=first.get("state_province", ""),
                postal_code=first.get("postal_code", ""),
                country=first.get("country", ""),
            )
        lat, lng = location.get("latitude"), location.get("longitude")
    if distance_km is not None:
        hidden = confidential or location_hidden
        distance_km = float(round(distance_km)) if hidden else round(distance_km, 1)
    return ResourceOut(
        id=service_id,
        **{name: read_field(doc, name) for name in HSDS_KEYS},
        categories=[
            slug_by_term[str(a.get("taxonomy_term_id"))]
            for a in doc.get("attributes") or []
            if str(a.get("taxonomy_term_id")) in slug_by_term
        ],
        organization=organization,
        phones=[
            PhoneOut(
                number=str(p.get("number", "")),
                type=p.get("type"),
                description=p.get("description"),
            )
            for p in doc.get("phones") or []
        ],
        address=address,
        lat=lat,
        lng=lng,
        schedules=[
            ScheduleOut(
                days=[d.strip() for d in (s.get("byday") or "").split(",") if d.strip()],
                opens_at=str(s.get("opens_at", ""))[:5],
                closes_at=str(s.get("closes_at", ""))[:5],
                description=s.get("description"),
            )
            for s in doc.get("schedules") or []
            if s.get("opens_at") and s.get("closes_at")
        ],
        languages=[str(lang["code"]) for lang in doc.get("languages") or [] if lang.get("code")],
        last_modified=last_modified,
        distance_km=distance_km,
    )
