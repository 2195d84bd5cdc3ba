"""The Open Referral HSDS 3.x API for integrators (API contract §6.1), read-only, no login.

Services are served from their stored HSDS documents, redacted for confidential locations on
every path out (JSON pages, single services and the ndjson stream).
"""

import json
import math
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import ColumnElement, exists, func
from sqlmodel import Session, col, select

from app.core.caching import PUBLIC_MAX_AGE, public_json
from app.core.clock import rfc3339
from app.core.db import SessionDep, new_session
from app.core.errors import not_found
from app.core.openapi import problem_responses
from app.core.runtime import RuntimeDep
from app.models import Organization, Service, ServiceTerm, Taxonomy, TaxonomyTerm
from app.resources.documents import (
    confidential_location_ids,
    redacted,
    redacted_organization,
)

router = APIRouter(prefix="/hsds", tags=["HSDS 3.x"])

HSDS_VERSION = "3.1"
PROFILE = "https://github.com/openreferral/specification/tree/3.1-dev (with waymark_ extensions)"
STREAM_BATCH = 500

# Capped so that page x per_page always fits the databases' integers.
PageNumber = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=100, description="Items per page")]
Format = Annotated[Literal["json", "ndjson"], Query(description="ndjson streams everything")]


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
    session: Session,
    model: Any,
    conditions: list[ColumnElement[bool]],
    order: Any,
    page: int,
    per_page: int,
) -> tuple[list[Any], int]:
    """One page of rows, and how many match in all."""
    total = session.exec(select(func.count()).select_from(model).where(*conditions)).one()
    statement = select(model).where(*conditions).order_by(order, model.id)
    rows = session.exec(statement.offset((page - 1) * per_page).limit(per_page)).all()
    return list(rows), int(total)


# --- services ---------------------------------------------------------------------------------


def service_document(session: Session, row: Service, full: bool) -> dict[str, Any]:
    if row.deleted_at is not None:  # a tombstone, for incremental syncs
        return {
            "id": str(row.id),
            "name": "",
            "status": "defunct",
            "last_modified": rfc3339(row.last_modified),
            "waymark_deleted": True,
        }
    doc = redacted(row.document)
    if full:
        if row.organization_id:
            organization = session.get(Organization, row.organization_id)
            if organization is not None:
                doc["organization"] = organization_document(session, organization)
    else:
        doc.pop("service_at_locations", None)
    return doc


def organization_document(session: Session, organization: Organization) -> dict[str, Any]:
    """The organization's HSDS document, with its confidential services' locations redacted."""
    documents = session.exec(
        select(Service.document).where(
            col(Service.organization_id) == organization.id, col(Service.confidential)
        )
    ).all()
    return redacted_organization(organization.document, confidential_location_ids(documents))


def _service_filters(
    taxonomy_term_id: uuid.UUID | None,
    taxonomy_id: uuid.UUID | None,
    organization_id: uuid.UUID | None,
    modified_after: datetime | None,
    search: str | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    # Deleted services appear only to incremental syncs, as tombstones.
    if modified_after is None:
        conditions.append(col(Service.deleted_at).is_(None))
    else:
        conditions.append(col(Service.last_modified) >= modified_after)
    if taxonomy_term_id:
        conditions.append(
            exists().where(
                col(ServiceTerm.service_id) == col(Service.id),
                col(ServiceTerm.term_id) == taxonomy_term_id,
            )
        )
    if taxonomy_id:
        conditions.append(
            exists().where(
                col(ServiceTerm.service_id) == col(Service.id),
                col(ServiceTerm.term_id) == col(TaxonomyTerm.id),
                col(TaxonomyTerm.taxonomy_id) == taxonomy_id,
            )
        )
    if organization_id:
        conditions.append(col(Service.organization_id) == organization_id)
    if search:
        words = [word for word in search.lower().split() if word][:12]
        conditions += [_contains(col(Service.search_text), word) for word in words]
    return conditions


def _contains(column: Any, word: str) -> ColumnElement[bool]:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")  # type: ignore[no-any-return]


def stream_services(
    database: Any, conditions: list[ColumnElement[bool]], full: bool, minimal: bool
) -> Iterator[bytes]:
    """Every matching service by id, one JSON line each (keys sorted, so the same data always
    gives the same bytes), read in batches: memory stays flat however large the directory."""
    last_id: uuid.UUID | None = None
    while True:
        with new_session(database.reader) as session:
            statement = select(Service).where(*conditions)
            if last_id is not None:
                statement = statement.where(col(Service.id) > last_id)
            rows = session.exec(statement.order_by(col(Service.id)).limit(STREAM_BATCH)).all()
            for row in rows:
                item = _minimal(row) if minimal else service_document(session, row, full)
                line = json.dumps(item, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                yield line.encode() + b"\n"
        if len(rows) < STREAM_BATCH:
            return
        last_id = rows[-1].id


def _minimal(row: Service) -> dict[str, Any]:
    return {"id": str(row.id), "last_modified": rfc3339(row.last_modified)}


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


@router.get(
    "/services",
    responses={
        200: {
            "description": "A Page of services, or with format=ndjson one service per line",
            "content": {"application/json": {}, "application/x-ndjson": {}},
        },
        **problem_responses(422),
    },
    summary="Services (Page, or ndjson)",
)
def list_services(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    search: Annotated[str | None, Query(max_length=200)] = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
    taxonomy_term_id: uuid.UUID | None = None,
    taxonomy_id: uuid.UUID | None = None,
    organization_id: uuid.UUID | None = None,
    modified_after: datetime | None = None,
    minimal: bool = False,
    full: bool = False,
    format: Format = "json",
) -> Response:
    """`modified_after` includes deleted services as tombstones (`waymark_deleted: true`)."""
    conditions = _service_filters(
        taxonomy_term_id, taxonomy_id, organization_id, modified_after, search
    )
    if format == "ndjson":
        return StreamingResponse(
            stream_services(runtime.database, conditions, full, minimal),
            media_type="application/x-ndjson",
            headers={"Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}"},
        )
    rows, total = _paged(session, Service, conditions, col(Service.name), page, per_page)
    contents = [_minimal(row) if minimal else service_document(session, row, full) for row in rows]
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
    return public_json(request, service_document(session, row, full=True))


# --- organizations and taxonomies -------------------------------------------------------------


@router.get("/organizations", responses=problem_responses(422), summary="Organizations (Page)")
def list_organizations(
    request: Request,
    session: SessionDep,
    search: Annotated[str | None, Query(max_length=200)] = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> Response:
    conditions = [_contains(col(Organization.name), search)] if search else []
    rows, total = _paged(session, Organization, conditions, col(Organization.name), page, per_page)
    contents = [organization_document(session, row) for row in rows]
    return public_json(request, page_of(contents, total, page, per_page))


@router.get("/organizations/{organization_id}", responses=problem_responses(404, 422))
def get_organization(organization_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    row = session.get(Organization, organization_id)
    if row is None:
        raise not_found("organization")
    return public_json(request, organization_document(session, row))


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


@router.get("/taxonomies", responses=problem_responses(422), summary="Taxonomies (Page)")
def list_taxonomies(
    request: Request, session: SessionDep, page: PageNumber = 1, per_page: PerPage = 50
) -> Response:
    rows, total = _paged(session, Taxonomy, [], col(Taxonomy.name), page, per_page)
    return public_json(request, page_of([_taxonomy(row) for row in rows], total, page, per_page))


@router.get("/taxonomies/{taxonomy_id}", responses=problem_responses(404, 422))
def get_taxonomy(taxonomy_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    row = session.get(Taxonomy, taxonomy_id)
    if row is None:
        raise not_found("taxonomy")
    return public_json(request, _taxonomy(row))


@router.get("/taxonomy_terms", responses=problem_responses(422), summary="Taxonomy terms (Page)")
def list_terms(
    request: Request,
    session: SessionDep,
    page: PageNumber = 1,
    per_page: PerPage = 50,
    taxonomy_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    top_only: bool = False,
) -> Response:
    conditions: list[ColumnElement[bool]] = []
    if taxonomy_id:
        conditions.append(col(TaxonomyTerm.taxonomy_id) == taxonomy_id)
    if parent_id:
        conditions.append(col(TaxonomyTerm.parent_id) == parent_id)
    if top_only:
        conditions.append(col(TaxonomyTerm.parent_id).is_(None))
    rows, total = _paged(session, TaxonomyTerm, conditions, col(TaxonomyTerm.code), page, per_page)
    return public_json(request, page_of([_term(row) for row in rows], total, page, per_page))


@router.get("/taxonomy_terms/{term_id}", responses=problem_responses(404, 422))
def get_term(term_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    row = session.get(TaxonomyTerm, term_id)
    if row is None:
        raise not_found("taxonomy term")
    return public_json(request, _term(row))
