"""Directory search latency and the cost of a full HSDS ndjson export, against a real server.

    .venv/bin/python bench/directory_latency.py --database-url URL [--requests 300]

The database must already be migrated and hold demo data (`waymark seed --demo 100000`), and the
server needs that database's master key (WAYMARK_MASTER_KEY, or WAYMARK_DATA_DIR for SQLite). Starts
`waymark serve` on a free local port, times sequential searches that combine distance, a category
and text around the demo cities, then streams /hsds/services?format=ndjson and reports its time
and the server's peak resident memory (VmHWM) before and after.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.seed.demo import CITIES  # noqa: E402
from bench.server import running_server  # noqa: E402

QUERIES = [
    ("shelter", "family"),
    ("food", "pantry"),
    ("legal", "clinic"),
    ("substance-use", "detox"),
]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    # The key the database was set up with: WAYMARK_MASTER_KEY, or for SQLite the one
    # generated into WAYMARK_DATA_DIR by `waymark seed`.
    settings = {"WAYMARK_DATABASE_URL": args.database_url}
    rng = random.Random(7)
    with running_server(settings) as (client, pid):
        total = client.get("/hsds/services", params={"per_page": 1}).json()["total_items"]
        print(f"database: {args.database_url.split(':')[0]}, {total} services")
        samples, found = [], []
        for index in range(args.requests + 20):
            city = CITIES[index % len(CITIES)]
            category, word = QUERIES[index % len(QUERIES)]
            params: dict[str, str | float] = {
                "lat": city[2] + rng.uniform(-0.1, 0.1),
                "lng": city[3] + rng.uniform(-0.1, 0.1),
                "radius_km": 25,
                "category": category,
                "q": word,
            }
            started = time.perf_counter()
            response = client.get("/v1/resources", params=params)
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if index >= 20:  # the first 20 warm up
                samples.append(elapsed)
                found.append(len(response.json()["items"]))
        quantiles = statistics.quantiles(samples, n=20)
        print(
            f"search geo+category+text: p50 {statistics.median(samples):.1f} ms, "
            f"p95 {quantiles[18]:.1f} ms, mean {statistics.fmean(samples):.1f} ms, "
            f"{statistics.fmean(found):.1f} results per page on average"
        )
        before = peak_rss_mb(pid)
        started = time.perf_counter()
        lines = 0
        params = {"format": "ndjson", "full": "true"}
        with client.stream("GET", "/hsds/services", params=params) as stream:
            for _ in stream.iter_lines():
                lines += 1
        seconds = time.perf_counter() - started
        print(
            f"ndjson export: {lines} services in {seconds:.1f} s; server peak RSS "
            f"{before:.0f} MB before, {peak_rss_mb(pid):.0f} MB after"
        )


if __name__ == "__main__":
    main()
