"""`waymark serve` as a real process: a graceful stop under load, and two workers sharing one
PostgreSQL database (sessions, throttling and idempotency records live in it, not in a process)."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import FAST_ARGON2, TEST_MASTER_KEY
from tests.factories import PASSWORD, new_handle

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(
    database_url: str, data_dir: Path, workers: int = 1, **settings: str
) -> Iterator[tuple[str, Any]]:
    """(base URL, process) of `waymark serve` on a free port; stopped afterwards if still running."""
    port = free_port()
    env = {
        **os.environ,
        "WAYMARK_DATABASE_URL": database_url,
        "WAYMARK_DATA_DIR": str(data_dir),
        "WAYMARK_MASTER_KEY": TEST_MASTER_KEY,
        "WAYMARK_PORT": str(port),
        "WAYMARK_WORKERS": str(workers),
        "WAYMARK_LOG_LEVEL": "WARNING",
        **{f"WAYMARK_{name.upper()}": str(value) for name, value in FAST_ARGON2.items()},
        **{f"WAYMARK_{name.upper()}": value for name, value in settings.items()},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready in 30 s"
            time.sleep(0.05)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def register(base: str) -> dict[str, Any]:
    handle = new_handle("proc")
    response = httpx.post(
        f"{base}/v1/auth/register", json={"handle": handle, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    body["headers"] = {"Authorization": f"Bearer {body['token']['access_token']}"}
    body["handle"] = handle
    return body


def count(database_url: str, sql: str, **params: Any) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(sql), params).scalar_one())
    finally:
        engine.dispose()


def test_sigterm_lets_requests_in_flight_finish_and_loses_nothing(
    database_url: str, tmp_path: Path
) -> None:
    """Eight clients keep checking in while the server is told to stop: every request it took
    is answered, no answer is a 5xx, and the database holds exactly the days answered 201."""
    today = datetime.now(UTC).date()
    days = [(today - timedelta(days=offset)).isoformat() for offset in range(360)]
    answered: list[tuple[str, int, float]] = []
    lock = threading.Lock()
    with served(database_url, tmp_path) as (base, process):
        member = register(base)

        def write(start: int) -> None:
            with httpx.Client(base_url=base, headers=member["headers"], timeout=30) as client:
                for day in days[start::8]:
                    try:
                        response = client.put(f"/v1/checkins/{day}", json={"mood": 3})
                    except httpx.TransportError:
                        return  # the server stopped taking requests
                    with lock:
                        answered.append((day, response.status_code, time.monotonic()))

        writers = [threading.Thread(target=write, args=(start,)) for start in range(8)]
        for writer in writers:
            writer.start()
        while len(answered) < 40:
            time.sleep(0.01)
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        for writer in writers:
            writer.join(timeout=60)
        # uvicorn stops gracefully, then re-raises the signal it caught (exit status -15).
        assert process.wait(timeout=40) in (0, -signal.SIGTERM)
    statuses = {status for _, status, _ in answered}
    assert statuses == {201}, statuses
    assert any(at > stopped_at for _, _, at in answered), "no request was in flight at SIGTERM"
    assert len(answered) < len(days), "the server never stopped taking requests"
    rows = count(database_url, "SELECT count(*) FROM checkin")
    assert rows == len(answered)


def test_two_workers_share_sessions_throttles_and_idempotency(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several worker processes need PostgreSQL (SQLite has one writer)")
    with served(database_url, tmp_path, workers=2) as (base, _process):

        def fresh(method: str, path: str, **options: Any) -> httpx.Response:
            # A new connection each time, so that requests spread over both workers.
            with httpx.Client(base_url=base, timeout=10) as client:
                return client.request(method, path, **options)

        member = register(base)
        for _ in range(12):
            assert fresh("GET", "/v1/me", headers=member["headers"]).status_code == 200
        assert fresh("POST", "/v1/auth/logout", headers=member["headers"]).status_code == 204
        for _ in range(12):
            assert fresh("GET", "/v1/me", headers=member["headers"]).status_code == 401

        wrong = {"handle": member["handle"], "password": "not the password at all"}
        statuses = [fresh("POST", "/v1/auth/login", json=wrong).status_code for _ in range(6)]
        assert statuses == [401] * 5 + [429]
        right = {"handle": member["handle"], "password": PASSWORD}
        assert fresh("POST", "/v1/auth/login", json=right).status_code == 429

        facilitator = register(base)
        role = "UPDATE account SET role = 'facilitator' WHERE handle = :handle"
        engine = create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text(role), {"handle": facilitator["handle"]})
        engine.dispose()
        headers = {**facilitator["headers"], "Idempotency-Key": "across-workers"}
        answers = [
            fresh("POST", "/v1/groups", json={"name": "Across"}, headers=headers) for _ in range(8)
        ]
        assert {answer.status_code for answer in answers} == {201}
        assert len({answer.json()["id"] for answer in answers}) == 1
        assert count(database_url, "SELECT count(*) FROM peer_group") == 1


@pytest.mark.parametrize("trusted", [True, False])
def test_forwarded_addresses_count_only_from_trusted_proxies(
    database_url: str, tmp_path: Path, trusted: bool
) -> None:
    """Behind a trusted proxy each client's own address is throttled (20 failed logins per
    minute, SECURITY 4); from anywhere else X-Forwarded-For is ignored, so nobody can dodge the
    per-address count by sending a new one with every guess."""
    proxies = "127.0.0.1" if trusted else "192.0.2.1"
    with served(database_url, tmp_path, forwarded_allow_ips=proxies) as (base, _process):

        def login(index: int, address: str) -> int:
            body = {"handle": f"nobody-{index}", "password": "not the password at all"}
            headers = {"X-Forwarded-For": address}
            return httpx.post(f"{base}/v1/auth/login", json=body, headers=headers).status_code

        guesses = [login(index, "203.0.113.7") for index in range(21)]
        assert guesses[:20] == [401] * 20
        assert guesses[20] == 429
        other_client = login(99, "198.51.100.4")
    assert other_client == (401 if trusted else 429)
