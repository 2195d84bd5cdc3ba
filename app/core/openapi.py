"""The OpenAPI document, with the errors every operation can answer with written in once."""

from http import HTTPStatus
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.core.errors import PROBLEM_JSON, Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
EVERYWHERE = {
    "500": "Something went wrong on our side; nothing was saved.",
    "503": "The database does not answer; nothing was saved. See Retry-After.",
}
WITH_A_BODY = {
    "400": "The body is not valid JSON.",
    "413": "The body is larger than the limit (64 KiB).",
    "422": "The request is not valid; `errors` says where and why.",
}

IDEMPOTENCY_CONFLICT = (
    "A request with this Idempotency-Key is still being carried out, or was carried out "
    "without its answer being kept; see Retry-After."
)


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}}}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the errors a route can answer with, beyond the common ones."""
    return {status: _problem(HTTPStatus(status).phrase) for status in statuses}


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("Problem", Problem.model_json_schema())
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                extra = dict(EVERYWHERE)
                if "requestBody" in operation:
                    extra |= WITH_A_BODY
                for status, description in extra.items():
                    responses.setdefault(status, _problem(description))
                headers = {
                    parameter.get("name", "").lower()
                    for parameter in operation.get("parameters", [])
                    if parameter.get("in") == "header"
                }
                if "idempotency-key" in headers:
                    responses.setdefault("409", _problem(IDEMPOTENCY_CONFLICT))
                if "requestBody" in operation or operation.get("parameters"):
                    # FastAPI's own 422 entry says application/json; ours are problem+json.
                    responses["422"] = _problem(WITH_A_BODY["422"])
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]


DOCS_ASSETS = "/docs-assets"


def install_docs(app: FastAPI) -> None:
    """Swagger UI at /docs with every file it needs served from here: FastAPI's default page
    loads them from public CDNs, so opening the docs told a third party who was reading them.
    The files come from the fastapi-offline package; the online validator badge is off too."""
    assets = resources.files("fastapi_offline") / "static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(assets)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )
