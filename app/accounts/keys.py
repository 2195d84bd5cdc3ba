"""Each member's data key: made on first need, kept only wrapped by the master key."""

import json
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete

from app.core.crypto import (
    UnreadableData,
    new_data_key,
    seal,
    unseal,
    unwrap_data_key,
    wrap_data_key,
)
from app.core.db import insert_if_absent
from app.core.runtime import Runtime
from app.models import MemberKey


class MemberCipher:
    """Seals and opens one member's private fields. Every value is bound to its place by
    `kind/account/ref/field`, so it cannot be moved to another row, field or member."""

    def __init__(self, key: bytes, account_id: uuid.UUID) -> None:
        self._key = key
        self._account = str(account_id)

    def _context(self, kind: str, ref: str, field: str) -> str:
        return f"{kind}/{self._account}/{ref}/{field}"

    def seal_json(self, kind: str, ref: str, field: str, value: Any) -> bytes | None:
        if value is None:
            return None
        plaintext = json.dumps(value, ensure_ascii=False).encode("utf-8")
        return seal(self._key, plaintext, self._context(kind, ref, field))

    def open_json(self, kind: str, ref: str, field: str, sealed: bytes | None) -> Any:
        if sealed is None:
            return None
        return json.loads(unseal(self._key, sealed, self._context(kind, ref, field)))


def open_cipher(runtime: Runtime, session: Session, account_id: uuid.UUID) -> MemberCipher | None:
    """The member's cipher for reading, or None when they have no data key yet (so nothing of
    theirs is sealed). Only reads: safe on the read engine."""
    row = session.get(MemberKey, account_id)
    if row is None:
        return None
    return MemberCipher(
        unwrap_data_key(runtime.master_key, str(account_id), row.wrapped_key), account_id
    )


def ensure_cipher(runtime: Runtime, session: Session, account_id: uuid.UUID) -> MemberCipher:
    """The member's cipher for writing: their data key is made on first use, inside the caller's
    write transaction (safe against a racing request that makes it too)."""
    return cipher_for_writing(runtime.master_key, session, account_id, runtime.clock())


def cipher_for_writing(
    master_key: bytes, session: Session, account_id: uuid.UUID, now: datetime
) -> MemberCipher:
    """ensure_cipher outside a request (`waymark migrate`)."""
    row = session.get(MemberKey, account_id)
    if row is None:
        wrapped = wrap_data_key(master_key, str(account_id), new_data_key())
        insert_if_absent(
            session,
            MemberKey,
            {"account_id": account_id, "wrapped_key": wrapped, "created_at": now},
        )
        row = session.get(MemberKey, account_id, populate_existing=True)
        assert row is not None
    key = unwrap_data_key(master_key, str(account_id), row.wrapped_key)
    return MemberCipher(key, account_id)


def open_sealed(
    cipher: MemberCipher | None, kind: str, ref: str, field: str, sealed: bytes | None
) -> Any:
    """A sealed value opened, or None where nothing was sealed. Without a data key (it was
    shredded) a sealed value cannot be read."""
    if sealed is None:
        return None
    if cipher is None:
        raise UnreadableData(kind)
    return cipher.open_json(kind, ref, field, sealed)


def shred_member_key(session: Session, account_id: uuid.UUID) -> None:
    """Crypto-shredding: without this row no sealed value of the member can ever be read again."""
    session.exec(delete(MemberKey).where(col(MemberKey.account_id) == account_id))
