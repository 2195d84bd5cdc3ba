"""Sessions a member can recognise and end.

Each session may carry the label the member gave the device at login ("my phone"), sealed with
their data key. The list shows it with the days the session was first and last used, so a
session the member did not start stands out; and GET /v1/me says when sessions began since this
one last looked, so someone who logged in elsewhere with the member's password is noticed.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, select, update

from app.accounts import devices
from app.accounts.deps import Caller, session_expiry
from app.accounts.keys import ensure_cipher, open_cipher, open_sealed
from app.accounts.schemas import NewSessionOut, SessionOut, TokenOut
from app.core.dates import member_date
from app.core.db import new_session
from app.core.errors import not_found
from app.core.pagination import Keyset, Page, PageParams, keyset_page
from app.core.runtime import Runtime
from app.core.security import new_token, token_digest
from app.models import AuthSession, SignIn

SESSIONS = Keyset("sessions", (datetime, uuid.UUID), descending=True)  # newest first
SIGN_INS_KEPT = timedelta(days=90)


def start(
    runtime: Runtime,
    session: Session,
    account_id: uuid.UUID,
    device_label: str | None = None,
    trust_device: bool = True,
) -> TokenOut:
    """A new session (flushed), and unless the device is trusted already, a device token."""
    now = runtime.clock()
    token = new_token()
    auth = AuthSession(
        id=uuid.uuid4(),
        account_id=account_id,
        token_hash=token_digest(token),
        created_at=now,
        last_used_at=now,
        sessions_seen_until=now,
    )
    if device_label is not None:
        cipher = ensure_cipher(runtime, session, account_id)
        auth.device_label_sealed = cipher.seal_json(
            "session", str(auth.id), "device_label", device_label
        )
    session.add(auth)
    session.exec(
        delete(SignIn).where(
            col(SignIn.account_id) == account_id, col(SignIn.began_at) < now - SIGN_INS_KEPT
        )
    )
    session.add(
        SignIn(
            account_id=account_id,
            session_id=auth.id,
            began_at=now,
            device_label_sealed=auth.device_label_sealed,
        )
    )
    return TokenOut(
        access_token=token,
        expires_at=session_expiry(auth, runtime.settings),
        device_token=devices.trust(session, account_id, now) if trust_device else None,
    )


def end_all(session: Session, account_id: uuid.UUID, keep: uuid.UUID | None = None) -> None:
    statement = delete(AuthSession).where(col(AuthSession.account_id) == account_id)
    if keep is not None:
        statement = statement.where(col(AuthSession.id) != keep)
    session.exec(statement)


def logout(session: Session, caller: Caller) -> None:
    session.exec(delete(AuthSession).where(col(AuthSession.id) == caller.session_id))
    session.commit()


def logout_all(session: Session, caller: Caller) -> None:
    """Every session ends. Devices stay trusted: this needs no password, and someone holding the
    member's phone must not strip the member's other devices of their trust."""
    end_all(session, caller.account.id)
    session.commit()


def _label(session_id: uuid.UUID, sealed: bytes | None, cipher: Any) -> str | None:
    return open_sealed(cipher, "session", str(session_id), "device_label", sealed)  # type: ignore[no-any-return]


def list_sessions(
    runtime: Runtime, session: Session, caller: Caller, page: PageParams
) -> Page[SessionOut]:
    rows, next_cursor = keyset_page(
        session,
        select(AuthSession).where(AuthSession.account_id == caller.account.id),
        [col(AuthSession.created_at), col(AuthSession.id)],
        SESSIONS,
        page,
        lambda row: (row.created_at, row.id),
        runtime.cursor_secret,
    )
    cipher = open_cipher(runtime, session, caller.account.id)
    items = [
        SessionOut(
            id=row.id,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            current=row.id == caller.session_id,
            device_label=_label(row.id, row.device_label_sealed, cipher),
            first_used_on=member_date(caller.account, row.created_at),
            last_used_on=member_date(caller.account, row.last_used_at),
        )
        for row in rows
    ]
    return Page[SessionOut](items=items, next_cursor=next_cursor)


def revoke_session(session: Session, caller: Caller, session_id: uuid.UUID) -> None:
    # Ownership is part of the query: another member's session is simply not found.
    result = session.exec(
        delete(AuthSession).where(
            col(AuthSession.id) == session_id, col(AuthSession.account_id) == caller.account.id
        )
    )
    if result.rowcount != 1:
        session.rollback()
        raise not_found("session")
    session.commit()


def begun_since_last_look(runtime: Runtime, caller: Caller) -> list[NewSessionOut]:
    """Sessions of the account begun since the caller's session last asked, ended ones too
    (newest first), then marked as seen in a short transaction of its own: each is told once."""
    with new_session(runtime.database.reader) as session:
        own = session.get(AuthSession, caller.session_id)
        if own is None:
            return []
        seen_until = own.sessions_seen_until or own.created_at
        rows = session.exec(
            select(SignIn)
            .where(
                SignIn.account_id == caller.account.id,
                col(SignIn.began_at) > seen_until,
                col(SignIn.session_id) != caller.session_id,
            )
            .order_by(col(SignIn.began_at).desc())
        ).all()
        cipher = open_cipher(runtime, session, caller.account.id) if rows else None
        begun = [
            NewSessionOut(
                device_label=_label(row.session_id, row.device_label_sealed, cipher),
                began_on=member_date(caller.account, row.began_at),
            )
            for row in rows
        ]
    if rows:
        with new_session(runtime.database.writer) as writer:
            writer.exec(
                update(AuthSession)
                .where(col(AuthSession.id) == caller.session_id)
                .values(sessions_seen_until=rows[0].began_at)
            )
            writer.commit()
    return begun


def export_sessions(
    runtime: Runtime, session: Session, account_id: uuid.UUID
) -> list[dict[str, Any]]:
    rows = session.exec(
        select(AuthSession)
        .where(AuthSession.account_id == account_id)
        .order_by(col(AuthSession.created_at))
    ).all()
    cipher = open_cipher(runtime, session, account_id)
    return [
        {
            "id": str(row.id),
            "device_label": _label(row.id, row.device_label_sealed, cipher),
            "created_at": row.created_at,
            "last_used_at": row.last_used_at,
        }
        for row in rows
    ]


def delete_sessions(session: Session, account_id: uuid.UUID) -> None:
    end_all(session, account_id)


def export_sign_ins(
    runtime: Runtime, session: Session, account_id: uuid.UUID
) -> list[dict[str, Any]]:
    rows = session.exec(
        select(SignIn).where(SignIn.account_id == account_id).order_by(col(SignIn.began_at))
    ).all()
    cipher = open_cipher(runtime, session, account_id) if rows else None
    return [
        {
            "began_at": row.began_at,
            "device_label": _label(row.session_id, row.device_label_sealed, cipher),
        }
        for row in rows
    ]


def delete_sign_ins(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(SignIn).where(col(SignIn.account_id) == account_id))
