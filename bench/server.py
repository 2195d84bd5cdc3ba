"""Start `waymark serve` on a free local port for a benchmark, and stop it afterwards."""

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def fresh_database(database_url: str | None) -> tuple[str, dict[str, str]]:
    """A migrated database (SQLite in a new temporary folder unless a URL is given) and the
    settings a benchmark server needs for it."""
    from app.core.crypto import new_key_text
    from app.core.migrations import upgrade

    workdir = Path(tempfile.mkdtemp(prefix="waymark-bench-"))
    database_url = database_url or f"sqlite:///{workdir / 'bench.db'}"
    upgrade(database_url)
    return database_url, {
        "WAYMARK_DATABASE_URL": database_url,
        "WAYMARK_DATA_DIR": str(workdir),
        "WAYMARK_MASTER_KEY": new_key_text(),
        "WAYMARK_RATE_LIMIT_ENABLED": "false",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Server:
    client: httpx.Client
    pid: int
    base_url: str
    startup_seconds: float  # from starting the process to the first 200 from `ready_path`


@contextmanager
def started_server(
    settings: dict[str, str], command: list[str] | None = None, ready_path: str = "/readyz"
) -> Iterator[Server]:
    """A server process (`waymark serve` unless another command is given) on a free local port,
    with WAYMARK_* settings from `settings`; stopped afterwards."""
    port = free_port()
    env = {**os.environ, **settings, "WAYMARK_PORT": str(port), "WAYMARK_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    server = subprocess.Popen(
        command or [str(ROOT / ".venv/bin/waymark"), "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base_url, timeout=120) as client:
            for _ in range(3000):
                if server.poll() is not None:
                    raise SystemExit(
                        f"the server exited with code {server.returncode}: is the database "
                        "migrated, and is WAYMARK_MASTER_KEY the key it was set up with?"
                    )
                try:
                    if client.get(ready_path).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.01)
            else:
                raise SystemExit("the server did not become ready within 30 s")
            yield Server(client, server.pid, base_url, time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def running_server(settings: dict[str, str]) -> Iterator[tuple[httpx.Client, int]]:
    """(a client for `waymark serve`, the server's pid); WAYMARK_* settings from `settings`."""
    with started_server(settings) as server:
        yield server.client, server.pid
