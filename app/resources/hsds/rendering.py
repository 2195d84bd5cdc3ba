"""Stored documents as HSDS records, redacted on every path out (JSON pages, single records and
the ndjson streams): a location that any confidential service uses keeps no address,
coordinates, directions or identifiers, whichever service or organization shows it."""

import json
import math
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, or_
from sqlmodel import Session, col, select

from app.core.clock import rfc3339
from app.core.db import Database
from app.models import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from app.resources.documents import location_ids
from app.resources.hsds.queries import batches
from app.resources.redaction import (
    organization_location_ids,
    redacted,
    redacted_organization,
    redacted_place,
)
from app.resources.service import hidden_location_ids

Renderer = Callable[[Session, Sequence[Any]], list[dict[str, Any]]]


def page_of(contents: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    """The HSDS Page object."""
    pages = max(1, math.ceil(total / per_page))
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": not contents,
        "contents": contents,
    }


def ndjson_lines(
    rows: Iterator[tuple[Session, Sequence[Any]]], render: Renderer
) -> Iterator[bytes]:
    """One JSON line per record, keys sorted: the same data always gives the same bytes."""
    for session, batch in rows:
        for item in render(session, batch):
            line = json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            yield line.encode() + b"\n"


def one_to_one(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A record without its nested lists and objects (the HSDS list shapes)."""
    return {key: value for key, value in doc.items() if not isinstance(value, list | dict)}


def _hidden_in(session: Session, documents: Iterable[Mapping[str, Any]]) -> set[uuid.UUID]:
    return hidden_location_ids(session, set().union(*(location_ids(doc) for doc in documents)))


def _tombstone(row: Service) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": "",
        "status": "defunct",
        "last_modified": rfc3339(row.last_modified),
        "waymark_deleted": True,
    }


def _minimal(row: Service) -> dict[str, Any]:
    return {"id": str(row.id), "last_modified": rfc3339(row.last_modified)}


def organization_documents(
    session: Session, organization_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, dict[str, Any]]:
    """Organizations' HSDS documents as they may leave: by allow-list around a service that keeps
    a secret place, or when their own list of locations holds one."""
    if not organization_ids:
        return {}
    ids = sorted(organization_ids)
    rows = session.exec(select(Organization).where(col(Organization.id).in_(ids))).all()
    hidden = hidden_location_ids(
        session, set().union(*(organization_location_ids(row.document) for row in rows))
    )
    around_a_secret = set(
        session.exec(
            # Deleted services too: an organization that ran a shelter keeps its secret.
            select(Service.organization_id).where(
                col(Service.organization_id).in_(ids),
                or_(
                    col(Service.confidential),
                    exists().where(
                        col(ServiceAtLocation.service_id) == col(Service.id),
                        col(ServiceAtLocation.hidden),
                    ),
                ),
            )
        ).all()
    )
    return {
        row.id: redacted_organization(row.document, hidden, row.id in around_a_secret)
        for row in rows
    }


def render_services(
    session: Session, rows: Sequence[Service], full: bool, minimal: bool = False
) -> list[dict[str, Any]]:
    """Services as HSDS: tombstones for deleted ones, minimal, list-shaped, or fully nested."""
    if minimal:
        return [_minimal(row) for row in rows]
    live = [row for row in rows if row.deleted_at is None]
    hidden = _hidden_in(session, (row.document for row in live))
    organizations = (
        organization_documents(session, {r.organization_id for r in live if r.organization_id})
        if full
        else {}
    )
    rendered = []
    for row in rows:
        if row.deleted_at is not None:  # a tombstone, for incremental syncs
            rendered.append(_tombstone(row))
            continue
        doc = redacted(row.document, hidden)
        if full:
            if row.organization_id in organizations:
                doc["organization"] = organizations[row.organization_id]
        else:
            doc.pop("service_at_locations", None)
        rendered.append(doc)
    return rendered


def stream_services(
    database: Database, conditions: list[ColumnElement[bool]], full: bool, minimal: bool
) -> Iterator[bytes]:
    """Every matching service by id, one JSON line each."""
    rows = batches(database, select(Service).where(*conditions), [col(Service.id)], _id_of)
    return ndjson_lines(rows, lambda session, batch: render_services(session, batch, full, minimal))


def _id_of(row: Any) -> tuple[Any, ...]:
    return (row.id,)


def render_places(
    session: Session, rows: Sequence[tuple[ServiceAtLocation, Service]], full: bool
) -> list[dict[str, Any]]:
    """service_at_location records: the place, its location and its service, redacted."""
    services = [service for _, service in rows]
    hidden = _hidden_in(session, (service.document for service in services))
    full_services = {}
    if full:
        unique = {service.id: service for service in services}
        full_services = {
            service.id: doc
            for service, doc in zip(
                unique.values(), render_services(session, list(unique.values()), True), strict=True
            )
        }
    rendered = []
    for place_row, service in rows:
        stored = service.document.get("service_at_locations") or []
        place = stored[place_row.position] if place_row.position < len(stored) else {}
        shown = redacted_place(service.document, place, hidden)
        shown["id"] = str(place_row.id)
        shown["service_id"] = str(service.id)
        if place_row.location_id is not None:
            shown["location_id"] = str(place_row.location_id)
        if full:
            shown["service"] = {
                k: v for k, v in full_services[service.id].items() if k != "service_at_locations"
            }
        else:
            location = shown.get("location")
            shown = one_to_one(shown)
            if location:
                shown["location"] = one_to_one(location)
            shown["service"] = one_to_one(redacted(service.document, hidden))
        rendered.append(shown)
    return rendered


def render_organizations(
    session: Session, rows: Sequence[Organization], full: bool, full_service: bool
) -> list[dict[str, Any]]:
    """Organizations: list-shaped, or fully nested with their services (fully, with
    full_service)."""
    documents = organization_documents(session, [row.id for row in rows])
    if not (full or full_service):
        return [one_to_one(documents[row.id]) for row in rows]
    services = session.exec(
        select(Service)
        .where(
            col(Service.organization_id).in_([row.id for row in rows]),
            col(Service.deleted_at).is_(None),
        )
        .order_by(col(Service.name), col(Service.id))
    ).all()
    rendered_services = render_services(session, services, full=full_service)
    by_organization: dict[uuid.UUID, list[dict[str, Any]]] = {row.id: [] for row in rows}
    for service, doc in zip(services, rendered_services, strict=True):
        assert service.organization_id is not None
        by_organization[service.organization_id].append(doc if full_service else one_to_one(doc))
    return [{**documents[row.id], "services": by_organization[row.id]} for row in rows]


def taxonomy(row: Taxonomy) -> dict[str, Any]:
    return {key: value for key, value in {
        "id": str(row.id), "name": row.name, "description": row.description,
        "uri": row.uri, "version": row.version,
    }.items() if value is not None}  # fmt: skip


def term(row: TaxonomyTerm) -> dict[str, Any]:
    return {key: str(value) if isinstance(value, uuid.UUID) else value for key, value in {
        "id": row.id, "code": row.code, "name": row.name, "description": row.description,
        "parent_id": row.parent_id, "taxonomy_id": row.taxonomy_id, "language": row.language,
        "term_uri": row.term_uri,
    }.items() if value is not None}  # fmt: skip
