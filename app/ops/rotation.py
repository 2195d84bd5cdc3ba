"""Replacing the master key (`waymark rotate-master-key`).

What the master key protects in the database, and what happens to each in one transaction:
member data keys are unwrapped with the old key and wrapped with the new one (the data they
seal, notes and triggers, stays as it is); invite codes are sealed again and get new lookup
keys (the codes themselves do not change); the check value is replaced, so a process still
holding the old key fails /readyz; throttle counters and retired handles, keyed by the old key
(their originals are not kept, so they cannot be keyed again), are emptied.
Pagination cursors signed with the old key stop working: clients start the list again.
Any failure rolls the whole rotation back and the old key stays valid.
"""

from dataclasses import dataclass

from sqlalchemy import delete, text
from sqlmodel import Session, select

from app.core.crypto import (
    refuse_other_key,
    replace_key_check,
    unwrap_data_key,
    wrap_data_key,
)
from app.groups.invites import read_invite_code, seal_invite_code
from app.models import MemberKey, PeerGroup, RetiredHandle, Throttle


@dataclass(frozen=True)
class Rotation:
    member_keys: int
    invite_codes: int


def rotate_master_key(session: Session, old_key: bytes, new_key: bytes) -> Rotation:
    """Rewrap everything under `new_key`; commits only when all of it is done."""
    refuse_other_key(session, old_key)  # MasterKeyError: not this database's key
    if session.get_bind().dialect.name == "postgresql":
        # No account or group may be created with the old key while this runs (SQLite's writer
        # holds the database's write lock from BEGIN IMMEDIATE on).
        session.execute(text("LOCK TABLE member_key, peer_group IN EXCLUSIVE MODE"))
    member_keys = session.exec(select(MemberKey)).all()
    for row in member_keys:
        account = str(row.account_id)
        data_key = unwrap_data_key(old_key, account, row.wrapped_key)
        row.wrapped_key = wrap_data_key(new_key, account, data_key)
        session.add(row)
    groups = session.exec(select(PeerGroup)).all()
    for group in groups:
        code = read_invite_code(old_key, group)
        group.invite_code_sealed, group.invite_code_key = seal_invite_code(new_key, group.id, code)
        session.add(group)
    session.execute(delete(Throttle))
    session.execute(delete(RetiredHandle))
    replace_key_check(session, new_key)
    session.commit()
    return Rotation(member_keys=len(member_keys), invite_codes=len(groups))
