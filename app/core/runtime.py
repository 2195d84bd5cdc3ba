"""What a running app holds: built once in create_app(), reached through `RuntimeDep`."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session

from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import Database
from app.core.ratelimit import Throttler
from app.core.security import PasswordHasher


@dataclass(frozen=True)
class AccountPart:
    """A domain's share of a member's data: how to export it and how to delete it.

    `delete` runs inside the account-deletion transaction and must only flush, never commit.
    """

    name: str
    export: Callable[["Runtime", Session, uuid.UUID], Any]
    delete: Callable[[Session, uuid.UUID], None]


@dataclass
class Runtime:
    settings: Settings
    database: Database
    hasher: PasswordHasher
    throttler: Throttler
    master_key: bytes
    clock: Clock
    account_parts: list[AccountPart] = field(default_factory=list)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
