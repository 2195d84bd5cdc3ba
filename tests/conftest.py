"""Test harness: every test gets a fresh, migrated database on the backend under test.

SQLite: a migrated template file is built once per run and copied per test.
PostgreSQL (WAYMARK_TEST_BACKEND=postgresql): a database of our own is created and migrated once
per run, and every table is emptied after each test.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.core.config import Settings, get_settings
from app.core.crypto import encode_key
from app.core.db import new_session
from app.core.migrations import upgrade
from app.main import create_app
from app.models import metadata
from app.seed.service import seed

BACKEND = os.environ.get("WAYMARK_TEST_BACKEND", "sqlite")
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEST_MASTER_KEY = encode_key(bytes(range(32)))
# Cheap argon2 for speed; still argon2id through passlib, so upgrades and verifies are real.
FAST_ARGON2 = {"argon2_memory_kib": 1024, "argon2_time_cost": 1, "argon2_parallelism": 1}


class FakeClock:
    """Starts at a fixed moment and moves 1 ms per reading, or when a test advances it."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.moment += timedelta(milliseconds=1)
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def pg_base_url() -> str:
    return os.environ.get("WAYMARK_TEST_DATABASE_URL") or DEFAULT_PG_URL


def create_pg_database(prefix: str) -> str:
    """A new, empty PostgreSQL database beside the configured one; returns its URL."""
    base = make_url(pg_base_url())
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(make_url(pg_base_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # A developer's own WAYMARK_* settings must not change what the tests see.
    for name in list(os.environ):
        if name.startswith("WAYMARK_") and not name.startswith("WAYMARK_TEST_"):
            monkeypatch.delenv(name)
    # `waymark` commands run in-process set the umask for the whole process.
    umask = os.umask(0o022)
    os.umask(umask)
    yield
    os.umask(umask)


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("template") / "waymark.db"
        upgrade(f"sqlite:///{path}")
        yield str(path)
        return
    url = create_pg_database("waymark_test")
    upgrade(url)
    yield url
    drop_pg_database(url)


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> Iterator[str]:
    if BACKEND == "sqlite":
        path = tmp_path / "waymark.db"
        shutil.copyfile(template_database, path)
        yield f"sqlite:///{path}"
        return
    yield template_database
    engine = create_engine(template_database)
    tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_settings(database_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "master_key": TEST_MASTER_KEY,
        **FAST_ARGON2,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def app(settings: Settings, clock: FakeClock) -> FastAPI:
    app = create_app(settings, clock=clock)
    # Reference data, as `make run` seeds it.
    with new_session(app.state.runtime.database.writer) as session:
        seed(session)
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("WAYMARK_DATABASE_URL", database_url)
    monkeypatch.setenv("WAYMARK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WAYMARK_MASTER_KEY", TEST_MASTER_KEY)
    monkeypatch.setenv("WAYMARK_ARGON2_MEMORY_KIB", "1024")
    monkeypatch.setenv("WAYMARK_ARGON2_TIME_COST", "1")
    get_settings.cache_clear()
    yield database_url  # type: ignore[misc]
    get_settings.cache_clear()
