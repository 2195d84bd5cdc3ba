"""What the HSDS API asks of the database: filters, a page with its total, and every row in
batches for the ndjson streams."""

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, tuple_
from sqlmodel import Session, col, select

from app.core.db import Database, new_session
from app.core.errors import AppError
from app.models import Service, ServiceAtLocation, ServiceHours, ServiceTerm, TaxonomyTerm
from app.resources.search import within

STREAM_BATCH = 500
DEFAULT_RADIUS_M = 50_000


@dataclass(frozen=True)
class Filters:
    """The query filters shared by services and service_at_locations."""

    search: str | None = None
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime | None = None
    minimum_age: float | None = None
    maximum_age: float | None = None
    day: int | None = None
    start_time: int | None = None
    end_time: int | None = None
    lat: float | None = None
    lng: float | None = None
    radius_m: int | None = None

    @property
    def near(self) -> bool:
        return self.lat is not None and self.lng is not None


def _contains(column: Any, word: str) -> ColumnElement[bool]:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")  # type: ignore[no-any-return]


def words(column: Any, search: str | None) -> list[ColumnElement[bool]]:
    """Each word of `search` somewhere in the column, case aside."""
    return [_contains(column, word) for word in (search or "").lower().split()[:12]]


def _has_term(term_condition: ColumnElement[bool], service_id: Any) -> ColumnElement[bool]:
    return exists().where(col(ServiceTerm.service_id) == service_id, term_condition)


def taxonomy_conditions(
    service_id: Any, taxonomy_term_id: uuid.UUID | None, taxonomy_id: uuid.UUID | None
) -> list[ColumnElement[bool]]:
    conditions = []
    if taxonomy_term_id:
        conditions.append(_has_term(col(ServiceTerm.term_id) == taxonomy_term_id, service_id))
    if taxonomy_id:
        in_taxonomy = col(ServiceTerm.term_id).in_(
            select(TaxonomyTerm.id).where(col(TaxonomyTerm.taxonomy_id) == taxonomy_id)
        )
        conditions.append(_has_term(in_taxonomy, service_id))
    return conditions


def service_conditions(f: Filters, tombstones: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    # Deleted services appear only to incremental syncs of services, as tombstones.
    if f.modified_after is None or not tombstones:
        conditions.append(col(Service.deleted_at).is_(None))
    if f.modified_after is not None:
        conditions.append(col(Service.last_modified) >= f.modified_after)
    conditions += taxonomy_conditions(col(Service.id), f.taxonomy_term_id, f.taxonomy_id)
    if f.organization_id:
        conditions.append(col(Service.organization_id) == f.organization_id)
    conditions += words(col(Service.search_text), f.search)
    # An age window: services whose own range overlaps it (no range given: serves every age).
    if f.minimum_age is not None:
        conditions.append(
            or_(col(Service.maximum_age).is_(None), col(Service.maximum_age) >= f.minimum_age)
        )
    if f.maximum_age is not None:
        conditions.append(
            or_(col(Service.minimum_age).is_(None), col(Service.minimum_age) <= f.maximum_age)
        )
    if f.day is not None or f.start_time is not None or f.end_time is not None:
        conditions.append(_open_during(f))
    return conditions


def _open_during(f: Filters) -> ColumnElement[bool]:
    """Open at some moment of the window (on `day`, or any day), in the service's local time."""
    start = f.start_time if f.start_time is not None else 0
    end = f.end_time if f.end_time is not None else 24 * 60
    hours = [
        col(ServiceHours.service_id) == col(Service.id),
        col(ServiceHours.opens) < end,
        col(ServiceHours.closes) > start,
    ]
    if f.day is not None:
        hours.append(col(ServiceHours.day) == f.day)
    return or_(col(Service.open_24_7), exists().where(*hours))


def near(session: Session, f: Filters, lat_column: Any, lng_column: Any) -> Any:
    """Distance conditions and the distance to order by, or ([], None) without lat/lng."""
    if not f.near:
        return [], None
    assert f.lat is not None
    assert f.lng is not None
    radius_km = (f.radius_m or DEFAULT_RADIUS_M) / 1000
    dialect = session.get_bind().dialect.name
    return within(dialect, lat_column, lng_column, f.lat, f.lng, radius_km)


def postcode_centre(session: Session, postcode: str) -> tuple[float, float]:
    """The centre of the places we show at this postcode (hidden places never count)."""
    lat, lng = session.exec(
        select(func.avg(ServiceAtLocation.search_lat), func.avg(ServiceAtLocation.search_lng))
        .join(Service, col(Service.id) == col(ServiceAtLocation.service_id))
        .where(
            col(ServiceAtLocation.postcode) == postcode,
            col(ServiceAtLocation.search_lat).is_not(None),
            col(Service.deleted_at).is_(None),
        )
    ).one()
    if lat is None or lng is None:
        raise AppError(
            422,
            "unknown-postcode",
            "No location in the directory has this postcode, so its centre is unknown. "
            "Search with lat, lng and radius instead.",
            errors=[{"loc": ["query", "postcode"], "msg": "Unknown postcode."}],
        )
    return float(lat), float(lng)


def paged(
    session: Session, statement: Any, order: Sequence[Any], page: int, per_page: int
) -> tuple[list[Any], int]:
    """One page of a select, and how many rows match in all."""
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(*order).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), int(total)


def batches(
    database: Database,
    statement: Any,
    keys: Sequence[Any],
    key_of: Callable[[Any], tuple[Any, ...]],
) -> Iterator[tuple[Session, Sequence[Any]]]:
    """Every row of a select in key order, a batch at a time, each with a short session of its
    own to render it in: memory stays flat however many rows match."""
    last: tuple[Any, ...] | None = None
    while True:
        with new_session(database.reader) as session:
            batch = statement
            if last is not None:
                batch = batch.where(tuple_(*keys) > tuple_(*last))
            rows = session.exec(batch.order_by(*keys).limit(STREAM_BATCH)).all()
            yield session, rows
        if len(rows) < STREAM_BATCH:
            return
        last = key_of(rows[-1])
