"""Pseudonymous accounts, their sessions and recovery codes. No contact data, ever."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import id_field, owner_field, utc_field

ROLES = ("member", "facilitator", "admin")


class Account(SQLModel, table=True):
    __table_args__ = (CheckConstraint("role IN ('member', 'facilitator', 'admin')", name="role"),)

    id: uuid.UUID = id_field()
    handle: str = Field(max_length=30)
    # Case-folded handle: uniqueness and login ignore case.
    handle_key: str = Field(max_length=30, unique=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default="member", max_length=16)
    timezone: str = Field(default="UTC", max_length=64)
    # The language every word the member reads is in (app/core/i18n.py LANGUAGES).
    language: str = Field(default="en", max_length=8)
    created_at: datetime = utc_field()


class FormerHandle(SQLModel, table=True):
    """A handle the account used until it changed it: it still logs in and recovers the account
    for a while (the member may not know of the change), and nobody else can take it meanwhile."""

    __tablename__ = "former_handle"

    handle_key: str = Field(max_length=30, primary_key=True)
    account_id: uuid.UUID = owner_field()
    until: datetime = utc_field(index=True)


class RetiredHandle(SQLModel, table=True):
    """A deleted account's handle, kept only as an HMAC under a key derived from the master key,
    so nobody can take on the pseudonym a group knew until `until`. It outlives the account on
    purpose; it says nothing about who the account was."""

    __tablename__ = "retired_handle"

    key: str = Field(max_length=64, primary_key=True)
    until: datetime = utc_field(index=True)


class SignIn(SQLModel, table=True):
    """A session begun (a registration, a login, a recovery), kept after the session ends so
    that someone who logged in with the member's password and logged out again is still told
    of. The member's own record; kept 90 days."""

    __tablename__ = "sign_in"

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = owner_field()
    # The session it began; sessions are deleted when they end, so not a foreign key.
    session_id: uuid.UUID
    began_at: datetime = utc_field(index=True)
    device_label_sealed: bytes | None = Field(default=None, sa_type=LargeBinary)


class TrustedDevice(SQLModel, table=True):
    """A device the member has logged in from: it keeps a random token (stored here only as its
    SHA-256) and sends it with later logins, which are then not blocked by failures that came
    from elsewhere (OWASP's device cookie)."""

    __tablename__ = "trusted_device"

    token_hash: str = Field(max_length=64, primary_key=True)
    account_id: uuid.UUID = owner_field()
    created_at: datetime = utc_field()
    last_used_at: datetime = utc_field(index=True)


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_session"

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = owner_field()
    # SHA-256 of the bearer token; the token itself is never stored.
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_field()
    last_used_at: datetime = utc_field()
    # What the member called the device at login ("my phone"), sealed with their data key.
    device_label_sealed: bytes | None = Field(default=None, sa_type=LargeBinary)
    # Sessions begun until then have been shown to this one (GET /v1/me says when others begin).
    sessions_seen_until: datetime | None = utc_field(nullable=True)


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "recovery_code"

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = owner_field()
    code_hash: str = Field(max_length=64)


class MemberKey(SQLModel, table=True):
    """The member's data key, wrapped by the master key. Deleting this row makes every ciphertext
    of the member unreadable (crypto-shredding), whatever copies or backups remain."""

    __tablename__ = "member_key"

    account_id: uuid.UUID = Field(foreign_key="account.id", ondelete="CASCADE", primary_key=True)
    wrapped_key: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = utc_field()


class IdempotencyRecord(SQLModel, table=True):
    """A creating POST sent with an `Idempotency-Key`, kept for a day so that a retry gets the
    first answer instead of making a second object. The key is stored as a digest and the
    response sealed with the member's data key."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("account_id", "key_digest", name="uq_idempotency_key"),)

    id: uuid.UUID = id_field()
    account_id: uuid.UUID = owner_field()
    key_digest: str = Field(max_length=64)
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint: str = Field(max_length=64)
    # started → committed (the object exists) → done (its response is kept)
    state: str = Field(max_length=16)
    status_code: int | None = None
    response_sealed: bytes | None = Field(default=None, sa_type=LargeBinary)
    created_at: datetime = utc_field(index=True)
