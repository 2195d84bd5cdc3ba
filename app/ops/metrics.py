"""Prometheus metrics (off unless WAYMARK_METRICS_ENABLED): request counts and latency per route.

Labels are route templates and status codes only, never paths, query strings or account ids.
Counters are per process; Prometheus adds them up across workers.
"""

import hmac
import threading
from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from pydantic import SecretStr

from app.core.errors import unauthorized
from app.core.openapi import problem_responses
from app.core.runtime import RuntimeDep
from app.core.security import bearer_token

# Upper bounds in seconds, cumulative as Prometheus expects.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self._buckets: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(BUCKETS))
        self._sums: dict[tuple[str, str], float] = defaultdict(float)
        self._counts: dict[tuple[str, str], int] = defaultdict(int)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self._requests[(method, route, status)] += 1
            key = (method, route)
            buckets = self._buckets[key]
            for index, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    buckets[index] += 1
            self._sums[key] += seconds
            self._counts[key] += 1

    def render(self) -> str:
        lines = [
            "# HELP waymark_http_requests_total Requests answered, by route template and status.",
            "# TYPE waymark_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), count in sorted(self._requests.items()):
                labels = f'method="{method}",route="{route}",status="{status}"'
                lines.append(f"waymark_http_requests_total{{{labels}}} {count}")
            lines += [
                "# HELP waymark_http_request_duration_seconds Time to answer, by route template.",
                "# TYPE waymark_http_request_duration_seconds histogram",
            ]
            for (method, route), buckets in sorted(self._buckets.items()):
                labels = f'method="{method}",route="{route}"'
                for bound, count in zip(BUCKETS, buckets, strict=True):
                    lines.append(
                        f'waymark_http_request_duration_seconds_bucket{{{labels},le="{bound}"}} '
                        f"{count}"
                    )
                total = self._counts[(method, route)]
                lines.append(
                    f'waymark_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} {total}'
                )
                lines.append(
                    f"waymark_http_request_duration_seconds_sum{{{labels}}} "
                    f"{self._sums[(method, route)]:.6f}"
                )
                lines.append(f"waymark_http_request_duration_seconds_count{{{labels}}} {total}")
        return "\n".join(lines) + "\n"


router = APIRouter(tags=["operations"])


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses=problem_responses(401),
    summary="Prometheus metrics",
)
def metrics(request: Request, runtime: RuntimeDep) -> PlainTextResponse:
    """Served only when WAYMARK_METRICS_ENABLED is true, to `Authorization: Bearer` with
    WAYMARK_METRICS_TOKEN. Expose it to the scraper only."""
    expected = (runtime.settings.metrics_token or SecretStr("")).get_secret_value().encode()
    sent = (bearer_token(request) or "").encode("utf-8", "replace")
    if not expected or not sent or not hmac.compare_digest(sent, expected):
        raise unauthorized("The metrics token is required.")
    registry: Metrics = request.app.state.metrics
    return PlainTextResponse(registry.render(), media_type="text/plain; version=0.0.4")
