"""HTTP caching helpers: ETags, If-None-Match, and public responses for the directory."""

import hashlib
from typing import Any

from fastapi import Request, Response
from pydantic_core import to_json

from app.core.i18n import current_language

PUBLIC_MAX_AGE = 300


def tags_of(header: str | None) -> set[str]:
    return {tag.strip() for tag in (header or "").split(",") if tag.strip()}


def public_json(request: Request, payload: Any, max_age: int = PUBLIC_MAX_AGE) -> Response:
    """A shared-cacheable JSON response with an ETag of its body; 304 when the client has it."""
    # pydantic-core serializes models, documents and dates in one pass (FastAPI's
    # jsonable_encoder took a fifth of a directory search's time).
    body = to_json(payload)
    # The same body in another language is another representation: its tag differs too.
    etag = f'"{hashlib.sha256(current_language().encode() + b"|" + body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if etag in tags_of(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
