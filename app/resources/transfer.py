"""Bulk import and export of the directory in HSDS 3.x.

Import takes a JSON array of fully nested HSDS services, or ndjson (one per line). Every service
is validated against the HSDS compiled schema first; one bad service and nothing is imported, with
every error located by index and field. Documents are stored as sent (their `last_modified` too),
so export -> import -> export gives the same bytes. URLs in the data are stored, never fetched.
"""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from sqlmodel import Session, col, select

from app.accounts.rules import timezone_problem
from app.core.db import Database, in_slices, new_session
from app.core.errors import AppError
from app.models import Organization, Service, Taxonomy, TaxonomyTerm
from app.resources.documents import location_ids
from app.resources.hsds.rendering import stream_services
from app.resources.service import shared_locations, store

SCHEMA_PATH = Path(__file__).parent / "hsds_schema" / "service_with_definitions.json"
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_ERRORS = 200
# Text of a nested taxonomy term (and its taxonomy) kept in columns of a fixed length as is.
TERM_TEXT = ("code", "language", "term_uri")
TAXONOMY_TEXT = ("uri", "version")


@lru_cache(maxsize=1)
def _validator() -> Any:
    return jsonschema_rs.validator_for(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def parse(body: bytes, content_type: str) -> list[Any]:
    """The services in a JSON array or an ndjson stream (422 saying where it is not JSON)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid([{"loc": ["body"], "msg": "The body is not UTF-8 text."}]) from exc
    if "ndjson" in content_type or "jsonlines" in content_type:
        services, errors = [], []
        for number, line in enumerate(text.splitlines()):
            if line.strip():
                try:
                    services.append(json.loads(line))
                except json.JSONDecodeError:
                    errors.append({"loc": ["body", number], "msg": "This line is not JSON."})
        if errors:
            raise _invalid(errors[:MAX_ERRORS])
        return services
    try:
        services = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _invalid([{"loc": ["body"], "msg": f"Not JSON (line {exc.lineno})."}]) from exc
    if not isinstance(services, list):
        raise _invalid([{"loc": ["body"], "msg": "Send a JSON array of HSDS services."}])
    return services


def _invalid(errors: list[dict[str, Any]]) -> AppError:
    return AppError(
        422, "invalid-import", "Nothing was imported: the data is not valid HSDS.", errors=errors
    )


def validate(services: list[Any]) -> None:
    errors: list[dict[str, Any]] = []
    ids: set[str] = set()
    for index, service in enumerate(services):
        for error in _validator().iter_errors(service):
            errors.append({"loc": [index, *error.instance_path], "msg": error.message})
        if isinstance(service, dict):
            errors += _id_errors(index, service, ids)
            errors += _value_errors(index, service)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise _invalid(errors[:MAX_ERRORS])


def _id_errors(index: int, service: dict[str, Any], seen: set[str]) -> list[dict[str, Any]]:
    errors = []
    for key, value in (
        ("id", service.get("id")),
        ("organization_id", service.get("organization_id")),
    ):
        if value is not None and not _is_uuid(value):
            errors.append({"loc": [index, key], "msg": "Not a UUID."})
    organization = service.get("organization")
    if isinstance(organization, dict) and not _is_uuid(organization.get("id")):
        errors.append({"loc": [index, "organization", "id"], "msg": "Not a UUID."})
    if service.get("id") in seen:
        errors.append({"loc": [index, "id"], "msg": "This id appears twice in the import."})
    seen.add(str(service.get("id")))
    places = service.get("service_at_locations")
    for number, place in enumerate(places if isinstance(places, list) else []):
        if not isinstance(place, dict):
            continue
        where = [index, "service_at_locations", number]
        location = place.get("location")
        for loc, value in (
            ([*where, "id"], place.get("id")),
            ([*where, "location_id"], place.get("location_id")),
            (
                [*where, "location", "id"],
                location.get("id") if isinstance(location, dict) else None,
            ),
        ):
            if value is not None and not _is_uuid(value):
                errors.append({"loc": loc, "msg": "Not a UUID."})
        place_key = f"service_at_location/{place.get('id')}"
        if place.get("id") is not None and place_key in seen:
            errors.append({"loc": [*where, "id"], "msg": "This id appears twice in the import."})
        seen.add(place_key)
    return errors


def _longer_than(value: Any, column: Any) -> bool:
    return isinstance(value, str) and len(value) > column.type.length


def _value_errors(index: int, service: dict[str, Any]) -> list[dict[str, Any]]:
    """What the HSDS schema lets through but Waymark cannot keep or use: a time zone that is
    not in the tz database, and text longer than the column that holds it."""
    errors = []
    zone = service.get("waymark_timezone")
    if zone is not None and (not isinstance(zone, str) or timezone_problem(zone)):
        errors.append({"loc": [index, "waymark_timezone"], "msg": "Not a time zone name."})
    checks: list[tuple[list[Any], Any, Any]] = [
        ([index, "name"], service.get("name"), Service.__table__.c.name)  # type: ignore[attr-defined]
    ]
    attributes = service.get("attributes")
    for number, attribute in enumerate(attributes if isinstance(attributes, list) else []):
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if not isinstance(term, dict):
            continue
        where = [index, "attributes", number, "taxonomy_term"]
        columns = TaxonomyTerm.__table__.c  # type: ignore[attr-defined]
        checks += [([*where, name], term.get(name), columns[name]) for name in TERM_TEXT]
        detail = term.get("taxonomy_detail")
        if isinstance(detail, dict):
            columns = Taxonomy.__table__.c  # type: ignore[attr-defined]
            checks += [
                ([*where, "taxonomy_detail", name], detail.get(name), columns[name])
                for name in TAXONOMY_TEXT
            ]
    errors += [
        {"loc": loc, "msg": f"Longer than {column.type.length} characters."}
        for loc, value, column in checks
        if _longer_than(value, column)
    ]
    return errors


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _parse_moment(value: Any, default: datetime) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return default
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if _is_uuid(value) else None


def _ensure_taxonomy(session: Session, taxonomy: Any) -> uuid.UUID | None:
    taxonomy_id = _uuid_or_none((taxonomy or {}).get("id")) if isinstance(taxonomy, dict) else None
    if taxonomy_id is None:
        return None
    if session.get(Taxonomy, taxonomy_id) is None:
        session.add(
            Taxonomy(
                id=taxonomy_id,
                name=str(taxonomy.get("name", ""))[:200],
                description=str(taxonomy.get("description", "")),
                uri=taxonomy.get("uri"),
                version=taxonomy.get("version"),
            )
        )
        session.flush()
    return taxonomy_id


def _save_terms(session: Session, service: dict[str, Any]) -> None:
    """Taxonomies and terms named inside attributes, so the service's links resolve."""
    for attribute in service.get("attributes") or []:
        term = attribute.get("taxonomy_term")
        term_id = _uuid_or_none(term.get("id")) if isinstance(term, dict) else None
        if term is None or term_id is None or session.get(TaxonomyTerm, term_id) is not None:
            continue
        taxonomy_id = _ensure_taxonomy(session, term.get("taxonomy_detail"))
        named = _uuid_or_none(term.get("taxonomy_id"))
        if named is not None and session.get(Taxonomy, named) is not None:
            taxonomy_id = named
        session.add(
            TaxonomyTerm(
                id=term_id,
                taxonomy_id=taxonomy_id,
                code=term.get("code"),
                name=str(term.get("name", ""))[:200],
                description=str(term.get("description", "")),
                parent_id=_uuid_or_none(term.get("parent_id")),
                language=term.get("language"),
                term_uri=term.get("term_uri"),
            )
        )
        session.flush()


def import_services(database: Database, services: list[Any], now: datetime) -> dict[str, int]:
    """Validate everything, then write everything in one transaction."""
    validate(services)
    created = updated = 0
    ids = {uuid.UUID(service["id"]) for service in services}
    with new_session(database.writer) as session:
        locations = set().union(*(location_ids(service) for service in services))
        for some in in_slices(ids):
            for existing in session.exec(select(Service.document).where(col(Service.id).in_(some))):
                locations |= location_ids(existing)
        with shared_locations(session, locations, now, ids):
            created, updated = _store_all(session, services, now)
        session.commit()
    return {"imported": len(services), "created": created, "updated": updated}


def _store_all(session: Session, services: list[Any], now: datetime) -> tuple[int, int]:
    created = updated = 0
    for service in services:
        doc = dict(service)
        organization = doc.pop("organization", None)
        organization_id = None
        if isinstance(organization, dict):
            organization_id = uuid.UUID(organization["id"])
            row = session.get(Organization, organization_id) or Organization(
                id=organization_id, name=""
            )
            row.name = str(organization.get("name", ""))[:300]
            row.document = organization
            row.last_modified = now
            session.add(row)
            session.flush()
        _save_terms(session, doc)
        service_id = uuid.UUID(doc["id"])
        existing = session.get(Service, service_id)
        if existing is None:
            created += 1
            existing = Service(id=service_id, name="", status="active", last_modified=now)
        else:
            updated += 1
            existing.deleted_at = None
        modified = _parse_moment(doc.get("last_modified"), now)
        store(session, existing, doc, modified, True, organization_id)
    return created, updated


def export_lines(database: Database) -> Iterator[bytes]:
    """Every live service, fully nested and redacted, one JSON line each, sorted by id."""
    return stream_services(database, [col(Service.deleted_at).is_(None)], full=True, minimal=False)
