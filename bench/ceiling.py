"""The ceiling: the fastest thing FastAPI can do here, served exactly as `waymark serve` serves.

    .venv/bin/python -m bench.ceiling        (WAYMARK_HOST, WAYMARK_PORT, WAYMARK_WORKERS)

Benchmarks report Waymark's throughput as a ratio to this app's, measured in the same run on the
same machine, so the figures mean the same on a fast laptop and on a noisy shared host.
"""

import uvicorn
from fastapi import FastAPI


def create_app() -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/ceiling")
    async def ceiling() -> dict[str, str]:
        return {"status": "ok", "service": "ceiling"}

    return app


if __name__ == "__main__":
    from app.cli import uvicorn_options
    from app.core.config import get_settings

    uvicorn.run("bench.ceiling:create_app", **uvicorn_options(get_settings()))
