"""Accounts: registration, login, sessions, recovery, password changes, export and deletion.

Password hashing is slow on purpose, so no write transaction is held while it runs: each flow
reads, lets go of the database, hashes or verifies, then writes in one short transaction.
"""

import hashlib
import hmac
import math
import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, func, select

from app.accounts import devices, handles, rules, sessions
from app.accounts.deps import Caller
from app.accounts.schemas import (
    AccountOut,
    AccountPatch,
    AccountRoleOut,
    ExportOut,
    LoginIn,
    PasswordChangeIn,
    RecoverIn,
    RecoverOut,
    RegisterIn,
    RegisterOut,
    TokenOut,
)
from app.core import codes
from app.core.errors import AppError, not_found, validation_problem
from app.core.i18n import DEFAULT_LANGUAGE, current_language, ngettext, use_language
from app.core.ratelimit import (
    HANDLE_PER_ACCOUNT,
    HANDLE_PER_ADDRESS,
    LOGIN_PER_ADDRESS,
    LOGIN_PER_DEVICE,
    LOGIN_PER_HANDLE,
    PASSWORD_PER_ACCOUNT,
    RECOVER_PER_ADDRESS,
    RECOVER_PER_HANDLE,
    REGISTER_PER_ADDRESS,
    Subject,
)
from app.core.runtime import AccountPart, Runtime
from app.core.security import normal_password
from app.models import Account, RecoveryCode

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 20  # 100 random bits


# --- errors -----------------------------------------------------------------------------------


def _bad_credentials() -> AppError:
    return AppError(
        401,
        "invalid-credentials",
        "The handle or password is not right.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _bad_recovery() -> AppError:
    return AppError(
        401,
        "invalid-recovery-code",
        "The handle or recovery code is not right.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _wrong_password() -> AppError:
    return AppError(403, "wrong-password", "The password is not right. Nothing was changed.")


def _handle_taken() -> AppError:
    return AppError(409, "handle-taken", "This handle is taken. Choose another pseudonym.")


def check_new_password(password: str, handle: str, field: str) -> None:
    problems = rules.password_problems(normal_password(password), handle)
    if problems:
        why = " ".join(problem.message for problem in problems)
        raise AppError(
            422,
            "weak-password",
            why,
            errors=[
                {"loc": ["body", field], "msg": problem.message, "type": problem.kind}
                for problem in problems
            ],
        )


# --- helpers ----------------------------------------------------------------------------------


def account_out(account: Account) -> AccountOut:
    return AccountOut.model_validate(account)


def _code_digest(code: str) -> str:
    # Codes carry 100 random bits, so a plain hash cannot be reversed by guessing.
    return hashlib.sha256(codes.normalize(code).encode("ascii", "replace")).hexdigest()


def _new_recovery_codes(session: Session, account_id: uuid.UUID) -> list[str]:
    made = [codes.new_code(RECOVERY_CODE_LENGTH) for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(
        RecoveryCode(account_id=account_id, code_hash=_code_digest(code)) for code in made
    )
    return made


def _recovery_codes_left(session: Session, account_id: uuid.UUID) -> int:
    return session.exec(
        select(func.count()).select_from(RecoveryCode).where(RecoveryCode.account_id == account_id)
    ).one()


def _confirm_password_and_commit(
    runtime: Runtime, session: Session, account: Account, password: str
) -> None:
    """Check a signed-in member's password before a sensitive change (throttled, 403 if wrong).

    Commits the throttle's look at this attempt before the slow verify, and a wrong password's
    failure before the 403; after a success the caller's own commit clears the streak."""
    now = runtime.clock()
    subjects = [Subject(PASSWORD_PER_ACCOUNT, str(account.id))]
    runtime.throttler.guard_and_commit(session, subjects, now, counting=subjects)
    ok, new_hash = runtime.hasher.verify(password, account.password_hash)
    if not ok:  # counted already
        raise _wrong_password()
    runtime.throttler.clear(session, subjects[0])
    if new_hash:
        account.password_hash = new_hash
        session.add(account)


def insert_account(
    session: Session,
    handle: str,
    password_hash: str,
    timezone: str,
    now: datetime,
    role: str = "member",
    language: str = DEFAULT_LANGUAGE,
) -> tuple[Account, list[str]]:
    """Add an account and its recovery codes (flushed, not committed)."""
    account = Account(
        handle=handle,
        handle_key=rules.handle_key(handle),
        password_hash=password_hash,
        role=role,
        timezone=timezone,
        language=language,
        created_at=now,
    )
    session.add(account)
    session.flush()
    return account, _new_recovery_codes(session, account.id)


# --- registration and login -------------------------------------------------------------------


def _check_new_password_or_commit_count(
    runtime: Runtime,
    session: Session,
    password: str,
    handle: str,
    field: str,
    subjects: list[Subject],
    now: datetime,
) -> None:
    """check_new_password for an anonymous caller, after the throttle let it in: a refusal is
    counted against `subjects` (and committed), so trying passwords against the rules, about
    70 ms of CPU each, runs into the throttle like any other guessing."""
    try:
        check_new_password(password, handle, field)
    except AppError:
        runtime.throttler.count(session, subjects, now)
        session.commit()
        raise


def register(runtime: Runtime, session: Session, body: RegisterIn, address: str) -> RegisterOut:
    now = runtime.clock()
    subjects = [Subject(REGISTER_PER_ADDRESS, address), Subject(HANDLE_PER_ADDRESS, address)]
    runtime.throttler.guard_and_commit(session, subjects, now)
    _check_new_password_or_commit_count(
        runtime, session, body.password, body.handle, "password", subjects[:1], now
    )
    if handles.is_taken(session, runtime.master_key, body.handle, now):
        # Asking whether a handle exists counts like any other guess.
        runtime.throttler.count(session, subjects, now)
        session.commit()
        raise _handle_taken()
    session.commit()  # let go of the database while hashing
    password_hash = runtime.hasher.hash(body.password)

    try:
        account, recovery_codes = insert_account(
            session,
            body.handle,
            password_hash,
            body.timezone,
            now,
            language=body.language or current_language(),
        )
        use_language(account.language)
        token = sessions.start(runtime, session, account.id, body.device_label)
        runtime.throttler.count(session, subjects, now)
        session.commit()
    except IntegrityError as exc:  # the same handle registered a moment ago
        session.rollback()
        raise _handle_taken() from exc
    return RegisterOut(account=account_out(account), token=token, recovery_codes=recovery_codes)


def login(
    runtime: Runtime, session: Session, body: LoginIn, address: str, device_token: str | None
) -> TokenOut:
    now = runtime.clock()
    account = handles.find_account(session, body.handle, now)
    device = devices.trusted(session, device_token, account.id, now) if account else None
    # A trusted device answers for its own failures only, not for the handle's or the
    # address's (which anyone who knows the handle, or shares the network, can cause).
    subjects = (
        [Subject(LOGIN_PER_DEVICE, device.token_hash)]
        if device
        else [
            Subject(LOGIN_PER_HANDLE, rules.handle_key(body.handle)),
            Subject(LOGIN_PER_ADDRESS, address),
        ]
    )
    # Counted against the handle (or device) before verifying; against the address if it fails.
    runtime.throttler.guard_and_commit(session, subjects, now, counting=subjects[:1])

    if account is None:
        runtime.hasher.dummy_verify(body.password)
        ok, new_hash = False, None
    else:
        ok, new_hash = runtime.hasher.verify(body.password, account.password_hash)
    if not ok or account is None:
        runtime.throttler.count(session, subjects[1:], now)
        session.commit()
        raise _bad_credentials()

    if new_hash:  # stored with weaker parameters than today's: upgrade now that we can
        account.password_hash = new_hash
        session.add(account)
    runtime.throttler.clear(session, subjects[0])
    if device is not None:
        device.last_used_at = now
        session.add(device)
    token = sessions.start(
        runtime, session, account.id, body.device_label, trust_device=device is None
    )
    session.commit()
    return token


def recover(runtime: Runtime, session: Session, body: RecoverIn, address: str) -> RecoverOut:
    now = runtime.clock()
    subjects = [
        Subject(RECOVER_PER_HANDLE, rules.handle_key(body.handle)),
        Subject(RECOVER_PER_ADDRESS, address),
    ]
    runtime.throttler.guard_and_commit(session, subjects[1:], now)
    # Counted against the address only: a refused new password says nothing about the code,
    # and counting it against the handle would let anyone block the member's own recovery.
    _check_new_password_or_commit_count(
        runtime, session, body.new_password, body.handle, "new_password", subjects[1:], now
    )
    # The code is a guess at the handle: counted before it is checked (see login).
    runtime.throttler.guard_and_commit(session, subjects, now, counting=subjects[:1])
    account = handles.find_account(session, body.handle, now)
    matched: uuid.UUID | None = None
    if account is not None:
        digest = _code_digest(body.recovery_code)
        for code in session.exec(
            select(RecoveryCode).where(RecoveryCode.account_id == account.id)
        ).all():
            if hmac.compare_digest(code.code_hash, digest):
                matched = code.id
    session.commit()
    if account is None or matched is None:
        runtime.throttler.count(session, subjects[1:], now)
        session.commit()
        raise _bad_recovery()

    password_hash = runtime.hasher.hash(body.new_password)
    used = session.exec(delete(RecoveryCode).where(col(RecoveryCode.id) == matched))
    if used.rowcount != 1:  # the same code used by a concurrent request: single use
        session.rollback()
        raise _bad_recovery()
    account.password_hash = password_hash
    session.add(account)
    sessions.end_all(session, account.id)
    devices.forget_others(session, account.id, None)  # this device gets a new token below
    runtime.throttler.clear(session, subjects[0])
    token = sessions.start(runtime, session, account.id, body.device_label)
    left = _recovery_codes_left(session, account.id)
    session.commit()
    return RecoverOut(token=token, recovery_codes_left=left)


# --- the member's own account -----------------------------------------------------------------


def update_me(
    runtime: Runtime,
    session: Session,
    caller: Caller,
    patch: AccountPatch,
    address: str,
    device_token: str | None,
) -> AccountOut:
    account = session.get(Account, caller.account.id)
    if account is None:
        raise not_found("account")
    renaming = patch.handle is not None and patch.handle != account.handle
    if renaming:
        _check_rename_and_commit_refusals(runtime, session, account, patch, address)
    try:
        if renaming:
            assert patch.handle is not None
            handles.change(session, account, patch.handle, runtime.clock())
            devices.forget_others(session, account.id, device_token)
        if patch.timezone is not None:
            account.timezone = patch.timezone
        if patch.language is not None:
            account.language = patch.language
            use_language(account.language)
        session.add(account)
        session.commit()
    except IntegrityError as exc:  # taken a moment ago by someone else, or renamed twice at once
        session.rollback()
        raise _handle_taken() from exc
    return account_out(account)


def _check_rename_and_commit_refusals(
    runtime: Runtime, session: Session, account: Account, patch: AccountPatch, address: str
) -> None:
    """Whether the account may take the new handle: only with the current password (a stolen
    session alone must not take the member's handle away), a few times a day, and every taken
    handle asked for counts against the account and the address. Refusals commit their counts."""
    assert patch.handle is not None
    if patch.current_password is None:
        raise validation_problem(
            ["body", "current_password"], "Changing your handle needs your current password."
        )
    now = runtime.clock()
    subjects = [Subject(HANDLE_PER_ACCOUNT, str(account.id)), Subject(HANDLE_PER_ADDRESS, address)]
    runtime.throttler.guard_and_commit(session, subjects, now)
    _confirm_password_and_commit(runtime, session, account, patch.current_password)
    allowed_from = handles.next_change_allowed(session, account, now)
    if allowed_from is not None:
        wait = max(1, math.ceil((allowed_from - now).total_seconds()))
        raise AppError(
            429,
            "handle-changes",
            ngettext(
                "Your handle has changed %(count)d time in a day. You can change it again later.",
                "Your handle has changed %(count)d times in a day. You can change it again later.",
                handles.CHANGES_PER_DAY,
            )
            % {"count": handles.CHANGES_PER_DAY},
            headers={"Retry-After": str(wait)},
        )
    if handles.is_taken(session, runtime.master_key, patch.handle, now, by=account):
        runtime.throttler.count(session, subjects, now)
        session.commit()
        raise _handle_taken()


def change_password(
    runtime: Runtime,
    session: Session,
    caller: Caller,
    body: PasswordChangeIn,
    device_token: str | None,
) -> None:
    account = caller.account
    # The throttled password check first: the strength check costs about 70 ms of CPU.
    _confirm_password_and_commit(runtime, session, account, body.current_password)
    session.commit()
    check_new_password(body.new_password, account.handle, "new_password")
    account.password_hash = runtime.hasher.hash(body.new_password)
    session.add(account)
    sessions.end_all(session, account.id, keep=caller.session_id)
    devices.forget_others(session, account.id, device_token)
    session.commit()


def regenerate_recovery_codes(
    runtime: Runtime, session: Session, caller: Caller, password: str
) -> list[str]:
    _confirm_password_and_commit(runtime, session, caller.account, password)
    _delete_recovery_codes(session, caller.account.id)
    recovery_codes = _new_recovery_codes(session, caller.account.id)
    session.commit()
    return recovery_codes


def export_account(runtime: Runtime, session: Session, caller: Caller) -> ExportOut:
    account = caller.account
    parts = {part.name: part.export(runtime, session, account.id) for part in runtime.account_parts}
    return ExportOut(exported_at=runtime.clock(), account=account_out(account), parts=parts)


def delete_account(runtime: Runtime, session: Session, caller: Caller, password: str) -> None:
    """Everything the member owns goes in one transaction, then SQLite's WAL is emptied."""
    account = caller.account
    _confirm_password_and_commit(runtime, session, account, password)
    handles.retire(session, runtime.master_key, account, runtime.clock())
    for part in reversed(runtime.account_parts):
        part.delete(session, account.id)
    session.exec(delete(Account).where(col(Account.id) == account.id))
    session.commit()
    runtime.database.empty_wal_soon()


# --- roles ------------------------------------------------------------------------------------


def account_by_handle(session: Session, handle: str) -> uuid.UUID:
    """The id of the account that has this handle now (404 if none)."""
    found = session.exec(
        select(Account.id).where(Account.handle_key == rules.handle_key(handle))
    ).first()
    if found is None:
        raise not_found("account")
    return found


def set_role(session: Session, account_id: uuid.UUID, role: str) -> AccountRoleOut:
    account = session.get(Account, account_id)
    if account is None:
        raise not_found("account")
    if account.role == "admin" and role != "admin":
        admins = session.exec(select(func.count()).where(Account.role == "admin")).one()
        if admins <= 1:
            raise AppError(409, "last-admin", "This is the only admin; name another one first.")
    account.role = role
    session.add(account)
    session.commit()
    return AccountRoleOut(id=account.id, handle=account.handle, role=account.role)


# --- this domain's share of export and delete -------------------------------------------------


def _export_recovery_codes(
    _runtime: Runtime, session: Session, account_id: uuid.UUID
) -> dict[str, int]:
    # The codes themselves are never stored, so only their number can be exported.
    return {"remaining": _recovery_codes_left(session, account_id)}


def _delete_recovery_codes(session: Session, account_id: uuid.UUID) -> None:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.account_id) == account_id))


ACCOUNT_PARTS = [
    AccountPart("former_handles", handles.export_former, handles.delete_former),
    AccountPart("trusted_devices", devices.export_devices, devices.delete_devices),
    AccountPart("sessions", sessions.export_sessions, sessions.delete_sessions),
    AccountPart("sign_ins", sessions.export_sign_ins, sessions.delete_sign_ins),
    AccountPart("recovery_codes", _export_recovery_codes, _delete_recovery_codes),
]
