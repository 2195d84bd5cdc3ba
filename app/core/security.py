"""Password hashing (argon2id through passlib), opaque tokens and how requests carry them."""

import hashlib
import hmac
import secrets
import threading
import unicodedata
from functools import cached_property

from fastapi import Request
from passlib.context import CryptContext

TOKEN_BYTES = 32  # 256 bits -> 43 URL-safe characters
# No token of ours is longer; a longer header is refused before anything is hashed or compared.
BEARER_MAX_LENGTH = 256


class PasswordHasher:
    """argon2id with the configured cost, at most `max_concurrent` hashes in flight.

    Each hash holds `memory_kib` of RAM, so an unbounded burst of logins could exhaust memory;
    callers run in FastAPI's thread pool, never on the event loop.
    """

    def __init__(self, memory_kib: int, time_cost: int, parallelism: int, max_concurrent: int):
        self.context = CryptContext(
            schemes=["argon2"],
            deprecated="auto",
            argon2__type="ID",
            argon2__memory_cost=memory_kib,
            argon2__rounds=time_cost,
            argon2__parallelism=parallelism,
        )
        self._slots = threading.BoundedSemaphore(max_concurrent)

    def hash(self, password: str) -> str:
        with self._slots:
            return str(self.context.hash(normal_password(password)))

    def _verify(self, password: str, stored_hash: str) -> tuple[bool, str | None]:
        with self._slots:
            ok, new_hash = self.context.verify_and_update(password, stored_hash)
        return bool(ok), new_hash

    def verify(self, password: str, stored_hash: str) -> tuple[bool, str | None]:
        """(matches, a new hash when the stored one should be replaced: weaker parameters, or a
        hash of the text as typed, made before passwords were normalized). A wrong password
        costs the same number of verifies as `dummy_verify`."""
        normal = normal_password(password)
        ok, new_hash = self._verify(normal, stored_hash)
        if ok or normal == password:
            return ok, new_hash
        if self._verify(password, stored_hash)[0]:
            return True, self.hash(normal)
        return False, None

    @cached_property
    def _dummy_hash(self) -> str:
        return self.hash(secrets.token_urlsafe(24))

    def dummy_verify(self, password: str) -> None:
        """Spend the same time as a real verify, so an unknown handle cannot be told apart."""
        self.verify(password, self._dummy_hash)


def normal_password(password: str) -> str:
    """The same password however a keyboard composes its accents (Unicode NFC), and nothing
    else: no trimming, no case folding."""
    return unicodedata.normalize("NFC", password)


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header (never the query string), or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > BEARER_MAX_LENGTH:
        return None
    return token


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def keyed_digest(key: bytes, *parts: str) -> str:
    """HMAC of parts, for values we must match later but must not store (addresses, handles)."""
    message = "\x1f".join(parts).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
