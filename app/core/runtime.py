"""What a running app holds: built once in create_app(), reached through `RuntimeDep`."""

import ipaddress
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
    # Signs pagination cursors (app/core/pagination.py); derived from the master key at start.
    cursor_secret: bytes
    clock: Clock
    account_parts: list[AccountPart] = field(default_factory=list)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def client_address(request: Request) -> str:
    """Who is asking, for throttling: an IPv4 address, or an IPv6 /64 (one subscriber's
    network: a guesser must not get a fresh address for every try)."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)
