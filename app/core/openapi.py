"""The OpenAPI document, with the errors every operation can answer with written in once."""

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

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
