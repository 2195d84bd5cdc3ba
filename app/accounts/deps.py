"""Who is calling: bearer-token authentication and role checks. Deny by default."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from sqlmodel import col, delete, select, update

from app.core.config import Settings
from app.core.db import new_session
from app.core.errors import AppError, unauthorized
from app.core.i18n import N_, use_language
from app.core.logging import account_id_var
from app.core.runtime import Runtime, RuntimeDep
from app.core.security import bearer_token, token_digest
from app.models import Account, AuthSession

# Writing last_used_at on every request would turn every read into a write; an hour is enough
# for the idle expiry (days) and says less about a member's habits.
TOUCH_INTERVAL = timedelta(hours=1)

# Declares the scheme in OpenAPI; the token is read below (header only, never the query string).
bearer_scheme = HTTPBearer(auto_error=False, description="Opaque session token from login.")


@dataclass(frozen=True)
class Caller:
    account: Account
    session_id: uuid.UUID


def session_expiry(auth: AuthSession, settings: Settings) -> datetime:
    return min(
        auth.last_used_at + timedelta(days=settings.token_idle_days),
        auth.created_at + timedelta(days=settings.token_max_days),
    )


def current_caller(
    request: Request,
    runtime: RuntimeDep,
    _scheme: Annotated[object, Depends(bearer_scheme)] = None,
) -> Caller:
    token = bearer_token(request)
    if token is None:
        raise unauthorized()
    now = runtime.clock()
    with new_session(runtime.database.reader) as session:
        found = session.exec(
            select(AuthSession, Account)
            .join(Account, col(Account.id) == col(AuthSession.account_id))
            .where(AuthSession.token_hash == token_digest(token))
        ).first()
    if found is None:
        raise unauthorized(N_("The token is not valid. Log in again."))
    auth, account = found
    if now >= session_expiry(auth, runtime.settings):
        _write(runtime, delete(AuthSession).where(col(AuthSession.id) == auth.id))
        raise unauthorized(N_("The session has expired. Log in again."))
    if now - auth.last_used_at >= TOUCH_INTERVAL:
        _write(
            runtime,
            update(AuthSession).where(col(AuthSession.id) == auth.id).values(last_used_at=now),
        )
    account_id_var.set(str(account.id))
    use_language(account.language)
    request.state.account_id = str(account.id)  # for the access log line
    return Caller(account=account, session_id=auth.id)


def _write(runtime: Runtime, statement: object) -> None:
    # A short transaction of its own, so the request's transaction never waits on it.
    with new_session(runtime.database.writer) as session:
        session.exec(statement)  # type: ignore[call-overload]
        session.commit()


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def require_role(*roles: str) -> Callable[[Caller], Caller]:
    """Dependency that lets only the given roles through (403 otherwise)."""

    def check(caller: CurrentCaller) -> Caller:
        if caller.account.role not in roles:
            raise AppError(403, "forbidden", "Your role does not allow this.")
        return caller

    check.required_roles = roles  # type: ignore[attr-defined]
    return check
