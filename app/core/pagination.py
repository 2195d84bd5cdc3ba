"""Cursor pagination: `?limit=` (1 to 100) and an opaque `?cursor=` → {items, next_cursor}.

A cursor is the sort key of the last item, base64url-encoded JSON. Keyset paging stays fast at any
depth and never skips or repeats an item when rows are added between pages.
"""

import base64
import binascii
import hashlib
import hmac
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from app.core.errors import validation_problem

T = TypeVar("T")
MAX_CURSOR_LENGTH = 512


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def _signature(payload: str, secret: bytes) -> str:
    return hmac.new(secret, payload.encode("ascii"), hashlib.sha256).hexdigest()[:22]


def encode_cursor(key: list[Any], secret: bytes | None = None) -> str:
    """With a secret the cursor is signed, so a changed one is refused rather than obeyed."""
    payload = base64.urlsafe_b64encode(json.dumps(key, default=str).encode()).decode().rstrip("=")
    return f"{payload}.{_signature(payload, secret)}" if secret else payload


def decode_cursor(cursor: str, length: int, secret: bytes | None = None) -> list[Any]:
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError
        if secret:
            cursor, _, signature = cursor.partition(".")
            if not hmac.compare_digest(signature, _signature(cursor, secret)):
                raise ValueError
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise validation_problem(["query", "cursor"], "The cursor is not valid.") from exc
    if not isinstance(key, list) or len(key) != length:
        raise validation_problem(["query", "cursor"], "The cursor is not valid.")
    return key


def page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page.")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR_LENGTH, description="From `next_cursor`.")
    ] = None,
) -> tuple[int, str | None]:
    return limit, cursor


PageQuery = Annotated[tuple[int, str | None], Depends(page_params)]
