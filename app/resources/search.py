"""Searching the directory: ranked full text, great-circle distance, filters, keyset paging.

Distance searches first narrow to a bounding box on the indexed (search_lat, search_lng) columns,
then compute the haversine distance only for those candidates. Text search uses SQLite FTS5 or
PostgreSQL full-text search. Searches need no account and are never logged with one.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    ColumnElement,
    Double,
    Uuid,
    and_,
    cast,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlmodel import Session, col

from app.core.errors import validation_problem
from app.core.geo import EARTH_RADIUS_KM, bounding_box
from app.core.pagination import Keyset, PageParams, keyset_page
from app.models import Service, ServiceHours, ServiceLanguage, ServiceTerm

DEFAULT_RADIUS_KM = 50.0
# The SQLite FTS5 table (made by a migration, not a model): service_id -> searchable text.
FTS = table("service_fts", column("service_id", Uuid()), column("search_text"))
WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Query:
    q: str | None = None
    categories: tuple[uuid.UUID, ...] = ()
    lat: float | None = None
    lng: float | None = None
    radius_km: float | None = None
    language: str | None = None
    open_now: bool = False
    free: bool | None = None

    @property
    def near(self) -> bool:
        return self.lat is not None and self.lng is not None

    @property
    def order(self) -> str:
        return "distance" if self.near else "relevance" if self.q else "name"

    def signature(self) -> list[Any]:
        """What a cursor must have been made for: the same question, asked again."""
        return [
            self.order, self.q, sorted(map(str, self.categories)), self.lat, self.lng,
            self.radius_km, self.language, self.open_now, self.free,
        ]  # fmt: skip


@dataclass(frozen=True)
class Hit:
    service: Service
    distance_km: float | None


def check_near(
    lat: float | None, lng: float | None, radius: float | None, radius_name: str
) -> None:
    """A point needs both coordinates, and a radius needs a point (422 saying which is missing)."""
    if (lat is None) != (lng is None):
        raise validation_problem(
            ["query", "lat" if lat is None else "lng"], "Give both lat and lng."
        )
    if radius is not None and lat is None:
        raise validation_problem(["query", radius_name], f"{radius_name} needs lat and lng.")


def _words(q: str) -> list[str]:
    return WORD.findall(q.lower())[:12]


def _distance(
    dialect: str, lat_column: Any, lng_column: Any, lat: float, lng: float
) -> ColumnElement[float]:
    if dialect == "sqlite":
        return func.haversine_km(lat_column, lng_column, lat, lng)
    dphi = func.radians(lat_column - lat) / 2
    dlmb = func.radians(lng_column - lng) / 2
    a = func.power(func.sin(dphi), 2) + func.cos(func.radians(lat)) * func.cos(
        func.radians(lat_column)
    ) * func.power(func.sin(dlmb), 2)
    return 2 * EARTH_RADIUS_KM * func.asin(func.least(1.0, func.sqrt(a)))


def within(
    dialect: str, lat_column: Any, lng_column: Any, lat: float, lng: float, radius_km: float
) -> tuple[list[ColumnElement[bool]], ColumnElement[float]]:
    """Conditions for points within radius_km of (lat, lng), and the distance to sort by: a
    bounding box on the indexed point columns first, the exact great-circle distance after."""
    box = bounding_box(lat, lng, radius_km)
    conditions: list[ColumnElement[bool]] = [lat_column.between(box.lat_min, box.lat_max)]
    if box.lng_ranges is not None:
        conditions.append(or_(*(lng_column.between(w, e) for w, e in box.lng_ranges)))
    distance = _distance(dialect, lat_column, lng_column, lat, lng)
    conditions.append(distance <= radius_km)
    return conditions, distance


def _open_now(session: Session, now: datetime) -> ColumnElement[bool]:
    """Open at this moment in each service's own time zone (24/7 services always are)."""
    zones: list[str] = list(session.scalars(select(col(Service.timezone)).distinct()))
    per_zone = []
    for zone in zones:
        try:
            local = now.astimezone(ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError):
            continue  # stored before imports checked it: never open, rather than no search
        minute = local.hour * 60 + local.minute
        per_zone.append(
            and_(
                col(Service.timezone) == zone,
                col(ServiceHours.day) == local.weekday(),
                col(ServiceHours.opens) <= minute,
                col(ServiceHours.closes) > minute,
            )
        )
    open_hours = exists().where(
        col(ServiceHours.service_id) == col(Service.id), or_(false(), *per_zone)
    )
    return or_(col(Service.open_24_7), open_hours)


def _filters(session: Session, query: Query, now: datetime) -> list[ColumnElement[bool]]:
    """Live, active services that pass every filter other than words and place."""
    conditions: list[ColumnElement[bool]] = [
        col(Service.deleted_at).is_(None),
        col(Service.status) == "active",
    ]
    if query.categories:
        conditions.append(
            exists().where(
                col(ServiceTerm.service_id) == col(Service.id),
                col(ServiceTerm.term_id).in_(query.categories),
            )
        )
    if query.language:
        conditions.append(
            exists().where(
                col(ServiceLanguage.service_id) == col(Service.id),
                col(ServiceLanguage.code) == query.language,
            )
        )
    if query.free is not None:
        conditions.append(col(Service.free) == query.free)
    if query.open_now:
        conditions.append(_open_now(session, now))
    return conditions


@dataclass(frozen=True)
class TextMatch:
    """How `q` narrows a search: conditions, and the rank to sort by (lower is better) when the
    sort is by relevance; on SQLite the ranked matches come as a subquery to join."""

    conditions: list[ColumnElement[bool]]
    rank: ColumnElement[float] | None = None
    ranked: Any = None


def _fts5_query(words: list[str]) -> ColumnElement[bool]:
    return literal_column("service_fts").op("MATCH")(" ".join(f'"{word}"*' for word in words))


def _sqlite_match(words: list[str], ranked: bool) -> TextMatch:
    if not ranked:
        # Sorted by distance, the rank is not needed: let the bounding box on the indexed point
        # lead, and check each candidate against the matching ids, gathered once. (The unary
        # plus keeps SQLite from driving the query by the id index, i.e. from the text side.)
        matching = select(FTS.c.service_id).where(_fts5_query(words))
        return TextMatch([literal_column("+service.id", Uuid()).in_(matching)])
    matches = (
        select(FTS.c.service_id, func.bm25(literal_column("service_fts")).label("rank"))
        .where(_fts5_query(words))
        .subquery("fts")
    )
    return TextMatch([], rank=matches.c.rank, ranked=matches)


def _postgresql_match(words: list[str]) -> TextMatch:
    tsquery = func.to_tsquery("english", " & ".join(f"{word}:*" for word in words))
    document = func.to_tsvector("english", col(Service.search_text))
    # ts_rank is a 4-byte real; as double it survives the cursor's round trip exactly.
    rank = -cast(func.ts_rank(document, tsquery), Double)
    return TextMatch([document.op("@@")(tsquery)], rank=rank)


def _text_match(dialect: str, query: Query) -> TextMatch:
    if query.q is None:
        return TextMatch([])
    words = _words(query.q)
    if not words:
        return TextMatch([false()])  # nothing searchable in the text: nothing matches
    if dialect == "sqlite":
        return _sqlite_match(words, ranked=not query.near)
    return _postgresql_match(words)


def _keyset(query: Query) -> Keyset:
    """A cursor is good for one order only: by name (text), or by distance or rank (numbers)."""
    return Keyset(f"resources/{query.order}", (str if query.order == "name" else float, uuid.UUID))


def search(
    session: Session, query: Query, now: datetime, page: PageParams, secret: bytes
) -> tuple[list[Hit], str | None]:
    dialect = session.get_bind().dialect.name
    conditions = _filters(session, query, now)
    text = _text_match(dialect, query)
    conditions += text.conditions
    sort_key: ColumnElement[Any] = Service.__table__.c.name  # type: ignore[attr-defined]
    if query.near:
        assert query.lat is not None
        assert query.lng is not None
        radius = query.radius_km or DEFAULT_RADIUS_KM
        near, sort_key = within(
            dialect, col(Service.search_lat), col(Service.search_lng), query.lat, query.lng, radius
        )
        conditions += near
    elif text.rank is not None:
        sort_key = text.rank

    statement = select(Service, sort_key.label("sort_key"))
    if text.ranked is not None:
        statement = statement.join(text.ranked, text.ranked.c.service_id == col(Service.id))
    rows, next_cursor = keyset_page(
        session,
        statement.where(*conditions),
        [sort_key, col(Service.id)],
        _keyset(query),
        page,
        lambda row: (row[1], row[0].id),
        secret,
        context=query.signature(),
    )
    hits = [Hit(service=row[0], distance_km=float(row[1]) if query.near else None) for row in rows]
    return hits, next_cursor
