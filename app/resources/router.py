"""The public resource directory and its admin writes (API contract §6)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.accounts.deps import Caller, require_role
from app.core.caching import public_json
from app.core.db import SessionDep
from app.core.errors import validation_problem
from app.core.i18n import _
from app.core.openapi import problem_responses
from app.core.pagination import Page, PageQuery
from app.core.runtime import RuntimeDep
from app.idempotency.service import IdempotencyDep
from app.resources import crisis, service, transfer
from app.resources.languages import MAX_LANGUAGE_TEXT, language_code
from app.resources.schemas import CategoryOut, ResourceIn, ResourceOut, ResourcePatch
from app.resources.search import Query as Search
from app.resources.search import check_near

router = APIRouter(prefix="/v1/resources", tags=["directory"])
IMPORT_PATH = "/v1/resources/import"


class ImportOut(BaseModel):
    imported: int
    created: int
    updated: int


crisis_router = APIRouter(prefix="/v1/crisis", tags=["directory"])
Admin = Annotated[Caller, Depends(require_role("admin"))]

Latitude = Annotated[float | None, Query(ge=-90, le=90, examples=[41.8781])]
Longitude = Annotated[float | None, Query(ge=-180, le=180, examples=[-87.6298])]


@router.get(
    "",
    response_model=Page[ResourceOut],
    responses=problem_responses(422),
    summary="Search the directory (no login)",
)
def search_resources(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    page: PageQuery,
    q: Annotated[str | None, Query(max_length=200, description="Full text, ranked")] = None,
    category: Annotated[
        list[str] | None, Query(max_length=14, description="Repeatable; any of them")
    ] = None,
    lat: Latitude = None,
    lng: Longitude = None,
    radius_km: Annotated[float | None, Query(gt=0, le=500, description="Default 50")] = None,
    language: Annotated[
        str | None,
        Query(
            min_length=2,
            max_length=MAX_LANGUAGE_TEXT,
            description="A language: ISO 639-1 (`es`) or 639-3 (`spa`, `mam`, `quc`), or its name "
            "in English or in the language itself (`Spanish`, `español`)",
            examples=["es"],
        ),
    ] = None,
    open_now: Annotated[
        bool, Query(description="Open at this moment, in its own time zone")
    ] = False,
    free: Annotated[bool | None, Query(description="true: free only; false: paid only")] = None,
) -> Response:
    """Filters combine with AND. Sorted by distance with lat/lng, else by relevance with q, else
    by name. Searches are anonymous: nothing about them is stored or logged with an account."""
    check_near(lat, lng, radius_km, "radius_km")
    code = language_code(language) if language is not None else None
    if language is not None and code is None:
        raise validation_problem(
            ["query", "language"],
            _("We do not know that language. Try a code such as es, or its name: Spanish."),
        )
    query = Search(
        q=q,
        categories=service.category_ids(session, list(dict.fromkeys(category or []))),
        lat=lat,
        lng=lng,
        radius_km=radius_km,
        language=code,
        open_now=open_now,
        free=free,
    )
    items, next_cursor = service.find(runtime, session, query, page)
    return public_json(request, Page[ResourceOut](items=items, next_cursor=next_cursor))


@router.post(
    "/import",
    responses=problem_responses(401, 403, 413, 422),
    summary="Import HSDS services (admin; JSON array or ndjson, up to 20 MiB)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_resources(request: Request, _admin: Admin, runtime: RuntimeDep) -> ImportOut:
    """All or nothing: every service is validated against the HSDS schema first, and errors are
    reported by index and field. URLs in the data are stored, never fetched."""
    body = await request.body()
    content_type = request.headers.get("content-type", "application/json")
    services = transfer.parse(body, content_type)
    counts = await run_in_threadpool(
        transfer.import_services, runtime.database, services, runtime.clock()
    )
    return ImportOut(**counts)


@router.get("/categories", response_model=list[CategoryOut], summary="Categories with counts")
def list_categories(request: Request, session: SessionDep) -> Response:
    return public_json(request, service.category_counts(session))


@router.get(
    "/{resource_id:uuid}",
    response_model=ResourceOut,
    responses=problem_responses(404, 422),
    summary="One resource",
)
def get_resource(resource_id: uuid.UUID, request: Request, session: SessionDep) -> Response:
    return public_json(request, service.get(session, resource_id))


@router.post(
    "",
    status_code=201,
    response_model=ResourceOut,
    responses=problem_responses(401, 403, 422),
    summary="Add a resource (admin)",
)
def create_resource(
    body: ResourceIn, _admin: Admin, runtime: RuntimeDep, session: SessionDep, once: IdempotencyDep
) -> JSONResponse:
    return once.create(
        lambda: service.create(runtime, session, body),
        lambda resource: f"/v1/resources/{resource.id}",
    )


@router.patch(
    "/{resource_id:uuid}",
    response_model=ResourceOut,
    responses=problem_responses(401, 403, 404, 422),
    summary="Change a resource (admin)",
)
def patch_resource(
    resource_id: uuid.UUID,
    patch: ResourcePatch,
    _admin: Admin,
    runtime: RuntimeDep,
    session: SessionDep,
) -> ResourceOut:
    return service.update(runtime, session, resource_id, patch)


@router.delete(
    "/{resource_id:uuid}",
    status_code=204,
    responses=problem_responses(401, 403, 404, 422),
    summary="Delete a resource (admin; leaves a tombstone)",
)
def delete_resource(
    resource_id: uuid.UUID, _admin: Admin, runtime: RuntimeDep, session: SessionDep
) -> Response:
    service.remove(runtime, session, resource_id)
    return Response(status_code=204)


@crisis_router.get("", summary="24/7 crisis lines: national, and local with lat/lng")
def crisis_lines(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    lat: Latitude = None,
    lng: Longitude = None,
) -> Response:
    """`{local, national}`: with lat/lng, nearby 24/7 hotlines within 100 km come first."""
    check_near(lat, lng, None, "radius_km")
    return public_json(request, crisis.national_and_local(runtime, session, lat, lng))
