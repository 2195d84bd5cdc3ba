"""The master key: it lives outside the database and wraps every member's data key.

Where it comes from, in order: WAYMARK_MASTER_KEY, WAYMARK_MASTER_KEY_FILE, and only for the local
SQLite default a key generated once into the data folder (mode 0600). With PostgreSQL (production,
possibly many processes) a generated key would differ per machine, so none is made: the service
refuses to start. A check value stored in the database catches a key that does not belong to it.
"""

import base64
import binascii
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine
from sqlmodel import Session

from app.core.config import Settings
from app.core.db import insert_if_absent, new_session
from app.models import AppMeta

KEY_BYTES = 32
GENERATED_KEY_NAME = "master.key"
KEY_CHECK_NAME = "master_key_check"


class MasterKeyError(RuntimeError):
    """The master key is missing, malformed, or not the one this database was set up with."""


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")


def decode_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise MasterKeyError("the master key is not valid base64url") from exc
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"the master key must be {KEY_BYTES} bytes (base64url-encoded)")
    return key


def new_key_text() -> str:
    return encode_key(os.urandom(KEY_BYTES))


def load_master_key(settings: Settings) -> bytes:
    if settings.master_key is not None:
        return decode_key(settings.master_key.get_secret_value())
    if settings.master_key_file is not None:
        try:
            return decode_key(settings.master_key_file.read_text())
        except OSError as exc:
            raise MasterKeyError(f"cannot read WAYMARK_MASTER_KEY_FILE: {exc.strerror}") from exc
    if not settings.is_sqlite:
        raise MasterKeyError(
            "no master key: set WAYMARK_MASTER_KEY or WAYMARK_MASTER_KEY_FILE "
            "(generate one with `waymark new-key`)"
        )
    return _generated_local_key(settings.data_dir / GENERATED_KEY_NAME)


def _generated_local_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return decode_key(path.read_text())
    with os.fdopen(descriptor, "w") as handle:
        handle.write(new_key_text() + "\n")
    return decode_key(path.read_text())


def derive_key(master_key: bytes, purpose: str) -> bytes:
    """A separate key per purpose, so no two uses ever share key material."""
    return hmac.new(master_key, b"waymark/" + purpose.encode("ascii"), hashlib.sha256).digest()


def _key_check_value(master_key: bytes) -> str:
    return derive_key(master_key, "key-check").hex()


def refuse_other_key(session: Session, master_key: bytes) -> None:
    """MasterKeyError if the database was set up with another key. Only reads."""
    stored = session.get(AppMeta, KEY_CHECK_NAME, populate_existing=True)
    if stored is not None and not hmac.compare_digest(stored.value, _key_check_value(master_key)):
        raise MasterKeyError("the master key does not match the one this database was set up with")


def verify_master_key(engine: Engine, master_key: bytes) -> None:
    """Record the key's check value on first use, in a short transaction of its own; afterwards
    refuse any other key."""
    with new_session(engine) as session:
        # Two processes starting at once may both insert; the loser reads the winner's value.
        values = {"name": KEY_CHECK_NAME, "value": _key_check_value(master_key)}
        if session.get(AppMeta, KEY_CHECK_NAME) is None:
            insert_if_absent(session, AppMeta, values)
            session.commit()
        refuse_other_key(session, master_key)


def replace_key_check(session: Session, new_master_key: bytes) -> None:
    """After a rotation: from now on only the new key is accepted."""
    session.merge(AppMeta(name=KEY_CHECK_NAME, value=_key_check_value(new_master_key)))


# --- sealing member data (AES-256-GCM) --------------------------------------------------------

SEAL_VERSION = b"\x01"
NONCE_BYTES = 12


class UnreadableData(Exception):
    """A ciphertext did not decrypt: tampered with, copied from elsewhere, or its key is gone."""


def seal(key: bytes, plaintext: bytes, context: str) -> bytes:
    """Encrypt with a fresh nonce; `context` (associated data) names where the value belongs, so
    a ciphertext moved to another row, field or member no longer decrypts."""
    nonce = os.urandom(NONCE_BYTES)
    return SEAL_VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode("utf-8"))


def unseal(key: bytes, sealed: bytes, context: str) -> bytes:
    if sealed[:1] != SEAL_VERSION or len(sealed) < 1 + NONCE_BYTES + 16:
        raise UnreadableData(context.split("/", 1)[0])
    nonce, ciphertext = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, context.encode("utf-8"))
    except InvalidTag as exc:
        raise UnreadableData(context.split("/", 1)[0]) from exc


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def wrap_data_key(master_key: bytes, account_id: str, data_key: bytes) -> bytes:
    return seal(derive_key(master_key, "member-key-wrap"), data_key, f"member-key/{account_id}")


def unwrap_data_key(master_key: bytes, account_id: str, wrapped: bytes) -> bytes:
    return unseal(derive_key(master_key, "member-key-wrap"), wrapped, f"member-key/{account_id}")
