"""create_app(): routers, middleware (request id, body cap) and problem+json handlers."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.exc import SQLAlchemyError

from app.accounts.keys import shred_member_key
from app.accounts.router import admin_router, auth_router, me_router
from app.accounts.service import ACCOUNT_PARTS
from app.checkins import service as checkins
from app.checkins.router import router as checkins_router
from app.core.clock import Clock, system_clock
from app.core.config import Settings, get_settings
from app.core.crypto import MasterKeyError, derive_key, load_master_key, verify_master_key
from app.core.db import create_database
from app.core.errors import install_error_handlers
from app.core.i18n import load_catalogs
from app.core.logging import install_record_stamping
from app.core.middleware import BodyLimitMiddleware, RequestContextMiddleware
from app.core.openapi import install_docs, install_openapi
from app.core.pagination import cursor_secret
from app.core.ratelimit import Throttler
from app.core.runtime import AccountPart, Runtime
from app.core.security import PasswordHasher
from app.groups import reach_out
from app.groups import service as groups
from app.groups.router import access_log_router, reach_out_router
from app.groups.router import admin_router as groups_admin_router
from app.groups.router import router as groups_router
from app.idempotency.service import delete_idempotency_records
from app.meetings.router import feed_router
from app.meetings.router import router as meetings_router
from app.ops.metrics import Metrics
from app.ops.metrics import router as metrics_router
from app.ops.router import router as ops_router
from app.progress import tracks
from app.progress.router import router as progress_router
from app.progress.router import tracks_router
from app.progress.summary import delete_summary
from app.resources import transfer
from app.resources.hsds.router import router as hsds_router
from app.resources.router import IMPORT_PATH, crisis_router
from app.resources.router import router as resources_router
from app.safety import service as safety
from app.safety.router import router as safety_router
from app.steps import service as steps
from app.steps.router import my_steps_router, program_router

log = logging.getLogger("waymark")

# Every router of the API, in one place (the route audit test walks these).
ROUTERS = (
    ops_router,
    auth_router,
    me_router,
    tracks_router,
    checkins_router,
    progress_router,
    program_router,
    my_steps_router,
    safety_router,
    resources_router,
    crisis_router,
    hsds_router,
    groups_router,
    meetings_router,
    access_log_router,
    reach_out_router,
    admin_router,
    groups_admin_router,
    feed_router,
)

DESCRIPTION = """\
Waymark backs a peer support program for people leaving trafficking, the sex trade and addiction.
Accounts are pseudonymous: a handle and a password, nothing else. Every error is
`application/problem+json`; member data is sent with `Cache-Control: no-store`.
"""


def settle_garbage_collector() -> None:
    """What start-up made (modules, routes, schemas, mappers) lives as long as the process.
    Frozen, it is left out of the collector's full passes, which otherwise paused requests for
    up to about 100 ms; fewer young collections suit a server that makes many short-lived objects
    per request. Measured in bench/README.md."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    runtime: Runtime = app.state.runtime
    # Request handlers run in this thread pool. More threads than cores only queue on the GIL
    # and the database; a few keep each request's own latency low.
    anyio.to_thread.current_default_thread_limiter().total_tokens = runtime.settings.threads
    try:
        verify_master_key(runtime.database.writer, runtime.master_key)
    except MasterKeyError:
        log.error("refusing to start: the master key does not match this database")
        raise
    except SQLAlchemyError as exc:
        # Start anyway: /readyz answers 503 until the database is there and migrated.
        log.warning("database not ready at startup (%s)", type(exc).__name__)
    settle_garbage_collector()
    yield
    runtime.database.dispose()


def create_app(settings: Settings | None = None, *, clock: Clock = system_clock) -> FastAPI:
    settings = settings or get_settings()
    install_record_stamping()
    load_catalogs()
    master_key = load_master_key(settings)  # raises MasterKeyError: no key, no service
    runtime = Runtime(
        settings=settings,
        database=create_database(
            settings.effective_database_url, settings.sqlite_busy_timeout_seconds
        ),
        hasher=PasswordHasher(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
            max_concurrent=settings.argon2_max_concurrent,
        ),
        throttler=Throttler(derive_key(master_key, "throttle"), settings.rate_limit_enabled),
        master_key=master_key,
        cursor_secret=cursor_secret(master_key),
        clock=clock,
        account_parts=[
            *ACCOUNT_PARTS,
            AccountPart("tracks", tracks.export_tracks, tracks.delete_tracks),
            AccountPart("checkins", checkins.export_checkins, checkins.delete_checkins),
            AccountPart("steps", steps.export_steps, steps.delete_steps),
            AccountPart("safety_plan", safety.export_plan, safety.delete_plan),
            AccountPart("memberships", groups.export_memberships, groups.delete_memberships),
            AccountPart("access_log", groups.export_access_log, groups.delete_access_log),
            AccountPart("group_days", groups.export_group_days, groups.delete_group_days),
            AccountPart("group_removals", groups.export_removals, groups.delete_removals),
            AccountPart("reach_out", reach_out.export_requests, reach_out.delete_requests),
            # Derived from the check-ins, so it goes with them and is not exported twice.
            AccountPart("progress_summary", lambda *_: None, delete_summary),
            # Kept answers to retried requests: transient, so not exported.
            AccountPart("idempotency", lambda *_: None, delete_idempotency_records),
            # The data key goes with the account: whatever ciphertext survives is unreadable.
            AccountPart("data_key", lambda *_: None, shred_member_key),
        ],
    )

    app = FastAPI(
        title="Waymark",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # install_docs serves it, without third-party CDNs
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    install_openapi(app)
    if settings.docs_enabled:
        install_docs(app)
    for router in ROUTERS:
        app.include_router(router)
    observe = None
    if settings.metrics_enabled:
        app.state.metrics = Metrics()
        app.include_router(metrics_router)
        observe = app.state.metrics.observe

    # Added last = outermost: the request id wraps everything, including 413s and CORS.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "Idempotency-Key",
                "Waymark-Device",
                "X-Request-ID",
            ],
            expose_headers=["ETag", "Retry-After", "X-Request-ID"],
        )
    app.add_middleware(BodyLimitMiddleware, limits_by_path={IMPORT_PATH: transfer.MAX_IMPORT_BYTES})
    app.add_middleware(RequestContextMiddleware, observe=observe)
    return app
