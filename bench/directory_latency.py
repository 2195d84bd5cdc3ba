"""Directory search latency and the cost of a full HSDS ndjson export, against a real server.

    .venv/bin/python bench/directory_latency.py --database-url URL [--requests 300]

The database must already be migrated and hold demo data (`waymark seed --demo 100000`). Starts
`waymark serve` on a free local port, times sequential searches that combine distance, a category
and text around the demo cities, then streams /hsds/services?format=ndjson and reports its time
and the server's peak resident memory (VmHWM) before and after.
"""

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.crypto import new_key_text  # noqa: E402
from app.seed.demo import CITIES  # noqa: E402

QUERIES = [
    ("shelter", "family"),
    ("food", "pantry"),
    ("legal", "clinic"),
    ("substance-use", "detox"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
    port = free_port()
    env = {
        **os.environ,
        "WAYMARK_DATABASE_URL": args.database_url,
        "WAYMARK_MASTER_KEY": os.environ.get("WAYMARK_MASTER_KEY", new_key_text()),
        "WAYMARK_PORT": str(port),
        "WAYMARK_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/waymark"), "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rng = random.Random(7)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for _ in range(200):
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            total = client.get("/hsds/services", params={"per_page": 1}).json()["total_items"]
            print(f"database: {args.database_url.split(':')[0]}, {total} services")
            samples, found = [], []
            for index in range(args.requests + 20):
                city = CITIES[index % len(CITIES)]
                category, word = QUERIES[index % len(QUERIES)]
                params = {
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
            before = peak_rss_mb(server.pid)
            started = time.perf_counter()
            lines = 0
            with client.stream(
                "GET", "/hsds/services", params={"format": "ndjson", "full": "true"}
            ) as stream:
                for _ in stream.iter_lines():
                    lines += 1
            seconds = time.perf_counter() - started
            print(
                f"ndjson export: {lines} services in {seconds:.1f} s; server peak RSS "
                f"{before:.0f} MB before, {peak_rss_mb(server.pid):.0f} MB after"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
