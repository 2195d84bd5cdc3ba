"""The Open Referral HSDS 3.x API for integrators (API contract §6.1), read-only, no login."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import and_, exists
from sqlmodel import Session, SQLModel, col, select

from app.core.caching import PUBLIC_MAX_AGE, public_json
from app.core.db import SessionDep
from app.core.errors import not_found, validation_problem
from app.core.openapi import problem_responses
from app.core.runtime import Runtime, RuntimeDep
from app.core.schemas import Rfc3339Time
from app.models import Organization, Service, ServiceAtLocation, Taxonomy, TaxonomyTerm
from app.resources.documents import DAYS, normal_postcode
from app.resources.hsds.queries import (
    Filters,
    batches,
    near,
    paged,
    postcode_centre,
    service_conditions,
    taxonomy_conditions,
    words,
)
from app.resources.hsds.rendering import (
    Renderer,
    ndjson_lines,
    page_of,
    render_organizations,
    render_places,
    render_services,
    taxonomy,
    term,
)
from app.resources.search import check_near

router = APIRouter(prefix="/hsds", tags=["HSDS 3.x"])

Found = TypeVar("Found", bound=SQLModel)
HSDS_VERSION = "3.1"
PROFILE = "https://github.com/openreferral/specification/tree/3.1-dev (with waymark_ extensions)"
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


LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A Page, or with format=ndjson one record per line",
        "content": {"application/json": {}, "application/x-ndjson": {}},
    },
    **problem_responses(422),
}


# --- pages and streams ------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """How one HSDS list is read: a page in `order` then `keys`, a stream in `keys` alone (they
    are unique: `key_of` gives a row's); `render` makes the rows records."""

    keys: Sequence[Any]
    key_of: Callable[[Any], tuple[Any, ...]]
    render: Renderer


def respond(
    request: Request,
    runtime: Runtime,
    session: Session,
    statement: Any,
    listing: Listing,
    order: Sequence[Any],
    page: int,
    per_page: int,
    format: str,
) -> Response:
    """The paged answer (an HSDS Page), or with format=ndjson every record, one per line."""
    if format == "ndjson":
        every = batches(runtime.database, statement, listing.keys, listing.key_of)
        return StreamingResponse(
            ndjson_lines(every, listing.render),
            media_type="application/x-ndjson",
            headers={"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}"},
        )
    rows, total = paged(session, statement, [*order, *listing.keys], page, per_page)
    return public_json(request, page_of(listing.render(session, rows), total, page, per_page))


def _found(session: Session, model: type[Found], record_id: uuid.UUID, what: str) -> Found:
    row = session.get(model, record_id)
    if row is None:
        raise not_found(what)
    return row


def _by_id(model: Any, render: Renderer) -> Listing:
    return Listing([col(model.id)], lambda row: (row.id,), render)


def _by_distance_or(distance: Any, otherwise: Any) -> list[Any]:
    return [distance] if distance is not None else [otherwise]


# --- routes -----------------------------------------------------------------------------------


@router.get("/", summary="About this HSDS API")
def about(request: Request, runtime: RuntimeDep) -> Response:
    # Never built from the request's Host: a shared cache would keep whatever a caller sent.
    openapi_url = f"{runtime.settings.public_url or ''}{request.app.openapi_url}"
    return public_json(
        request, {"version": HSDS_VERSION, "profile": PROFILE, "openapi_url": openapi_url}
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
    nearby, distance = near(session, f, col(Service.search_lat), col(Service.search_lng))
    statement = select(Service).where(*service_conditions(f, tombstones=True), *nearby)
    listing = _by_id(Service, lambda session, rows: render_services(session, rows, full, minimal))
    order = _by_distance_or(distance, col(Service.name))
    return respond(request, runtime, session, statement, listing, order, page, per_page, format)


@router.get(
    "/services/{service_id}",
    responses=problem_responses(404, 422),
    summary="One service, fully nested",
)
def get_service(service_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    row = _found(session, Service, service_id, "service")
    if row.deleted_at is not None:
        raise not_found("service")
    return public_json(request, render_services(session, [row], full=True)[0])


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
        lat, lng = postcode_centre(session, wanted)
        f = Filters(lat=lat, lng=lng, radius_m=proximity)
    elif wanted is not None:
        conditions.append(col(ServiceAtLocation.postcode) == wanted)
    nearby, distance = near(
        session, f, col(ServiceAtLocation.search_lat), col(ServiceAtLocation.search_lng)
    )
    statement = select(ServiceAtLocation, Service).where(*conditions, *nearby)
    listing = Listing(
        [col(ServiceAtLocation.service_id), col(ServiceAtLocation.position)],
        lambda row: (row[0].service_id, row[0].position),
        lambda session, rows: render_places(session, rows, full),
    )
    order = _by_distance_or(distance, col(Service.name))
    return respond(request, runtime, session, statement, listing, order, page, per_page, format)


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
    conditions = words(col(Organization.name), search)
    by_term = taxonomy_conditions(col(Service.id), taxonomy_term_id, taxonomy_id)
    if by_term:
        conditions.append(
            exists().where(
                col(Service.organization_id) == col(Organization.id),
                col(Service.deleted_at).is_(None),
                and_(*by_term),
            )
        )
    statement = select(Organization).where(*conditions)
    listing = _by_id(
        Organization,
        lambda session, rows: render_organizations(session, rows, full, full_service),
    )
    order = [col(Organization.name)]
    return respond(request, runtime, session, statement, listing, order, page, per_page, format)


@router.get("/organizations/{organization_id}", responses=problem_responses(404, 422))
def get_organization(
    organization_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    full_service: FullService = False,
) -> Response:
    row = _found(session, Organization, organization_id, "organization")
    return public_json(request, render_organizations(session, [row], True, full_service)[0])


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
    statement = select(Taxonomy).where(*words(col(Taxonomy.name), search))
    listing = _by_id(Taxonomy, lambda _session, rows: [taxonomy(row) for row in rows])
    order = [col(Taxonomy.name)]
    return respond(request, runtime, session, statement, listing, order, page, per_page, format)


@router.get("/taxonomies/{taxonomy_id}", responses=problem_responses(404, 422))
def get_taxonomy(taxonomy_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    return public_json(request, taxonomy(_found(session, Taxonomy, taxonomy_id, "taxonomy")))


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
    conditions = words(col(TaxonomyTerm.name), search)
    if taxonomy_id:
        conditions.append(col(TaxonomyTerm.taxonomy_id) == taxonomy_id)
    if parent_id:
        conditions.append(col(TaxonomyTerm.parent_id) == parent_id)
    if top_only:
        conditions.append(col(TaxonomyTerm.parent_id).is_(None))
    statement = select(TaxonomyTerm).where(*conditions)
    listing = _by_id(TaxonomyTerm, lambda _session, rows: [term(row) for row in rows])
    order = [col(TaxonomyTerm.code)]
    return respond(request, runtime, session, statement, listing, order, page, per_page, format)


@router.get("/taxonomy_terms/{term_id}", responses=problem_responses(404, 422))
def get_term(term_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    return public_json(request, term(_found(session, TaxonomyTerm, term_id, "taxonomy term")))
