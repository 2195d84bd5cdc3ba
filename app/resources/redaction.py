"""What of an HSDS document may leave the server when it could give away a secret place.

A service whose location is hidden (the service is confidential, or a confidential service uses
the same location) goes out by allow-list over its whole document: only the fields named below,
at every level, and nothing else. Change logs (`metadata`), service areas (names and WKT
extents), contacts, addresses, coordinates, directions, identifiers, licences and free-text notes
are never on it; a field HSDS adds tomorrow stays in until someone judges it safe. An
organization around such a service, or listing such a location, goes out the same way.
Documents with nothing secret in them go out as stored (so exports round-trip).
"""

import uuid
from collections.abc import Collection, Mapping
from typing import Any

from app.resources.documents import as_uuid

# A shape names what may be kept: True keeps a value as it is; a shape keeps the named fields
# of an object, or of every object in a list. Anything not named is dropped.
Shape = Mapping[str, Any]
# A field kept as it is must hold a plain value: never an object or list smuggled in its place.
SCALAR = (str, int, float, bool, type(None))


def _fields(*names: str, **nested: Shape) -> dict[str, Any]:
    return dict.fromkeys(names, True) | nested


LANGUAGE = _fields("id", "name", "code")
SCHEDULE = _fields(
    "id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to",
    "dtstart", "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno",
    "bymonthday", "byyearday", "opens_at", "closes_at", "attending_type",
)  # fmt: skip
PHONE = _fields("id", "service_id", "organization_id", "number", "extension", "type")
# Categories are found by their term; an attribute's free-text value and label are not kept.
ATTRIBUTE = _fields("id", "link_id", "link_type", "link_entity", "taxonomy_term_id")
HIDDEN_LOCATION = _fields("id", "location_type", languages=LANGUAGE, schedules=SCHEDULE)
HIDDEN_PLACE = _fields(
    "id", "service_id", "location_id", location=HIDDEN_LOCATION, schedules=SCHEDULE
)
SERVICE = _fields(
    "id", "organization_id", "program_id", "name", "alternate_name", "description", "url",
    "email", "status", "interpretation_services", "application_process", "fees_description",
    "wait_time", "fees", "accreditations", "eligibility_description", "minimum_age",
    "maximum_age", "assured_date", "alert", "last_modified",
    "waymark_confidential", "waymark_free", "waymark_open_24_7", "waymark_timezone",
    phones=PHONE,
    schedules=SCHEDULE,
    languages=LANGUAGE,
    attributes=ATTRIBUTE,
    required_documents=_fields("id", "service_id", "document"),
    cost_options=_fields(
        "id", "service_id", "valid_from", "valid_to", "option", "currency", "amount"
    ),
)  # fmt: skip
# A tax id or a registry identifier leads to a registered address: neither is kept.
ORGANIZATION = _fields(
    "id", "name", "alternate_name", "description", "email", "website", "tax_status",
    "year_incorporated", "legal_status", "parent_organization_id",
    phones=PHONE,
    attributes=ATTRIBUTE,
)  # fmt: skip


def kept(value: Any, shape: Shape) -> Any:
    """`value` with only what `shape` names; a value of the wrong kind (an object where a plain
    value belongs, or the other way round) is dropped."""
    if isinstance(value, list):
        return [kept(item, shape) for item in value if isinstance(item, Mapping)]
    if isinstance(value, Mapping):
        return {
            key: item if shape[key] is True else kept(item, shape[key])
            for key, item in value.items()
            if key in shape and isinstance(item, SCALAR if shape[key] is True else list | Mapping)
        }
    return None


def without_metadata(value: Any) -> Any:
    """A public record of a secret-keeping document: as stored, less its change logs."""
    if isinstance(value, list):
        return [without_metadata(item) for item in value]
    if isinstance(value, Mapping):
        return {key: without_metadata(item) for key, item in value.items() if key != "metadata"}
    return value


def place_is_hidden(
    doc: Mapping[str, Any], place: Mapping[str, Any], hidden_locations: Collection[uuid.UUID]
) -> bool:
    location = place.get("location") or {}
    key = as_uuid(location.get("id") or place.get("location_id"))
    return bool(doc.get("waymark_confidential")) or key in hidden_locations


def redacted_place(
    doc: Mapping[str, Any], place: Mapping[str, Any], hidden_locations: Collection[uuid.UUID]
) -> dict[str, Any]:
    """One service_at_location as it may leave the service."""
    if place_is_hidden(doc, place, hidden_locations):
        return dict(kept(place, HIDDEN_PLACE))
    if keeps_a_secret(doc, hidden_locations):
        return dict(without_metadata(place))
    return dict(place)


def keeps_a_secret(doc: Mapping[str, Any], hidden_locations: Collection[uuid.UUID]) -> bool:
    """Whether the service is confidential or any of its places is hidden."""
    places = doc.get("service_at_locations")
    return bool(doc.get("waymark_confidential")) or any(
        place_is_hidden(doc, place, hidden_locations)
        for place in (places if isinstance(places, list) else [])
        if isinstance(place, Mapping)
    )


def redacted(doc: Mapping[str, Any], hidden_locations: Collection[uuid.UUID]) -> dict[str, Any]:
    """The service document as it may leave the server."""
    if not keeps_a_secret(doc, hidden_locations):
        return dict(doc)
    shown: dict[str, Any] = kept(doc, SERVICE)
    places = doc.get("service_at_locations")
    if isinstance(places, list):
        shown["service_at_locations"] = [
            redacted_place(doc, place, hidden_locations)
            for place in places
            if isinstance(place, Mapping)
        ]
    return shown


def organization_location_ids(doc: Mapping[str, Any]) -> set[uuid.UUID]:
    locations = doc.get("locations")
    return {
        key
        for location in (locations if isinstance(locations, list) else [])
        if isinstance(location, Mapping) and (key := as_uuid(location.get("id")))
    }


def redacted_organization(
    doc: Mapping[str, Any], hidden_locations: Collection[uuid.UUID], around_a_secret: bool
) -> dict[str, Any]:
    """An organization as it may leave the server: by allow-list when one of its services keeps
    a secret (`around_a_secret`) or its own list of locations holds a hidden one."""
    own = organization_location_ids(doc)
    if not (around_a_secret or own & set(hidden_locations)):
        return dict(doc)
    shown: dict[str, Any] = kept(doc, ORGANIZATION)
    if isinstance(doc.get("locations"), list):
        # Around a secret, every location of its list is kept as a hidden one: the list could
        # name the secret place under another id.
        shown["locations"] = [
            kept(location, HIDDEN_LOCATION)
            if around_a_secret or as_uuid(location.get("id")) in hidden_locations
            else without_metadata(location)
            for location in doc["locations"]
            if isinstance(location, Mapping)
        ]
    return shown
