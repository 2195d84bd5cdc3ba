"""Invite codes: one per group, sealed so facilitators can read it back, and found by a keyed
digest so that joining never needs to decrypt anything."""

import uuid

from app.core import codes
from app.core.crypto import derive_key, seal, unseal
from app.core.security import keyed_digest
from app.models import PeerGroup

CODE_LENGTH = 16  # 80 random bits: guessing is hopeless even before throttling


def new_invite_code() -> str:
    return codes.new_code(CODE_LENGTH)


def lookup_key(master_key: bytes, code: str) -> str:
    """What finds the group of a code, however it was typed."""
    return keyed_digest(derive_key(master_key, "invite-code-index"), codes.normalize(code))


def seal_invite_code(master_key: bytes, group_id: uuid.UUID, code: str) -> tuple[bytes, str]:
    """The code sealed for the group (facilitators read it back), and its lookup key."""
    key = derive_key(master_key, "invite-code")
    return seal(key, code.encode("utf-8"), f"invite/{group_id}"), lookup_key(master_key, code)


def read_invite_code(master_key: bytes, group: PeerGroup) -> str:
    key = derive_key(master_key, "invite-code")
    return unseal(key, group.invite_code_sealed, f"invite/{group.id}").decode("utf-8")
