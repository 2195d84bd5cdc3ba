"""Liveness and readiness probes."""

import logging

from fastapi import APIRouter
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from app.core.crypto import MasterKeyError, verify_master_key
from app.core.errors import AppError
from app.core.openapi import problem_responses
from app.core.runtime import RuntimeDep

log = logging.getLogger("waymark.ops")
router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses=problem_responses(503), summary="Ready to serve requests")
def readyz(runtime: RuntimeDep) -> dict[str, str]:
    """503 while the database does not answer or the master key does not belong to it."""
    try:
        verify_master_key(runtime.database.writer, runtime.master_key)
    except MasterKeyError as exc:
        log.error("readiness: %s", exc)
        raise _not_ready("The service's master key does not match its database.") from exc
    except (DBAPIError, SQLAlchemyError) as exc:
        log.warning("readiness: database unavailable (%s)", type(exc).__name__)
        raise _not_ready("The database does not answer.") from exc
    return {"status": "ready"}


def _not_ready(detail: str) -> AppError:
    return AppError(503, "not-ready", detail, headers={"Retry-After": "5"})
