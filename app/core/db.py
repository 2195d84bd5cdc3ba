"""Engines and sessions.

SQLite is the laptop default: WAL so readers never wait for the writer, a busy timeout so writers
queue instead of failing, and BEGIN IMMEDIATE for write requests so a transaction that reads and
then writes cannot fail half-way with "database is locked". PostgreSQL is the production store.
"""

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from app.core.geo import haversine_km

log = logging.getLogger("waymark.db")

DEFAULT_SQLITE_BUSY_SECONDS = 10.0
# After a deletion the WAL is emptied at once if no reader needs it; else retried in the
# background (a backup may read for minutes).
CHECKPOINT_WAIT_SECONDS = 0.2
CHECKPOINT_RETRY_SECONDS = 0.5
CHECKPOINT_GIVE_UP_SECONDS = 3600.0
HOLDS_WRITE_LOCK = "waymark_holds_write_lock"
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA secure_delete=ON",
    "PRAGMA synchronous=NORMAL",
    # Each time the WAL starts over, its file is cut back: old frames (pages as they were
    # before a deletion) do not linger at its end.
    "PRAGMA journal_size_limit=0",
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")


@dataclass(frozen=True)
class Database:
    """One pool, two doors: `reader` begins plain transactions, `writer` takes the write lock."""

    reader: Engine
    writer: Engine
    busy_seconds: float = DEFAULT_SQLITE_BUSY_SECONDS

    @property
    def is_sqlite(self) -> bool:
        return self.reader.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.reader.dispose()

    def checkpoint(self, wait_seconds: float = CHECKPOINT_WAIT_SECONDS) -> bool:
        """Fold the SQLite WAL into the database file and empty it, waiting at most
        `wait_seconds` for readers that still need it. True once the WAL is empty."""
        if not self.is_sqlite:
            return True
        raw = self.reader.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(f"PRAGMA busy_timeout={int(wait_seconds * 1000)}")
            try:
                busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:  # the connection goes back to the pool with its own timeout
                cursor.execute(f"PRAGMA busy_timeout={int(self.busy_seconds * 1000)}")
        finally:
            raw.close()
        return bool(busy == 0)

    def empty_wal_soon(self, give_up_after: float = CHECKPOINT_GIVE_UP_SECONDS) -> None:
        """After a deletion: empty the WAL now, or, while a reader (a backup, a slow export)
        still needs it, keep trying in the background until it is done."""
        if self.checkpoint():
            return
        log.warning("deleted data stays in the SQLite write-ahead log until a reader finishes")
        threading.Thread(
            target=self._empty_wal, args=(give_up_after,), name="empty-wal", daemon=True
        ).start()

    def _empty_wal(self, give_up_after: float) -> None:
        deadline = time.monotonic() + give_up_after
        while time.monotonic() < deadline:
            time.sleep(CHECKPOINT_RETRY_SECONDS)
            try:
                if self.checkpoint(wait_seconds=CHECKPOINT_RETRY_SECONDS):
                    log.info("the write-ahead log is empty again")
                    return
            except Exception as exc:  # a stopped pool, a vanished file: say so and stop
                log.warning("emptying the write-ahead log failed (%s)", type(exc).__name__)
                return
        log.warning("the write-ahead log is still in use; the next checkpoint will empty it")


def _configure_sqlite(engine: Engine, busy_seconds: float) -> None:
    # Writers of this process queue on a lock before BEGIN IMMEDIATE. SQLite's own busy handler
    # sleeps and polls (1, 2, 5 … 100 ms), so under load a waiting writer often sleeps through
    # the moments the database is free: throughput falls and some requests wait seconds. The
    # lock is released when the connection goes back to the pool, after COMMIT or ROLLBACK.
    # Other processes on the same file still meet the busy timeout.
    write_lock = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.close()
        # PostgreSQL computes distances in SQL; SQLite borrows the same formula from Python.
        dbapi_connection.create_function("haversine_km", 4, haversine_km, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        if immediate and not connection.info.get(HOLDS_WRITE_LOCK):
            # Past the busy timeout, go on and let SQLite decide (it answers "locked").
            connection.info[HOLDS_WRITE_LOCK] = write_lock.acquire(timeout=busy_seconds)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        # A COMMIT that fails (SQLITE_BUSY, a full disk) can leave SQLite's transaction open
        # while SQLAlchemy counts it as ended; the next BEGIN on this connection would fail.
        if dbapi_connection is not None and dbapi_connection.in_transaction:
            dbapi_connection.rollback()
        if record.info.pop(HOLDS_WRITE_LOCK, False):
            write_lock.release()


def _private_file(path: Path) -> None:
    """Make the database file, and a missing folder for it, readable by this user only (files an
    older version left readable to others are closed). SQLite gives its journal files (-wal,
    -shm) the database file's permissions."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and file.stat().st_mode & 0o077:
            file.chmod(0o600)


def create_database(url: str, sqlite_busy_seconds: float = DEFAULT_SQLITE_BUSY_SECONDS) -> Database:
    """Past `sqlite_busy_seconds` waiting for SQLite's write lock, a request fails with 503."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        pool: dict[str, int] = {}
        if parsed.database and parsed.database != ":memory:":
            # If the folder cannot be made, connecting fails and /readyz says so.
            with contextlib.suppress(OSError):
                _private_file(Path(parsed.database))
            # As many connections as request threads may want (a request can hold two): a
            # connection opened past the pool is closed after use, and reopening one costs
            # its pragmas every time.
            pool = {"pool_size": 40, "max_overflow": 40}
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": sqlite_busy_seconds},
            hide_parameters=True,
            **pool,
        )
        _configure_sqlite(engine, sqlite_busy_seconds)
        return Database(
            reader=engine,
            writer=engine.execution_options(sqlite_immediate=True),
            busy_seconds=sqlite_busy_seconds,
        )
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        hide_parameters=True,  # never let bound values (hashes, notes) reach a log or error
        connect_args={"connect_timeout": 5},
    )
    return Database(reader=engine, writer=engine)


def insert_if_absent(session: Session, model: type[SQLModel], values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on the primary key, on SQLite and PostgreSQL alike."""
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    session.exec(insert(table).values(**values).on_conflict_do_nothing())


# Long IN lists go in slices: SQLite and PostgreSQL both cap the parameters of one statement.
IN_LIST_SLICE = 500


def in_slices(values: Iterable[T]) -> Iterator[list[T]]:
    """Sorted values in slices small enough for one `IN (...)`."""
    ordered = sorted(set(values))  # type: ignore[type-var]
    for start in range(0, len(ordered), IN_LIST_SLICE):
        yield ordered[start : start + IN_LIST_SLICE]


def same_snapshot(session: Session) -> None:
    """Let every query of this (fresh) session read one snapshot of the database.

    SQLite's read transactions already do; PostgreSQL's default READ COMMITTED takes a new one for
    each statement. Call it before the session's first query."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def new_session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)


def get_session(request: Request) -> Iterator[Session]:
    database: Database = request.app.state.runtime.database
    engine = database.reader if request.method in READ_METHODS else database.writer
    with new_session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
