"""Latency of GET /v1/progress by length of history, against a real uvicorn server.

    .venv/bin/python bench/progress_latency.py [--database-url URL] [--requests 300]

Starts `waymark serve` on a free local port with a fresh database (SQLite in a temporary folder
unless --database-url names an empty PostgreSQL database), creates members with 1 week, 1 year and
3 years of daily check-ins (with lapses and returns), and times sequential requests.
"""

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.data import TRACKS, insert_checkins, realistic_days  # noqa: E402
from bench.server import fresh_database, running_server  # noqa: E402

PASSWORD = "lantern orchard pebble harbor"


def load_member(client: httpx.Client, database_url: str, history_days: int, seed: int) -> str:
    handle = f"bench-{uuid.uuid4().hex[:8]}".replace("0", "o")
    body = client.post("/v1/auth/register", json={"handle": handle, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {body['token']['access_token']}"}
    client.put("/v1/me/tracks", json=list(TRACKS), headers=headers).raise_for_status()
    insert_checkins(database_url, uuid.UUID(body["account"]["id"]), history_days, seed)
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

    database_url, settings = fresh_database(args.database_url)
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
