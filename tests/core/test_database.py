"""Database settings and behaviour under concurrency (SECURITY 35)."""

import threading
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import BACKEND
from tests.factories import PASSWORD, new_handle


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite pragmas apply to SQLite only")
def test_every_sqlite_connection_is_configured(app: FastAPI) -> None:
    engine = app.state.runtime.database.reader
    connections = [engine.connect() for _ in range(3)]  # distinct pooled connections
    try:
        for connection in connections:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
    finally:
        for connection in connections:
            connection.close()


def run_concurrently(action: Callable[[], int], times: int) -> list[int]:
    """Start `times` threads at once, each running `action`; their status codes, sorted."""
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(times)

    def run() -> None:
        barrier.wait()
        status = action()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_concurrent_writers_never_fail(client: TestClient) -> None:
    def register_someone() -> int:
        body = {"handle": new_handle("busy"), "password": PASSWORD}
        return client.post("/v1/auth/register", json=body).status_code

    assert run_concurrently(register_someone, 12) == [201] * 12


def test_concurrent_registrations_of_one_handle_make_one_account(client: TestClient) -> None:
    handle = new_handle("twin")

    def register_twin() -> int:
        body = {"handle": handle, "password": PASSWORD}
        return client.post("/v1/auth/register", json=body).status_code

    assert run_concurrently(register_twin, 6) == [201] + [409] * 5
