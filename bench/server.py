"""Start `waymark serve` on a free local port for a benchmark, and stop it afterwards."""

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def running_server(settings: dict[str, str]) -> Iterator[tuple[httpx.Client, int]]:
    """(a client for the server, the server's pid); WAYMARK_* settings come from `settings`."""
    port = free_port()
    env = {**os.environ, **settings, "WAYMARK_PORT": str(port), "WAYMARK_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/waymark"), "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for _ in range(300):
                if server.poll() is not None:
                    raise SystemExit(
                        f"waymark serve exited with code {server.returncode}: is the database "
                        "migrated, and is WAYMARK_MASTER_KEY the key it was set up with?"
                    )
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            else:
                raise SystemExit("waymark serve did not become ready within 30 s")
            yield client, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)
