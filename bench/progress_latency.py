"""Latency of GET /v1/progress by length of history, against a real uvicorn server.

    .venv/bin/python bench/progress_latency.py [--database-url URL] [--requests 300]

Starts `waymark serve` on a free local port with a fresh database (SQLite in a temporary folder
unless --database-url names an empty PostgreSQL database), creates members with 1 week, 1 year and
3 years of daily check-ins (with lapses and returns), and times sequential requests.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.crypto import new_key_text  # noqa: E402
from app.core.db import create_database, new_session  # noqa: E402
from app.core.migrations import upgrade  # noqa: E402
from app.models import Checkin  # noqa: E402
from bench.server import running_server  # noqa: E402

PASSWORD = "lantern orchard pebble harbor"


def realistic_days(count: int, seed: int) -> list[tuple[date, dict[str, str], int]]:
    """Daily check-ins with occasional lapse streaks and silences, ending today."""
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    days, day = [], today - timedelta(days=count - 1)
    while day <= today:
        if rng.random() < 0.02:  # a silence of 1 to 20 days
            day += timedelta(days=rng.randint(1, 20))
            continue
        level = "none"
        if rng.random() < 0.04:
            level = rng.choice(["some", "some", "heavy"])
        days.append((day, {"recovery": level}, rng.randint(1, 5)))
        day += timedelta(days=1)
    return days


def load_member(client: httpx.Client, database_url: str, history_days: int, seed: int) -> str:
    handle = f"bench-{uuid.uuid4().hex[:8]}".replace("0", "o")
    body = client.post("/v1/auth/register", json={"handle": handle, "password": PASSWORD}).json()
    account_id = uuid.UUID(body["account"]["id"])
    now = datetime.now(UTC)
    database = create_database(database_url)
    with new_session(database.writer) as session:
        for day, lapses, mood in realistic_days(history_days, seed):
            session.add(
                Checkin(
                    account_id=account_id,
                    day=day,
                    lapses=lapses,
                    mood=mood,
                    etag=uuid.uuid4().hex,
                    created_at=now,
                    updated_at=now,
                )
            )
        session.commit()
    database.dispose()
    return str(body["token"]["access_token"])


def timed(client: httpx.Client, token: str, requests: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(20):  # warm up
        client.get("/v1/progress", headers=headers).raise_for_status()
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get("/v1/progress", headers=headers).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="waymark-bench-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    upgrade(database_url)
    settings = {
        "WAYMARK_DATABASE_URL": database_url,
        "WAYMARK_DATA_DIR": str(workdir),
        "WAYMARK_MASTER_KEY": new_key_text(),
        "WAYMARK_RATE_LIMIT_ENABLED": "false",
    }
    with running_server(settings) as (client, _pid):
        print(f"database: {database_url.split(':')[0]}, {args.requests} sequential requests")
        print(f"{'history':>10} {'check-ins':>10} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
        for label, days, seed in (("1 week", 7, 1), ("1 year", 365, 2), ("3 years", 1095, 3)):
            token = load_member(client, database_url, days, seed)
            samples = timed(client, token, args.requests)
            quantiles = statistics.quantiles(samples, n=20)
            count = len(realistic_days(days, seed))
            print(
                f"{label:>10} {count:>10} {statistics.median(samples):>8.2f} "
                f"{quantiles[18]:>8.2f} {statistics.fmean(samples):>8.2f}"
            )


if __name__ == "__main__":
    main()
