"""The Open Referral HSDS 3.x API for integrators (API contract §6.1), read-only, no login.

Everything is served from the stored HSDS documents and redacted on every path out (JSON pages,
single records and the ndjson streams): a location that any confidential service uses keeps no
address, coordinates, directions or identifiers, whichever service or organization shows it.
"""

import json
import math
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import ColumnElement, and_, exists, func, or_, tuple_
from sqlmodel import Session, col, select

from app.core.caching import PUBLIC_MAX_AGE, public_json
from app.core.clock import rfc3339
from app.core.db import SessionDep, new_session
from app.core.errors import AppError, not_found, validation_problem
from app.core.openapi import problem_responses
from app.core.runtime import RuntimeDep
from app.core.schemas import Rfc3339Time
from app.models import (
    Organization,
    Service,
    ServiceAtLocation,
    ServiceHours,
    ServiceTerm,
    Taxonomy,
    TaxonomyTerm,
)
from app.resources.documents import (
    DAYS,
    location_ids,
    normal_postcode,
    organization_location_ids,
    redacted,
    redacted_organization,
    redacted_place,
)
from app.resources.search import check_near, within
from app.resources.service import hidden_location_ids

router = APIRouter(prefix="/hsds", tags=["HSDS 3.x"])

HSDS_VERSION = "3.1"
PROFILE = "https://github.com/openreferral/specification/tree/3.1-dev (with waymark_ extensions)"
STREAM_BATCH = 500
DEFAULT_RADIUS_M = 50_000
MAX_RADIUS_M = 500_000
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# Capped so that page x per_page always fits the databases' integers.
PageNumber = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=100, description="Items per page")]
Format = Annotated[Literal["json", "ndjson"], Query(description="ndjson streams everything")]
Search = Annotated[str | None, Query(max_length=200, description="Words the name must contain")]
Full = Annotated[bool, Query(description="Fully nested records")]
Clock = Annotated[
    str | None,
    Query(
        pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
        description="HH:MM in the service's own time zone",
    ),
]


# --- filters shared by services and service_at_locations -------------------------------------


@dataclass(frozen=True)
class Filters:
    search: str | None = None
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    day: int | None = None
    start_time: int | None = None
    end_time: int | None = None
    lat: float | None = None
    lng: float | None = None
    radius_m: int | None = None

    @property
    def near(self) -> bool:
        return self.lat is not None and self.lng is not None


def _minutes(clock: str | None) -> int | None:
    if clock is None:
        return None
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _day(value: str | None) -> int | None:
    if value is None:
        return None
    word = value.strip().lower()
    for index, (code, name) in enumerate(zip(DAYS, DAY_NAMES, strict=True)):
        if word in (code.lower(), name):
            return index
    raise validation_problem(["query", "day"], "A day is MO to SU, or Monday to Sunday.")


def filters(
    search: Search = None,
    taxonomy_term_id: uuid.UUID | None = None,
    taxonomy_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    modified_after: Annotated[
        Rfc3339Time | None,
        Query(description="RFC 3339 with its offset; includes deleted services as tombstones"),
    ] = None,
    minimum_age: Annotated[
        float | None, Query(ge=0, le=150, description="Serves people of at least this age")
    ] = None,
    maximum_age: Annotated[
        float | None, Query(ge=0, le=150, description="Serves people of at most this age")
    ] = None,
    day: Annotated[
        str | None, Query(max_length=10, description="Open on this day: MO..SU or Monday..Sunday")
    ] = None,
    start_time: Clock = None,
    end_time: Clock = None,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="Latitude of a point")] = None,
    lng: Annotated[float | None, Query(ge=-180, le=180, description="Longitude of a point")] = None,
    radius: Annotated[
        int | None, Query(ge=1, le=MAX_RADIUS_M, description="Metres from lat/lng (50,000)")
    ] = None,
) -> Filters:
    """Query filters (the UK profile's names for ages and opening times, and lat/lng/radius)."""
    check_near(lat, lng, radius, "radius")
    if minimum_age is not None and maximum_age is not None and minimum_age > maximum_age:
        raise validation_problem(["query", "maximum_age"], "maximum_age is below minimum_age.")
    start, end = _minutes(start_time), _minutes(end_time)
    if start is not None and end is not None and start >= end:
        raise validation_problem(["query", "end_time"], "end_time must be after start_time.")
    return Filters(
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
        minimum_age=minimum_age,
        maximum_age=maximum_age,
        day=_day(day),
        start_time=start,
        end_time=end,
        lat=lat,
        lng=lng,
        radius_m=radius,
    )


FiltersDep = Annotated[Filters, Depends(filters)]


def _contains(column: Any, word: str) -> ColumnElement[bool]:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")  # type: ignore[no-any-return]


def _words(column: Any, search: str | None) -> list[ColumnElement[bool]]:
    return [_contains(column, word) for word in (search or "").lower().split()[:12]]


def _has_term(term_condition: ColumnElement[bool], service_id: Any) -> ColumnElement[bool]:
    return exists().where(col(ServiceTerm.service_id) == service_id, term_condition)


def _taxonomy_conditions(
    service_id: Any, taxonomy_term_id: uuid.UUID | None, taxonomy_id: uuid.UUID | None
) -> list[ColumnElement[bool]]:
    conditions = []
    if taxonomy_term_id:
        conditions.append(_has_term(col(ServiceTerm.term_id) == taxonomy_term_id, service_id))
    if taxonomy_id:
        in_taxonomy = col(ServiceTerm.term_id).in_(
            select(TaxonomyTerm.id).where(col(TaxonomyTerm.taxonomy_id) == taxonomy_id)
        )
        conditions.append(_has_term(in_taxonomy, service_id))
    return conditions


def service_conditions(f: Filters, tombstones: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    # Deleted services appear only to incremental syncs of services, as tombstones.
    if f.modified_after is None or not tombstones:
        conditions.append(col(Service.deleted_at).is_(None))
    if f.modified_after is not None:
        conditions.append(col(Service.last_modified) >= f.modified_after)
    conditions += _taxonomy_conditions(col(Service.id), f.taxonomy_term_id, f.taxonomy_id)
    if f.organization_id:
        conditions.append(col(Service.organization_id) == f.organization_id)
    conditions += _words(col(Service.search_text), f.search)
    # An age window: services whose own range overlaps it (no range given: serves every age).
    if f.minimum_age is not None:
        conditions.append(
            or_(col(Service.maximum_age).is_(None), col(Service.maximum_age) >= f.minimum_age)
        )
    if f.maximum_age is not None:
        conditions.append(
            or_(col(Service.minimum_age).is_(None), col(Service.minimum_age) <= f.maximum_age)
        )
    if f.day is not None or f.start_time is not None or f.end_time is not None:
        conditions.append(_open_during(f))
    return conditions


def _open_during(f: Filters) -> ColumnElement[bool]:
    """Open at some moment of the window (on `day`, or any day), in the service's local time."""
    start = f.start_time if f.start_time is not None else 0
    end = f.end_time if f.end_time is not None else 24 * 60
    hours = [
        col(ServiceHours.service_id) == col(Service.id),
        col(ServiceHours.opens) < end,
        col(ServiceHours.closes) > start,
    ]
    if f.day is not None:
        hours.append(col(ServiceHours.day) == f.day)
    return or_(col(Service.open_24_7), exists().where(*hours))


def _near(session: Session, f: Filters, lat_column: Any, lng_column: Any) -> Any:
    """Distance conditions and the distance to order by, or ([], None) without lat/lng."""
    if not f.near:
        return [], None
    assert f.lat is not None
    assert f.lng is not None
    radius_km = (f.radius_m or DEFAULT_RADIUS_M) / 1000
    dialect = session.get_bind().dialect.name
    return within(dialect, lat_column, lng_column, f.lat, f.lng, radius_km)


# --- pages and streams ------------------------------------------------------------------------


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


def _paged(
    session: Session, statement: Any, order: Sequence[Any], page: int, per_page: int
) -> tuple[list[Any], int]:
    """One page of a select, and how many rows match in all."""
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(*order).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), int(total)


Renderer = Callable[[Session, Sequence[Any]], list[dict[str, Any]]]


def _lines(
    database: Any, statement: Any, keys: Sequence[Any], key_of: Callable[[Any], tuple[Any, ...]],
    render: Renderer,
) -> Iterator[bytes]:  # fmt: skip
    """Every row of a select in key order, one JSON line each (keys sorted, so the same data
    always gives the same bytes), read in batches: memory stays flat however many rows match."""
    last: tuple[Any, ...] | None = None
    while True:
        with new_session(database.reader) as session:
            batch = statement
            if last is not None:
                batch = batch.where(tuple_(*keys) > tuple_(*last))
            rows = session.exec(batch.order_by(*keys).limit(STREAM_BATCH)).all()
            for item in render(session, rows):
                line = json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                yield line.encode() + b"\n"
        if len(rows) < STREAM_BATCH:
            return
        last = key_of(rows[-1])


def _ndjson(lines: Iterator[bytes]) -> StreamingResponse:
    return StreamingResponse(
        lines,
        media_type="application/x-ndjson",
        headers={"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}"},
    )


LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A Page, or with format=ndjson one record per line",
        "content": {"application/json": {}, "application/x-ndjson": {}},
    },
    **problem_responses(422),
}


# --- rendering --------------------------------------------------------------------------------


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
    """Organizations' HSDS documents, their secret locations redacted."""
    if not organization_ids:
        return {}
    rows = session.exec(
        select(Organization).where(col(Organization.id).in_(sorted(organization_ids)))
    ).all()
    hidden = hidden_location_ids(
        session, set().union(*(organization_location_ids(row.document) for row in rows))
    )
    return {row.id: redacted_organization(row.document, hidden) for row in rows}


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
    database: Any, conditions: list[ColumnElement[bool]], full: bool, minimal: bool
) -> Iterator[bytes]:
    """Every matching service by id, one JSON line each."""
    return _lines(
        database,
        select(Service).where(*conditions),
        [col(Service.id)],
        lambda row: (row.id,),
        lambda session, rows: render_services(session, rows, full, minimal),
    )


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


def _organization_out(
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


# --- routes -----------------------------------------------------------------------------------


@router.get("/", summary="About this HSDS API")
def about(request: Request) -> Response:
    return public_json(
        request,
        {
            "version": HSDS_VERSION,
            "profile": PROFILE,
            "openapi_url": str(request.url_for("openapi")),
        },
    )


@router.get("/services", responses=LIST_RESPONSES, summary="Services (Page, or ndjson)")
def list_services(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    f: FiltersDep,
    page: PageNumber = 1,
    per_page: PerPage = 50,
    minimal: bool = False,
    full: Full = False,
    format: Format = "json",
) -> Response:
    """`modified_after` includes deleted services as tombstones (`waymark_deleted: true`).
    With `lat`/`lng` services are sorted by distance; otherwise by name."""
    conditions = service_conditions(f, tombstones=True)
    near, distance = _near(session, f, col(Service.search_lat), col(Service.search_lng))
    conditions += near
    if format == "ndjson":
        return _ndjson(stream_services(runtime.database, conditions, full, minimal))
    order = [distance] if distance is not None else [col(Service.name)]
    statement = select(Service).where(*conditions)
    rows, total = _paged(session, statement, [*order, col(Service.id)], page, per_page)
    contents = render_services(session, rows, full, minimal)
    return public_json(request, page_of(contents, total, page, per_page))


@router.get(
    "/services/{service_id}",
    responses=problem_responses(404, 422),
    summary="One service, fully nested",
)
def get_service(service_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    row = session.get(Service, service_id)
    if row is None or row.deleted_at is not None:
        raise not_found("service")
    return public_json(request, render_services(session, [row], full=True)[0])


def _postcode_centre(session: Session, postcode: str) -> tuple[float, float]:
    """The centre of the places we show at this postcode (hidden places never count)."""
    lat, lng = session.exec(
        select(func.avg(ServiceAtLocation.search_lat), func.avg(ServiceAtLocation.search_lng))
        .join(Service, col(Service.id) == col(ServiceAtLocation.service_id))
        .where(
            col(ServiceAtLocation.postcode) == postcode,
            col(ServiceAtLocation.search_lat).is_not(None),
            col(Service.deleted_at).is_(None),
        )
    ).one()
    if lat is None or lng is None:
        raise AppError(
            422,
            "unknown-postcode",
            "No location in the directory has this postcode, so its centre is unknown. "
            "Search with lat, lng and radius instead.",
            errors=[{"loc": ["query", "postcode"], "msg": "Unknown postcode."}],
        )
    return float(lat), float(lng)


@router.get(
    "/service_at_locations", responses=LIST_RESPONSES, summary="Services at locations (Page)"
)
def list_service_at_locations(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    f: FiltersDep,
    postcode: Annotated[
        str | None, Query(max_length=32, description="Places with this postcode")
    ] = None,
    proximity: Annotated[
        int | None,
        Query(ge=1, le=MAX_RADIUS_M, description="Metres from the centre of `postcode`"),
    ] = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
    full: Full = False,
    format: Format = "json",
) -> Response:
    """With `lat`/`lng` (or `postcode` and `proximity`) places are sorted by distance; otherwise
    by service name. A confidential place is found by distance through a coarse area only, never
    by its postcode."""
    if proximity is not None and postcode is None:
        raise validation_problem(["query", "proximity"], "proximity needs a postcode.")
    if proximity is not None and f.near:
        raise validation_problem(["query", "proximity"], "Send lat/lng or postcode, not both.")
    conditions = [
        col(ServiceAtLocation.service_id) == col(Service.id),
        *service_conditions(f, tombstones=False),
    ]
    wanted = normal_postcode(postcode) if postcode is not None else None
    if postcode is not None and wanted is None:
        raise validation_problem(["query", "postcode"], "The postcode is empty.")
    if proximity is not None and wanted is not None:
        lat, lng = _postcode_centre(session, wanted)
        f = Filters(lat=lat, lng=lng, radius_m=proximity)
    elif wanted is not None:
        conditions.append(col(ServiceAtLocation.postcode) == wanted)
    near, distance = _near(
        session, f, col(ServiceAtLocation.search_lat), col(ServiceAtLocation.search_lng)
    )
    conditions += near
    statement = select(ServiceAtLocation, Service).where(*conditions)
    keys = [col(ServiceAtLocation.service_id), col(ServiceAtLocation.position)]
    if format == "ndjson":
        return _ndjson(
            _lines(
                runtime.database,
                statement,
                keys,
                lambda row: (row[0].service_id, row[0].position),
                lambda session, rows: render_places(session, rows, full),
            )
        )
    order = [distance] if distance is not None else [col(Service.name)]
    rows, total = _paged(session, statement, [*order, *keys], page, per_page)
    contents = render_places(session, [(row[0], row[1]) for row in rows], full)
    return public_json(request, page_of(contents, total, page, per_page))


@router.get(
    "/service_at_locations/{place_id}",
    responses=problem_responses(404, 422),
    summary="One service at a location, fully nested",
)
def get_service_at_location(place_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    found = session.exec(
        select(ServiceAtLocation, Service)
        .where(
            col(ServiceAtLocation.id) == place_id,
            col(ServiceAtLocation.service_id) == col(Service.id),
            col(Service.deleted_at).is_(None),
        )
        .order_by(col(ServiceAtLocation.service_id), col(ServiceAtLocation.position))
        .limit(1)
    ).first()
    if found is None:
        raise not_found("service at location")
    return public_json(request, render_places(session, [(found[0], found[1])], full=True)[0])


# --- organizations and taxonomies -------------------------------------------------------------


FullService = Annotated[bool, Query(description="Nest each service fully")]


@router.get("/organizations", responses=LIST_RESPONSES, summary="Organizations (Page)")
def list_organizations(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    search: Search = None,
    taxonomy_term_id: uuid.UUID | None = None,
    taxonomy_id: uuid.UUID | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
    full: Full = False,
    full_service: FullService = False,
    format: Format = "json",
) -> Response:
    """Organizations with a live service in the taxonomy or term, when those are given."""
    conditions = _words(col(Organization.name), search)
    by_term = _taxonomy_conditions(col(Service.id), taxonomy_term_id, taxonomy_id)
    if by_term:
        conditions.append(
            exists().where(
                col(Service.organization_id) == col(Organization.id),
                col(Service.deleted_at).is_(None),
                and_(*by_term),
            )
        )
    statement = select(Organization).where(*conditions)
    if format == "ndjson":
        return _ndjson(
            _lines(
                runtime.database,
                statement,
                [col(Organization.id)],
                lambda row: (row.id,),
                lambda session, rows: _organization_out(session, rows, full, full_service),
            )
        )
    rows, total = _paged(
        session, statement, [col(Organization.name), col(Organization.id)], page, per_page
    )
    contents = _organization_out(session, rows, full, full_service)
    return public_json(request, page_of(contents, total, page, per_page))


@router.get("/organizations/{organization_id}", responses=problem_responses(404, 422))
def get_organization(
    organization_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    full_service: FullService = False,
) -> Response:
    row = session.get(Organization, organization_id)
    if row is None:
        raise not_found("organization")
    return public_json(request, _organization_out(session, [row], True, full_service)[0])


def _taxonomy(row: Taxonomy) -> dict[str, Any]:
    return {key: value for key, value in {
        "id": str(row.id), "name": row.name, "description": row.description,
        "uri": row.uri, "version": row.version,
    }.items() if value is not None}  # fmt: skip


def _term(row: TaxonomyTerm) -> dict[str, Any]:
    return {key: str(value) if isinstance(value, uuid.UUID) else value for key, value in {
        "id": row.id, "code": row.code, "name": row.name, "description": row.description,
        "parent_id": row.parent_id, "taxonomy_id": row.taxonomy_id, "language": row.language,
        "term_uri": row.term_uri,
    }.items() if value is not None}  # fmt: skip


def _simple_list(
    request: Request,
    runtime: Any,
    session: Session,
    statement: Any,
    model: Any,
    order: Any,
    render: Callable[[Any], dict[str, Any]],
    page: int,
    per_page: int,
    format: str,
) -> Response:
    if format == "ndjson":
        return _ndjson(
            _lines(
                runtime.database,
                statement,
                [model.id],
                lambda row: (row.id,),
                lambda _session, rows: [render(row) for row in rows],
            )
        )
    rows, total = _paged(session, statement, [order, model.id], page, per_page)
    return public_json(request, page_of([render(row) for row in rows], total, page, per_page))


@router.get("/taxonomies", responses=LIST_RESPONSES, summary="Taxonomies (Page)")
def list_taxonomies(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    search: Search = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
    format: Format = "json",
) -> Response:
    statement = select(Taxonomy).where(*_words(col(Taxonomy.name), search))
    return _simple_list(
        request, runtime, session, statement, Taxonomy, col(Taxonomy.name), _taxonomy,
        page, per_page, format,
    )  # fmt: skip


@router.get("/taxonomies/{taxonomy_id}", responses=problem_responses(404, 422))
def get_taxonomy(taxonomy_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    row = session.get(Taxonomy, taxonomy_id)
    if row is None:
        raise not_found("taxonomy")
    return public_json(request, _taxonomy(row))


@router.get("/taxonomy_terms", responses=LIST_RESPONSES, summary="Taxonomy terms (Page)")
def list_terms(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    search: Search = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
    taxonomy_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    top_only: bool = False,
    format: Format = "json",
) -> Response:
    conditions = _words(col(TaxonomyTerm.name), search)
    if taxonomy_id:
        conditions.append(col(TaxonomyTerm.taxonomy_id) == taxonomy_id)
    if parent_id:
        conditions.append(col(TaxonomyTerm.parent_id) == parent_id)
    if top_only:
        conditions.append(col(TaxonomyTerm.parent_id).is_(None))
    statement = select(TaxonomyTerm).where(*conditions)
    return _simple_list(
        request, runtime, session, statement, TaxonomyTerm, col(TaxonomyTerm.code), _term,
        page, per_page, format,
    )  # fmt: skip


@router.get("/taxonomy_terms/{term_id}", responses=problem_responses(404, 422))
def get_term(term_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    row = session.get(TaxonomyTerm, term_id)
    if row is None:
        raise not_found("taxonomy term")
    return public_json(request, _term(row))
