"""Reading a member's data writes nothing: a member with no data key yet gets none made by a read.

A read runs on the read engine; on SQLite a read that turned into a write (making a data key)
had to wait for the writers, and while others wrote it was answered 503.
"""

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from app.main import create_app
from tests.conftest import FakeClock, make_settings
from tests.factories import auth, register

READS = [
    "/v1/checkins",
    "/v1/checkins/2026-11-20",
    "/v1/me/steps",
    "/v1/me/reach-out",
    "/v1/me/export",
]


def key_rows(app: FastAPI) -> int:
    with app.state.runtime.database.reader.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM member_key")).scalar_one())


@contextmanager
def writes_seen(app: FastAPI) -> Iterator[list[str]]:
    """Every statement that changes the database while the block runs (rolled back or not)."""
    engine = app.state.runtime.database.reader
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("path", READS)
def test_a_read_writes_nothing(client: TestClient, app: FastAPI, path: str) -> None:
    member = register(client)
    with writes_seen(app) as writes:
        response = client.get(path, headers=auth(member))
    assert response.status_code in (200, 404), response.text
    assert writes == []
    assert key_rows(app) == 0


@pytest.fixture
def unthrottled(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[TestClient]:
    """Sixty-four registrations from one address would be throttled, and rightly."""
    app = create_app(make_settings(database_url, tmp_path, rate_limit_enabled=False), clock=clock)
    with TestClient(app) as client:
        yield client


def test_key_less_readers_are_answered_while_others_write(unthrottled: TestClient) -> None:
    client, app = unthrottled, unthrottled.app
    assert isinstance(app, FastAPI)
    writers = [register(client) for _ in range(4)]
    readers = [register(client) for _ in range(60)]
    statuses: dict[str, list[int]] = {"write": [], "read": []}
    lock = threading.Lock()

    def write(member: dict[str, Any]) -> None:
        for day in range(1, 21):
            response = client.put(
                f"/v1/checkins/2026-11-{day:02d}",
                json={"mood": 3, "note": f"day {day} {uuid.uuid4().hex}"},
                headers=auth(member),
            )
            with lock:
                statuses["write"].append(response.status_code)

    def read(members: list[dict[str, Any]]) -> None:
        for member in members:
            for path in ("/v1/checkins", "/v1/me/steps"):
                response = client.get(path, headers=auth(member))
                with lock:
                    statuses["read"].append(response.status_code)

    threads = [threading.Thread(target=write, args=(member,)) for member in writers]
    threads += [threading.Thread(target=read, args=(readers[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses["write"])) == [201]
    assert statuses["read"] == [200] * len(readers) * 2
    assert key_rows(app) == len(writers)
