"""Devices a member has logged in from (OWASP's "device cookie").

A successful login (or registration, or recovery) gives the client a random device token to
keep; sent again with a later login as the `Waymark-Device` header, it lets that login through
a block on the handle or the address that someone else's failures caused: an abuser who knows
only the handle, or shares the member's network, cannot shut the member out of their own phone.
Failures from a trusted device count against the device only. The token opens nothing by
itself.
"""

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Header
from sqlmodel import Session, col, delete, select

from app.core.runtime import Runtime
from app.core.security import new_token, token_digest
from app.models import TrustedDevice

DEVICE_HEADER = "Waymark-Device"
TRUSTED_FOR = timedelta(days=180)  # since the device last logged in

DeviceHeader = Annotated[
    str | None,
    Header(
        alias=DEVICE_HEADER,
        max_length=64,
        description="The `device_token` an earlier login on this device gave: a block caused "
        "by failures elsewhere does not stop this device's logins.",
    ),
]


def trusted(
    session: Session, token: str | None, account_id: uuid.UUID, now: datetime
) -> TrustedDevice | None:
    """The device row when `token` is a live device token of this account."""
    if not token:
        return None
    device = session.get(TrustedDevice, token_digest(token))
    if device is None or device.account_id != account_id:
        return None
    if now - device.last_used_at > TRUSTED_FOR:
        return None
    return device


def trust(session: Session, account_id: uuid.UUID, now: datetime) -> str:
    """A new device token for the client to keep (stored only as its digest). Flushes."""
    token = new_token()
    session.exec(delete(TrustedDevice).where(col(TrustedDevice.last_used_at) < now - TRUSTED_FOR))
    session.add(
        TrustedDevice(
            token_hash=token_digest(token), account_id=account_id, created_at=now, last_used_at=now
        )
    )
    return token


def forget_others(session: Session, account_id: uuid.UUID, keep: str | None) -> None:
    """After a password change, a recovery or a new handle: only the device that asked stays
    trusted (signing out everywhere keeps them all: it needs no password). The caller commits."""
    statement = delete(TrustedDevice).where(col(TrustedDevice.account_id) == account_id)
    if keep:
        statement = statement.where(col(TrustedDevice.token_hash) != token_digest(keep))
    session.exec(statement)


def export_devices(
    _runtime: Runtime, session: Session, account_id: uuid.UUID
) -> list[dict[str, object]]:
    rows = session.exec(
        select(TrustedDevice)
        .where(TrustedDevice.account_id == account_id)
        .order_by(col(TrustedDevice.created_at))
    ).all()
    return [{"created_at": row.created_at, "last_used_at": row.last_used_at} for row in rows]


def delete_devices(session: Session, account_id: uuid.UUID) -> None:
    forget_others(session, account_id, None)
