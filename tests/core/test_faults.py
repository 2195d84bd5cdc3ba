"""The database failing under a request: 503 with Retry-After, nothing half-written, and the
retried request lands once (SECURITY 33-35)."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from app.main import create_app
from tests.conftest import FakeClock, make_settings
from tests.factories import auth, register

DAY = "2026-11-23"


def put_day(client: TestClient, member: dict[str, Any], mood: int, day: str = DAY) -> Any:
    return client.put(f"/v1/checkins/{day}", json={"mood": mood}, headers=auth(member))


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    assert "Traceback" not in response.text
    assert "locked" not in response.text.lower()


def checkin_rows(app: FastAPI) -> int:
    with app.state.runtime.database.reader.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM checkin")).scalar_one())


@contextmanager
def database_down(engine: Engine) -> Iterator[None]:
    """Every new connection is refused, as by a database that went away; pooled ones are gone."""
    error = engine.dialect.loaded_dbapi.OperationalError

    def refuse(*_args: Any) -> None:
        raise error("injected: the database does not answer")

    engine.dispose()
    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)


@contextmanager
def commits_fail(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """COMMIT fails in the driver. PostgreSQL then has rolled the transaction back (a lost
    connection, a failed check at commit); SQLite may leave it open (SQLITE_BUSY at COMMIT)."""
    error = engine.dialect.loaded_dbapi.OperationalError
    sqlite = engine.dialect.name == "sqlite"

    def fail(dbapi_connection: Any) -> None:
        if not sqlite:
            dbapi_connection.rollback()
        raise error("injected: COMMIT failed")

    with monkeypatch.context() as patch:
        patch.setattr(engine.dialect, "do_commit", fail)
        yield


def test_a_database_that_does_not_answer_is_503_and_the_retry_lands_once(
    client: TestClient, app: FastAPI
) -> None:
    member = register(client)
    engine = app.state.runtime.database.reader
    with database_down(engine):
        assert_unavailable(put_day(client, member, mood=3))
        assert_unavailable(client.get("/readyz"))
        assert client.get("/healthz").status_code == 200
    retried = put_day(client, member, mood=3)
    assert retried.status_code == 201, retried.text  # the failed attempt wrote nothing
    assert put_day(client, member, mood=3).status_code == 200
    assert checkin_rows(app) == 1
    assert client.get("/readyz").status_code == 200


def test_a_failed_commit_is_503_and_the_previous_state_stands(
    client: TestClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = register(client)
    assert put_day(client, member, mood=1).status_code == 201
    engine = app.state.runtime.database.reader
    with commits_fail(engine, monkeypatch):
        assert_unavailable(put_day(client, member, mood=5))
        assert_unavailable(put_day(client, member, mood=5, day="2026-11-22"))
        created = client.post(
            "/v1/auth/register", json={"handle": "never-made", "password": "a long enough password"}
        )
        assert_unavailable(created)
    day = client.get(f"/v1/checkins/{DAY}", headers=auth(member))
    assert day.status_code == 200, day.text
    assert day.json()["mood"] == 1
    assert client.get("/v1/checkins/2026-11-22", headers=auth(member)).status_code == 404
    journey = client.get("/v1/progress", headers=auth(member)).json()
    assert journey["checkin_days_total"] == 1
    login = client.post(
        "/v1/auth/login", json={"handle": "never-made", "password": "a long enough password"}
    )
    assert login.status_code == 401


def test_sqlite_locked_past_the_busy_timeout_is_503_never_500(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock and busy timeout apply to SQLite only")
    settings = make_settings(database_url, tmp_path, sqlite_busy_timeout_seconds=0.3)
    with TestClient(create_app(settings, clock=clock)) as client:
        member = register(client)
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
            assert_unavailable(put_day(client, member, mood=2))
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        assert put_day(client, member, mood=2).status_code == 201
