"""Waymark's hot paths against a bare FastAPI app, in one run, on SQLite and PostgreSQL.

    bench/run [--backends sqlite,postgresql] [--seconds 10] [--resources 100000] [--workers 1]

For each database: a migrated database with the reference data and N demo resources (built once and
cached under bench/.cache, since seeding 100,000 takes minutes), members with 1 week, 1 year and 3
years of daily check-ins, 100 members to write check-ins, and a group of 50 members with a year
each. Then the ceiling app and `waymark serve`, each with the same uvicorn settings, are loaded with
`wrk -t2 -c32` (throughput) and `wrk -t1 -c1` (latency of one request at a time).
"""

import argparse
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alembic.script import ScriptDirectory  # noqa: E402

from app.core.crypto import new_key_text  # noqa: E402
from app.core.db import create_database, new_session  # noqa: E402
from app.core.migrations import alembic_config, upgrade  # noqa: E402
from app.seed.demo import CITIES, add_demo  # noqa: E402
from app.seed.service import seed  # noqa: E402
from bench import wrk  # noqa: E402
from bench.data import TRACKS, backdate_group, insert_checkins, time_releases  # noqa: E402
from bench.server import Server, started_server  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "lantern orchard pebble harbor"
SEARCH_WORDS = [
    ("shelter", "family"),
    ("food", "pantry"),
    ("legal", "clinic"),
    ("substance-use", "detox"),
]
CHECKIN = json.dumps({"lapses": {"recovery": "none"}, "mood": 3, "craving": 2, "note": "bench"})


@dataclass
class Row:
    scenario: str
    result: wrk.Result | None = None
    value: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None


# --- data -------------------------------------------------------------------------------------


def head() -> str:
    return str(ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head())


def master_key() -> str:
    """One key for every cached database (the database keeps a check value of it)."""
    path = CACHE / "master.key"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_text(new_key_text() + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def _fill(url: str, resources: int) -> None:
    upgrade(url)
    database = create_database(url)
    with new_session(database.writer) as session:
        seed(session)
        add_demo(session, resources)
    database.dispose()


def sqlite_database(workdir: Path, resources: int) -> str:
    cached = CACHE / f"demo-{resources}-{head()}.db"
    if not cached.exists():
        print(f"building the SQLite cache with {resources} demo resources (once)...", flush=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        building = cached.with_suffix(".building")
        building.unlink(missing_ok=True)
        _fill(f"sqlite:///{building}", resources)
        building.rename(cached)
    target = workdir / "bench.db"
    shutil.copyfile(cached, target)
    return f"sqlite:///{target}"


def postgresql_database(server_url: str, resources: int) -> str:
    template = f"waymark_bench_demo_{resources}_{head()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": template}
        ).first()
    if not exists:
        print(
            f"building the PostgreSQL cache with {resources} demo resources (once)...", flush=True
        )
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{template}_building"'))
        _fill(
            make_url(server_url).set(database=f"{template}_building").render_as_string(False),
            resources,
        )
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{template}_building" RENAME TO "{template}"'))
    with admin.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "waymark_bench_run" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "waymark_bench_run" TEMPLATE "{template}"'))
    admin.dispose()
    return make_url(server_url).set(database="waymark_bench_run").render_as_string(False)


def handle() -> str:
    return "bench-" + "".join(random.choices(string.ascii_lowercase, k=12))


def register(client: httpx.Client) -> dict[str, Any]:
    response = client.post("/v1/auth/register", json={"handle": handle(), "password": PASSWORD})
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    body["headers"] = {"Authorization": f"Bearer {body['token']['access_token']}"}
    return body


def people(server: Server, database_url: str) -> dict[str, Any]:
    """Members with histories, writers, and a facilitated group of 50."""
    client = server.client
    found: dict[str, Any] = {}
    for name, days in (("week", 7), ("year", 365), ("three_years", 1095)):
        member = register(client)
        tracks = client.put("/v1/me/tracks", json=list(TRACKS), headers=member["headers"])
        tracks.raise_for_status()
        insert_checkins(database_url, uuid.UUID(member["account"]["id"]), days, seed=days)
        found[name] = member["token"]["access_token"]
    found["writers"] = [register(client)["token"]["access_token"] for _ in range(100)]
    facilitator = register(client)
    database = create_database(database_url)
    account = uuid.UUID(facilitator["account"]["id"])
    with database.writer.begin() as connection:
        connection.execute(
            text("UPDATE account SET role = 'facilitator' WHERE id = :id"),
            {"id": account.hex if database.is_sqlite else account},
        )
    database.dispose()
    group = client.post("/v1/groups", json={"name": "Bench"}, headers=facilitator["headers"])
    group.raise_for_status()
    for number in range(50):
        member = register(client)
        joined = client.post(
            "/v1/groups/join",
            json={"invite_code": group.json()["invite_code"]},
            headers=member["headers"],
        )
        joined.raise_for_status()
        insert_checkins(database_url, uuid.UUID(member["account"]["id"]), 365, number, needs=True)
    # As if they had all joined a year ago, so that the year counts for the group's figures.
    backdate_group(database_url, uuid.UUID(group.json()["id"]), 365)
    found["facilitator"] = facilitator["token"]["access_token"]
    found["group"] = group.json()["id"]
    return found


def p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


# --- measurements -----------------------------------------------------------------------------


def memory_mb(pid: int, field: str) -> float:
    """VmRSS or VmHWM of a process and its children (uvicorn workers are children)."""
    pids = [pid, *children(pid)]
    total = 0.0
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                total += int(line.split()[1]) / 1024
    return total


def children(pid: int) -> list[int]:
    found = []
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(path.parent.name))
    return found


def search_paths() -> list[str]:
    rng = random.Random(7)
    paths = []
    for index in range(64):
        city = CITIES[index % len(CITIES)]
        category, word = SEARCH_WORDS[index % len(SEARCH_WORDS)]
        lat, lng = city[2] + rng.uniform(-0.1, 0.1), city[3] + rng.uniform(-0.1, 0.1)
        paths.append(
            f"/v1/resources?lat={lat:.4f}&lng={lng:.4f}&radius_km=25&category={category}&q={word}"
        )
    return paths


def days_in_order(first_back: int, count: int) -> list[str]:
    """`count` days from `first_back` days ago onwards, oldest first: each writer checks in day
    after day, as members do (a write for a day before the member's last check-in folds their
    whole history again; see app/progress/summary.py)."""
    today = datetime.now(UTC).date()
    return [(today - timedelta(days=first_back - offset)).isoformat() for offset in range(count)]


def bench_backend(
    backend: str, database_url: str, workdir: Path, args: argparse.Namespace
) -> list[Row]:
    settings = {
        "WAYMARK_DATABASE_URL": database_url,
        "WAYMARK_DATA_DIR": str(workdir),
        "WAYMARK_MASTER_KEY": master_key(),
        "WAYMARK_WORKERS": str(args.workers),
    }
    with started_server({**settings, "WAYMARK_RATE_LIMIT_ENABLED": "false"}) as setup:
        who = people(setup, database_url)
    load = {"threads": 2, "connections": 32, "seconds": args.seconds}
    one = {"threads": 1, "connections": 1, "seconds": args.seconds}
    rows: list[Row] = []

    # A group's weekly release computed afresh (reads, contributions, OpenDP noise), in process:
    # once per closed week in practice; the first read of a 90-day window computes 13.
    for weeks, repeats in ((1, 200), (13, 50)):
        samples = time_releases(database_url, uuid.UUID(who["group"]), weeks, repeats)
        rows.append(
            Row(
                f"group release computed, {weeks} week(s), 50 members x 1 year (in process)",
                value=f"p50 {sorted(samples)[len(samples) // 2]:.2f} ms, "
                f"p95 {p95(samples):.2f} ms over {repeats}",
                target="p95 <= 50 ms" if weeks == 1 else "",
                met=p95(samples) <= 50 if weeks == 1 else None,
            )
        )

    ceiling_command = [str(ROOT / ".venv/bin/python"), "-m", "bench.ceiling"]
    with started_server(settings, ceiling_command, ready_path="/ceiling") as ceiling:
        top = wrk.run(ceiling.base_url, wrk.rotating("GET", ["/ceiling"], {}, None), **load)
    rows.append(Row("ceiling: GET /ceiling (bare FastAPI)", top, ratio=1.0))

    with started_server(settings) as server:
        time.sleep(1)
        idle = memory_mb(server.pid, "VmRSS")
        url = server.base_url

        def measure(name: str, script: str, target: float | None = None, **how: int) -> wrk.Result:
            settle(server)
            result = wrk.run(url, script, **(how or load))
            ratio = result.rps / top.rps if top.rps else 0.0
            rows.append(
                Row(
                    name,
                    result,
                    ratio=ratio,
                    target=f">= {target:.2f}" if target else "",
                    met=ratio >= target if target else None,
                )
            )
            return result

        put = measure(
            "PUT /v1/checkins/{date}",
            wrk.checkins(who["writers"], days_in_order(360, 180), 2, CHECKIN),
            0.30,
        )

        def progress(token: str) -> str:
            return wrk.rotating("GET", ["/v1/progress"], {"Authorization": f"Bearer {token}"}, None)

        measure("GET /v1/progress (1 year)", progress(who["year"]), 0.30)
        settle(server)
        week = wrk.run(url, progress(who["week"]), **one)
        years = wrk.run(url, progress(who["three_years"]), **one)
        ratio = years.p50_ms / week.p50_ms
        rows.append(
            Row(
                "GET /v1/progress p50, 3 years / 1 week (one at a time)",
                value=f"{years.p50_ms:.2f} / {week.p50_ms:.2f} ms = {ratio:.2f}",
                target="<= 1.50",
                met=ratio <= 1.5,
            )
        )
        measure(
            f"GET /v1/resources geo+category+text ({args.resources} resources)",
            wrk.rotating("GET", search_paths(), {}, None),
            0.25,
        )
        facilitator = {"Authorization": f"Bearer {who['facilitator']}"}
        settle(server)
        small = wrk.run(
            url, wrk.rotating("GET", [f"/v1/groups/{who['group']}"], facilitator, None), **one
        )
        rows.append(
            Row(
                "GET /v1/groups/{id} p95, a small authenticated read (one at a time)",
                small,
                value=f"p95 {small.p95_ms:.2f} ms",
            )
        )
        settle(server)
        aggregate = wrk.run(
            url,
            wrk.rotating(
                "GET", [f"/v1/groups/{who['group']}/aggregate?days=30"], facilitator, None
            ),
            **one,
        )
        rows.append(
            Row(
                "GET /v1/groups/{id}/aggregate p95, stored weeks, 30 days (one at a time)",
                aggregate,
                value=f"p95 {aggregate.p95_ms:.2f} ms ({aggregate.p95_ms / small.p95_ms:.2f}x)",
                target="p95 <= 1.5x the small read",
                met=aggregate.p95_ms <= 1.5 * small.p95_ms,
            )
        )

        # Under attack: a flood of wrong-password logins while members keep checking in.
        settle(server)
        flood_script = wrk.logins(2)
        with tempfile.TemporaryDirectory() as folder:
            flood = subprocess.Popen(
                [sys.executable, "-c", FLOOD, url, flood_script, str(args.seconds + 2), folder],
                cwd=ROOT,
            )
            time.sleep(1)
            attacked = wrk.run(
                url, wrk.checkins(who["writers"], days_in_order(180, 180), 2, CHECKIN), **load
            )
            flood.wait()
            flooded = json.loads((Path(folder) / "flood.json").read_text())
        kept = attacked.rps / put.rps if put.rps else 0.0
        rows.append(
            Row(
                "PUT /v1/checkins/{date} during a wrong-password login flood",
                attacked,
                value=f"{kept:.0%} of normal; flood {flooded['rps']:.0f} req/s, "
                f"{flooded['bad_status']} refused",
                target=">= 50% of normal",
                met=kept >= 0.5,
            )
        )

        loaded_peak = memory_mb(server.pid, "VmHWM")
        rows.append(Row("peak RSS after all the loads above", value=f"{loaded_peak:.0f} MB"))
        rows.append(
            Row(
                "idle RSS",
                value=f"{idle:.0f} MB",
                target="<= 120 MB",
                met=idle <= 120 * args.workers,
            )
        )
        rows.append(
            Row(
                "startup to ready",
                value=f"{server.startup_seconds:.2f} s",
                target="<= 2 s",
                met=server.startup_seconds <= 2,
            )
        )
    # The export on a fresh server, so that its peak memory is the export's own.
    with started_server(settings) as server:
        started = time.perf_counter()
        with server.client.stream("GET", "/hsds/services", params={"format": "ndjson"}) as stream:
            lines = sum(chunk.count(b"\n") for chunk in stream.iter_bytes())
        seconds = time.perf_counter() - started
        peak = memory_mb(server.pid, "VmHWM")
    rows.append(
        Row(
            "GET /hsds/services?format=ndjson (everything, fresh server)",
            value=f"{lines} services in {seconds:.1f} s; peak RSS {peak:.0f} MB",
            target="peak RSS <= 250 MB",
            met=peak <= 250,
        )
    )
    return rows


def settle(server: Server) -> None:
    """Wait until the requests a previous load left queued are done: the server's processes use
    less than 5 % of a core over a quarter of a second (a fast /healthz is not enough, since
    leftover requests may still hold request threads)."""
    for _ in range(1200):
        before = cpu_seconds(server.pid)
        time.sleep(0.25)
        if cpu_seconds(server.pid) - before < 0.0125:
            return


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its children (uvicorn workers)."""
    total = 0
    for each in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


FLOOD = """
import json, sys
from pathlib import Path
sys.path.insert(0, ".")
from bench import wrk
url, script, seconds, folder = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
result = wrk.run(url, script, threads=2, connections=32, seconds=seconds)
summary = {"rps": result.rps, "bad_status": result.bad_status}
Path(folder, "flood.json").write_text(json.dumps(summary))
"""


def print_table(backend: str, workers: int, rows: list[Row]) -> None:
    print(f"\n{backend}, {workers} uvicorn worker(s)")
    print(f"{'scenario':<72} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6}  target")
    for row in rows:
        numbers = ""
        if row.result is not None:
            numbers = f"{row.result.rps:>8.0f} {row.result.p50_ms:>8.2f} {row.result.p99_ms:>8.2f}"
        else:
            numbers = f"{'':>8} {'':>8} {'':>8}"
        ratio = f"{row.ratio:>6.2f}" if row.ratio is not None else f"{'':>6}"
        verdict = {True: "met", False: "NOT MET", None: ""}[row.met]
        print(f"{row.scenario:<72} {numbers} {ratio}  {row.target} {verdict}".rstrip())
        if row.value:
            print(f"{'':<4}{row.value}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--postgresql-url", default=DEFAULT_PG, help="a server to create databases on"
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; wrk -t2 -c32 -d{args.seconds}s for throughput")
    for backend in args.backends.split(","):
        workdir = Path(tempfile.mkdtemp(prefix="waymark-bench-"))
        if backend == "sqlite":
            url = sqlite_database(workdir, args.resources)
        elif backend == "postgresql":
            try:
                url = postgresql_database(args.postgresql_url, args.resources)
            except Exception as exc:
                reason = type(exc).__name__
                print(f"\npostgresql: skipped, no server at {args.postgresql_url} ({reason})")
                continue
        else:
            raise SystemExit(f"unknown backend {backend}")
        print_table(backend, args.workers, bench_backend(backend, url, workdir, args))
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
