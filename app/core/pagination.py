"""Keyset pagination: `?limit=` (1 to 100) and an opaque `?cursor=` → {items, next_cursor}.

A page is read after the sort key of the last item of the page before, so paging stays fast at any
depth and never skips or repeats an item when rows are added between pages. A cursor is that key
as base64url JSON with an HMAC over it, the name of its list and what it was made for (a search's
question), under a key derived from the master key. So every list refuses, with the same 422, a
cursor that is malformed, changed by hand, made by another list or for another question, or made
before a key rotation; and a key that passes is still checked part by part before any query sees
it.
"""

import base64
import binascii
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import and_, or_
from sqlmodel import Session

from app.core.crypto import derive_key
from app.core.errors import AppError, validation_problem
from app.core.schemas import ISO_DATE

T = TypeVar("T")
Row = TypeVar("Row")
MAX_CURSOR_LENGTH = 512
SIGNATURE_LENGTH = 22  # base16 characters: 88 bits


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None


def page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page.")] = 20,
    # The length is checked with the rest of the cursor, for the same answer as any bad cursor.
    cursor: Annotated[
        str | None,
        Query(
            description="From `next_cursor`.",
            json_schema_extra={"maxLength": MAX_CURSOR_LENGTH},
        ),
    ] = None,
) -> PageParams:
    return PageParams(limit, cursor)


PageQuery = Annotated[PageParams, Depends(page_params)]


@dataclass(frozen=True)
class Keyset:
    """How one list is sorted: its name, and the type of each part of its sort key (the last part
    is unique, usually an id). A cursor made for one Keyset is refused by every other."""

    name: str
    parts: tuple[type, ...]
    descending: bool = False


def bad_cursor() -> AppError:
    return validation_problem(
        ["query", "cursor"], "The cursor is not valid. Start again from the first page."
    )


def cursor_secret(master_key: bytes) -> bytes:
    return derive_key(master_key, "cursor")


def _signature(secret: bytes, keyset: Keyset, context: Any, payload: str) -> str:
    message = json.dumps([keyset.name, context, payload], default=str).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:SIGNATURE_LENGTH]


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_cursor(secret: bytes, keyset: Keyset, key: Sequence[Any], context: Any = None) -> str:
    text = json.dumps([_to_json(value) for value in key], separators=(",", ":"))
    payload = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return f"{payload}.{_signature(secret, keyset, context, payload)}"


def _part(kind: type, value: Any) -> Any:
    """One part of a decoded key as the type its column holds (ValueError when it is not)."""
    if kind is uuid.UUID and isinstance(value, str):
        return uuid.UUID(value)
    if kind is date and isinstance(value, str) and ISO_DATE.fullmatch(value):
        return date.fromisoformat(value)
    if kind is datetime and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a time without its offset")
        return moment.astimezone(UTC)
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is str and isinstance(value, str):
        return value
    raise ValueError(f"not a {kind.__name__}")


def decode_cursor(secret: bytes, keyset: Keyset, cursor: str, context: Any = None) -> list[Any]:
    """The sort key a cursor holds, each part typed; 422 for anything else."""
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("longer than any cursor of ours")
        payload, _, signature = cursor.partition(".")
        expected = _signature(secret, keyset, context, payload)
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise ValueError("not signed by us for this list")
        padded = payload + "=" * (-len(payload) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(key, list) or len(key) != len(keyset.parts):
            raise ValueError("not a key of this list")
        return [_part(kind, value) for kind, value in zip(keyset.parts, key, strict=True)]
    except (ValueError, binascii.Error, UnicodeError, OverflowError) as exc:
        raise bad_cursor() from exc


def after(columns: Sequence[Any], key: Sequence[Any], descending: bool) -> Any:
    """Rows that sort after `key` on `columns` (the last column unique)."""
    first, value = columns[0], key[0]
    beyond = first < value if descending else first > value
    if len(columns) == 1:
        return beyond
    return or_(beyond, and_(first == value, after(columns[1:], key[1:], descending)))


def keyset_page(
    session: Session,
    statement: Any,  # a select of SQLModel's or of SQLAlchemy's
    columns: Sequence[Any],
    keyset: Keyset,
    page: PageParams,
    key_of: Callable[[Any], Sequence[Any]],
    secret: bytes,
    context: Any = None,
) -> tuple[list[Any], str | None]:
    """One page of a select sorted by `columns`, and the cursor for the page after it (None on
    the last page). `key_of` gives a row's values of `columns`."""
    if page.cursor:  # an empty cursor asks for the first page
        last = decode_cursor(secret, keyset, page.cursor, context)
        statement = statement.where(after(columns, last, keyset.descending))
    order = [column.desc() if keyset.descending else column for column in columns]
    rows = list(session.exec(statement.order_by(*order).limit(page.limit + 1)).all())
    if len(rows) <= page.limit:
        return rows, None
    rows = rows[: page.limit]
    return rows, encode_cursor(secret, keyset, key_of(rows[-1]), context)
