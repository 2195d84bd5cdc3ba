"""Latency of GET /v1/groups/{id}/aggregate for 50 members with a year of daily check-ins each,
against a real uvicorn server.

    .venv/bin/python bench/aggregate_latency.py [--database-url URL] [--members 50] [--requests 300]

Starts `waymark serve` on a free local port with a fresh database (SQLite in a temporary folder
unless --database-url names an empty PostgreSQL database), makes a facilitator and a group, lets the
members join with its invite code, writes their histories (lapses, silences, returns, needs) with
their progress summaries, backdates the group and the members' joining by the history's length,
then times fresh releases in process (1 and 13 weeks: the first read of a 90-day window) and
sequential requests for each window, served from the stored weeks, next to a small read.
"""

import argparse
import random
import statistics
import string
import sys
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.db import create_database  # noqa: E402
from bench.data import backdate_group, insert_checkins, time_releases  # noqa: E402
from bench.server import fresh_database, running_server  # noqa: E402

PASSWORD = "lantern orchard pebble harbor"


def register(client: httpx.Client) -> dict:  # type: ignore[type-arg]
    # Letters only: a run of digits in a handle would be refused as a phone number.
    handle = "bench-" + "".join(random.choices(string.ascii_lowercase, k=12))
    response = client.post("/v1/auth/register", json={"handle": handle, "password": PASSWORD})
    response.raise_for_status()
    body: dict = response.json()  # type: ignore[type-arg]
    body["headers"] = {"Authorization": f"Bearer {body['token']['access_token']}"}
    return body


def make_facilitator(database_url: str, account_id: str) -> None:
    database = create_database(database_url)
    value = uuid.UUID(account_id)
    with database.writer.begin() as connection:
        connection.execute(
            text("UPDATE account SET role = 'facilitator' WHERE id = :id"),
            {"id": value.hex if database.is_sqlite else value},
        )
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()

    database_url, settings = fresh_database(args.database_url)
    with running_server(settings) as (client, _pid):
        facilitator = register(client)
        make_facilitator(database_url, facilitator["account"]["id"])
        group = client.post(
            "/v1/groups", json={"name": "Bench group"}, headers=facilitator["headers"]
        ).json()
        checkins = 0
        for seed in range(args.members):
            member = register(client)
            client.post(
                "/v1/groups/join",
                json={"invite_code": group["invite_code"]},
                headers=member["headers"],
            ).raise_for_status()
            account_id = uuid.UUID(member["account"]["id"])
            checkins += insert_checkins(database_url, account_id, args.days, seed, needs=True)
        backdate_group(database_url, uuid.UUID(group["id"]), args.days)
        for weeks in (1, 13):
            computed = time_releases(database_url, uuid.UUID(group["id"]), weeks, 100)
            print(
                f"release of {weeks:>2} week(s) computed in process: "
                f"p50 {statistics.median(computed):.2f} ms, "
                f"p95 {statistics.quantiles(computed, n=20)[18]:.2f} ms"
            )
        path = f"/v1/groups/{group['id']}/aggregate"
        backend = database_url.split(":")[0]
        print(
            f"database: {backend}, {args.members} members, {checkins} check-ins, "
            f"{args.requests} sequential requests"
        )
        print(f"{'window':>8} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
        for days in (7, 30, 90, 0):
            params = {"days": days}
            if days == 0:  # the same group read plainly, for comparison
                path, params = f"/v1/groups/{group['id']}", {}
            for _ in range(20):  # warm up
                client.get(path, params=params, headers=facilitator["headers"]).raise_for_status()
            samples = []
            for _ in range(args.requests):
                started = time.perf_counter()
                client.get(path, params=params, headers=facilitator["headers"]).raise_for_status()
                samples.append((time.perf_counter() - started) * 1000)
            p95 = statistics.quantiles(samples, n=20)[18]
            label = f"{days:>6} d" if days else "   group"
            print(
                f"{label} {statistics.median(samples):>8.2f} {p95:>8.2f} "
                f"{statistics.fmean(samples):>8.2f}"
            )


if __name__ == "__main__":
    main()
