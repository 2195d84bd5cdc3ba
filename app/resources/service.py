"""The directory: admin writes (kept as HSDS documents), public reads, categories, crisis lines."""

import uuid
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from app.core.clock import rfc3339
from app.core.db import in_slices, insert_if_absent
from app.core.errors import AppError, not_found, refuse_removal
from app.core.i18n import _
from app.core.pagination import PageParams
from app.core.runtime import Runtime
from app.models import (
    Organization,
    SecretLocation,
    Service,
    ServiceAtLocation,
    ServiceHours,
    ServiceLanguage,
    ServiceTerm,
    TaxonomyTerm,
)
from app.resources import documents, redaction
from app.resources.categories import TAXONOMY_ID, categories
from app.resources.schemas import (
    NEVER_NULL,
    CategoryOut,
    OrganizationRef,
    ResourceIn,
    ResourceOut,
    ResourcePatch,
)
from app.resources.search import Query, search


def _category_map(session: Session) -> dict[str, uuid.UUID]:
    rows = session.exec(
        select(TaxonomyTerm.code, TaxonomyTerm.id).where(TaxonomyTerm.taxonomy_id == TAXONOMY_ID)
    ).all()
    return {str(code): term_id for code, term_id in rows}


def _check_categories(
    slugs: Sequence[str] | None, known: dict[str, uuid.UUID], where: list[str]
) -> None:
    unknown = [slug for slug in slugs or [] if slug not in known]
    if unknown:
        raise AppError(
            422,
            "validation",
            "Unknown category. GET /v1/resources/categories lists them.",
            errors=[{"loc": [*where, slug], "msg": "No such category."} for slug in unknown],
        )


def _organization(session: Session, name: str | None, now: datetime) -> uuid.UUID | None:
    if name is None:
        return None
    found = session.exec(select(Organization).where(Organization.name == name)).first()
    if found:
        return found.id
    organization = Organization(name=name, last_modified=now)
    organization.document = {"id": str(organization.id), "name": name, "description": name}
    session.add(organization)
    session.flush()
    return organization.id


def apply_projection(
    row: Service, projection: documents.Projection, hidden_locations: Collection[uuid.UUID]
) -> None:
    """Copy what search needs from a document's projection onto its row."""
    row.name, row.status = projection.name, projection.status
    row.confidential, row.free = projection.confidential, projection.free
    row.open_24_7, row.timezone = projection.open_24_7, projection.timezone
    row.search_text = projection.search_text
    row.minimum_age, row.maximum_age = projection.minimum_age, projection.maximum_age
    apply_place(row, projection, hidden_locations)


def apply_place(
    row: Service, projection: documents.Projection, hidden_locations: Collection[uuid.UUID]
) -> None:
    """Where distance searches find the service, and whether its location is secret."""
    first = projection.first_place
    row.search_lat, row.search_lng = projection.point_of(first, hidden_locations) or (None, None)
    row.location_hidden = projection.confidential or (
        first is not None and first.location_id in hidden_locations
    )


def search_links(
    service_id: uuid.UUID, projection: documents.Projection, term_ids: set[uuid.UUID]
) -> list[ServiceTerm | ServiceLanguage | ServiceHours]:
    """The rows that let search filter a service by term, language and opening hours."""
    return [
        *(ServiceTerm(service_id=service_id, term_id=term) for term in sorted(term_ids)),
        *(ServiceLanguage(service_id=service_id, code=c[:8]) for c in sorted(projection.languages)),
        *(
            ServiceHours(service_id=service_id, day=day, opens=opens, closes=closes)
            for day, opens, closes in projection.hours
        ),
    ]


def place_rows(
    service_id: uuid.UUID,
    projection: documents.Projection,
    hidden_locations: Collection[uuid.UUID],
) -> list[ServiceAtLocation]:
    """One row per service_at_location, hidden (no postcode, a coarse point) where secret."""
    rows = []
    for place in projection.places:
        if place.id is None:
            continue
        hidden = projection.is_hidden(place, hidden_locations)
        lat, lng = projection.point_of(place, hidden_locations) or (None, None)
        rows.append(
            ServiceAtLocation(
                service_id=service_id,
                position=place.position,
                id=place.id,
                location_id=place.location_id,
                confidential=projection.confidential,
                hidden=hidden,
                postcode=None if hidden else place.postcode,
                search_lat=lat,
                search_lng=lng,
            )
        )
    return rows


def hidden_location_ids(session: Session, candidates: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these locations a confidential service uses or once used: they are secret for
    every service and organization, for good."""
    hidden: set[uuid.UUID] = set()
    for some in in_slices(candidates):
        hidden.update(
            session.exec(
                select(SecretLocation.location_id).where(col(SecretLocation.location_id).in_(some))
            ).all()
        )
    return hidden


def _keep_secret(session: Session, location_ids: Iterable[uuid.UUID], now: datetime) -> None:
    for location_id in location_ids:
        insert_if_absent(session, SecretLocation, {"location_id": location_id, "since": now})


LINK_MODELS = (ServiceTerm, ServiceLanguage, ServiceHours, ServiceAtLocation)


def _clear_links(
    session: Session, service_id: uuid.UUID, models: Iterable[Any] = LINK_MODELS
) -> None:
    for model in models:
        session.exec(delete(model).where(col(model.service_id) == service_id))


def store(
    session: Session,
    row: Service,
    doc: dict[str, Any],
    now: datetime,
    keep_last_modified: bool = False,
    organization_id: uuid.UUID | None = None,
) -> None:
    """Save a service's document and rebuild its search projections (the caller commits, inside
    `shared_locations` so that services sharing a location with this one follow its secrecy).

    Imports keep the document's own `last_modified`; every other write stamps `now`. An import's
    organization may be nested rather than named by `organization_id`: it comes as an argument."""
    if doc.get("organization_id"):
        organization_id = uuid.UUID(str(doc["organization_id"]))
    organization = session.get(Organization, organization_id) if organization_id else None
    # An id naming no organization we hold stays in the document, but links nothing.
    organization_id = organization.id if organization else None
    organization_name = organization.name if organization else None
    projection = documents.project(doc, organization_name)
    if not keep_last_modified or "last_modified" not in doc:
        doc["last_modified"] = rfc3339(now)
    row.document = doc
    row.organization_id = organization_id
    row.last_modified = now
    session.add(row)
    session.flush()
    _clear_links(session, row.id)
    if projection.confidential:
        _keep_secret(session, documents.location_ids(doc), now)
    hidden = hidden_location_ids(session, documents.location_ids(doc))
    apply_projection(row, projection, hidden)
    known_terms = set(
        session.exec(
            select(TaxonomyTerm.id).where(col(TaxonomyTerm.id).in_(projection.term_ids))
        ).all()
    )
    session.add_all(search_links(row.id, projection, known_terms))
    session.add_all(place_rows(row.id, projection, hidden))
    session.flush()


@contextmanager
def shared_locations(
    session: Session, location_ids: set[uuid.UUID], now: datetime, written: set[uuid.UUID]
) -> Iterator[None]:
    """Keep every service that shares a location with the written ones in step with its secrecy.

    When writes make a location secret (a confidential service now uses it) or public again,
    the other services at that location get their search points and place rows rebuilt; those
    not written here also get a new `last_modified`, so incremental syncs fetch them redacted."""
    before = hidden_location_ids(session, location_ids)
    yield
    session.flush()
    changed = before ^ hidden_location_ids(session, location_ids)
    if not changed:
        return
    affected: set[uuid.UUID] = set()
    for some in in_slices(changed):
        affected.update(
            session.exec(
                select(ServiceAtLocation.service_id).where(
                    col(ServiceAtLocation.location_id).in_(some)
                )
            ).all()
        )
    for other_id in sorted(affected):
        other = session.get(Service, other_id)
        if other is None or other.deleted_at is not None:
            continue
        if other.id not in written:
            other.document = {**other.document, "last_modified": rfc3339(now)}
            other.last_modified = now
        projection = documents.project(other.document)
        hidden = hidden_location_ids(session, documents.location_ids(other.document))
        apply_place(other, projection, hidden)
        session.add(other)
        _clear_links(session, other.id, [ServiceAtLocation])
        session.add_all(place_rows(other.id, projection, hidden))
    session.flush()


def _write(
    runtime: Runtime, session: Session, row: Service, body: ResourceIn, sent: set[str]
) -> ResourceOut:
    now = runtime.clock()
    known = _category_map(session)
    _check_categories(body.categories, known, ["body", "categories"])
    organization_id = (
        _organization(session, body.organization, now) if "organization" in sent else None
    )
    before = documents.location_ids(row.document or {})
    doc = documents.apply_fields(
        row.document or {"id": str(row.id)}, body, sent, known, organization_id
    )
    with shared_locations(session, before | documents.location_ids(doc), now, {row.id}):
        store(session, row, doc, now)
    session.commit()
    return render(session, [row])[0]


def create(runtime: Runtime, session: Session, body: ResourceIn) -> ResourceOut:
    row = Service(name=body.name, status="active", last_modified=runtime.clock())
    return _write(runtime, session, row, body, set(body.model_fields_set) | set(NEVER_NULL))


def _live(session: Session, service_id: uuid.UUID) -> Service:
    row = session.get(Service, service_id)
    if row is None or row.deleted_at is not None:
        raise not_found("resource")
    return row


def update(
    runtime: Runtime, session: Session, service_id: uuid.UUID, patch: ResourcePatch
) -> ResourceOut:
    row = _live(session, service_id)
    refuse_removal(patch, NEVER_NULL)
    return _write(runtime, session, row, patch, set(patch.model_fields_set))


def remove(runtime: Runtime, session: Session, service_id: uuid.UUID) -> None:
    """A tombstone: the id and the moment stay (for `modified_after` syncs), the content goes."""
    row = _live(session, service_id)
    now = runtime.clock()
    with shared_locations(session, documents.location_ids(row.document), now, {row.id}):
        _clear_links(session, row.id)
        row.deleted_at = row.last_modified = now
        row.document = {"id": str(row.id)}
        row.search_lat = row.search_lng = None
        row.search_text = ""
        row.status = "defunct"
        session.add(row)
    session.commit()


def render(
    session: Session, rows: Sequence[Service], distances: Sequence[float | None] | None = None
) -> list[ResourceOut]:
    slug_by_term = {str(term_id): slug for slug, term_id in _category_map(session).items()}
    organization_ids = {row.organization_id for row in rows if row.organization_id}
    names = {
        organization.id: organization.name
        for organization in session.exec(
            select(Organization).where(col(Organization.id).in_(organization_ids))
        ).all()
    }
    rendered = []
    for index, row in enumerate(rows):
        organization = None
        if row.organization_id in names:
            assert row.organization_id is not None
            organization = OrganizationRef(id=row.organization_id, name=names[row.organization_id])
        # A service that keeps a secret place shows only what its HSDS record may show.
        secret = row.confidential or row.location_hidden
        rendered.append(
            documents.to_resource(
                row.id,
                redaction.kept(row.document, redaction.SERVICE) if secret else row.document,
                row.last_modified,
                organization,
                slug_by_term,
                row.location_hidden,
                distances[index] if distances else None,
            )
        )
    return rendered


def get(session: Session, service_id: uuid.UUID) -> ResourceOut:
    return render(session, [_live(session, service_id)])[0]


def category_ids(session: Session, slugs: Sequence[str]) -> tuple[uuid.UUID, ...]:
    known = _category_map(session)
    _check_categories(slugs, known, ["query", "category"])
    return tuple(known[slug] for slug in slugs)


def find(
    runtime: Runtime, session: Session, query: Query, page: PageParams
) -> tuple[list[ResourceOut], str | None]:
    hits, next_cursor = search(session, query, runtime.clock(), page, runtime.cursor_secret)
    items = render(session, [hit.service for hit in hits], [hit.distance_km for hit in hits])
    return items, next_cursor


def category_counts(session: Session) -> list[CategoryOut]:
    counts = dict(
        session.exec(
            select(ServiceTerm.term_id, func.count())
            .join(Service, col(Service.id) == col(ServiceTerm.service_id))
            .where(col(Service.deleted_at).is_(None), col(Service.status) == "active")
            .group_by(col(ServiceTerm.term_id))
        ).all()
    )
    return [
        CategoryOut(
            slug=str(term.code),
            name=_(term.name),
            description=_(term.description),
            count=int(counts.get(term.id, 0)),
        )
        for term in categories(session)
    ]
