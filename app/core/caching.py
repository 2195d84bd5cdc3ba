"""HTTP caching helpers: ETags, If-None-Match, and public responses for the directory."""

import hashlib
import json
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder

PUBLIC_MAX_AGE = 300


def tags_of(header: str | None) -> set[str]:
    return {tag.strip() for tag in (header or "").split(",") if tag.strip()}


def public_json(request: Request, payload: Any, max_age: int = PUBLIC_MAX_AGE) -> Response:
    """A shared-cacheable JSON response with an ETag of its body; 304 when the client has it."""
    body = json.dumps(jsonable_encoder(payload), separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if etag in tags_of(request.headers.get("if-none-match")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
