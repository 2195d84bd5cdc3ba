"""Who a handle belongs to, now and for a while after it changed hands.

An account's handle finds it; so does a handle it changed away from, for FORMER_FOR (the member
may not know of the change: a rename is where an abuser with the phone would start), and nobody
else can take that one meanwhile. A deleted account's handles are retired for RETIRED_FOR, kept
only as HMACs, so nobody can take on the pseudonym a group knew.
"""

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from app.accounts.rules import handle_key
from app.core.crypto import derive_key
from app.core.runtime import Runtime
from app.core.security import keyed_digest
from app.models import Account, FormerHandle, RetiredHandle

FORMER_FOR = timedelta(days=7)
RETIRED_FOR = timedelta(days=90)
CHANGES_PER_DAY = 3


def _retired_key(master_key: bytes, key: str) -> str:
    return keyed_digest(derive_key(master_key, "retired-handle"), key)


def find_account(session: Session, handle: str, now: datetime) -> Account | None:
    """The account a handle names: its own, or one it left less than FORMER_FOR ago."""
    key = handle_key(handle)
    account = session.exec(select(Account).where(Account.handle_key == key)).first()
    if account is not None:
        return account
    return session.exec(
        select(Account)
        .join(FormerHandle, col(FormerHandle.account_id) == col(Account.id))
        .where(FormerHandle.handle_key == key, col(FormerHandle.until) > now)
    ).first()


def is_taken(
    session: Session, master_key: bytes, handle: str, now: datetime, by: Account | None = None
) -> bool:
    """Whether `handle` is not free for `by` (or for a newcomer): it is another account's, one
    another account left lately, or a deleted account's not long ago."""
    owner = find_account(session, handle, now)
    if owner is not None:
        return by is None or owner.id != by.id
    retired = session.get(RetiredHandle, _retired_key(master_key, handle_key(handle)))
    return retired is not None and retired.until > now


def next_change_allowed(session: Session, account: Account, now: datetime) -> datetime | None:
    """None while the account may change its handle today; else when it may again (a few
    changes a day: more is someone hunting for free handles, or trying to hide the account)."""
    changed = sorted(
        until - FORMER_FOR
        for until in session.exec(
            select(FormerHandle.until).where(
                FormerHandle.account_id == account.id,
                col(FormerHandle.until) > now + FORMER_FOR - timedelta(days=1),
            )
        ).all()
    )
    if len(changed) < CHANGES_PER_DAY:
        return None
    return changed[-CHANGES_PER_DAY] + timedelta(days=1)


def change(session: Session, account: Account, handle: str, now: datetime) -> None:
    """Give the account `handle`; the one it leaves keeps finding it for FORMER_FOR. Flushes."""
    new_key = handle_key(handle)
    session.exec(
        delete(FormerHandle).where(
            col(FormerHandle.handle_key) == new_key, col(FormerHandle.account_id) == account.id
        )
    )
    if new_key != account.handle_key:
        session.exec(delete(FormerHandle).where(col(FormerHandle.until) <= now))
        session.merge(
            FormerHandle(
                handle_key=account.handle_key, account_id=account.id, until=now + FORMER_FOR
            )
        )
    account.handle, account.handle_key = handle, new_key
    session.add(account)
    session.flush()


def export_former(
    runtime: Runtime, session: Session, account_id: uuid.UUID
) -> list[dict[str, object]]:
    rows = session.exec(
        select(FormerHandle)
        .where(FormerHandle.account_id == account_id, col(FormerHandle.until) > runtime.clock())
        .order_by(col(FormerHandle.until))
    ).all()
    return [{"handle": row.handle_key, "finds_this_account_until": row.until} for row in rows]


def delete_former(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(FormerHandle).where(col(FormerHandle.account_id) == account_id))


def retire(session: Session, master_key: bytes, account: Account, now: datetime) -> None:
    """Before an account is deleted: its handle, and those it left lately, stay taken for
    RETIRED_FOR, as HMACs only. Flushes; the deletion's transaction commits."""
    session.exec(delete(RetiredHandle).where(col(RetiredHandle.until) <= now))
    keys = [account.handle_key]
    keys += session.exec(
        select(FormerHandle.handle_key).where(
            FormerHandle.account_id == account.id, col(FormerHandle.until) > now
        )
    ).all()
    for key in keys:
        session.merge(RetiredHandle(key=_retired_key(master_key, key), until=now + RETIRED_FOR))
