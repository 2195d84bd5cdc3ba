"""Creating the first admin from the command line (`waymark create-admin HANDLE`)."""

from sqlalchemy.exc import IntegrityError

from app.accounts import handles, rules, service
from app.core.clock import system_clock
from app.core.config import Settings
from app.core.crypto import load_master_key
from app.core.db import create_database, new_session
from app.core.errors import AppError
from app.core.security import PasswordHasher


def create_admin_account(settings: Settings, handle: str, password: str) -> list[str] | str:
    """The new admin's recovery codes, or why nothing was created."""
    problem = rules.handle_problem(handle)
    if problem:
        return problem
    try:
        service.check_new_password(password, handle, "password")
    except AppError as exc:
        return exc.detail
    hasher = PasswordHasher(
        settings.argon2_memory_kib,
        settings.argon2_time_cost,
        settings.argon2_parallelism,
        max_concurrent=1,
    )
    database = create_database(settings.effective_database_url)
    try:
        with new_session(database.writer) as session:
            if handles.is_taken(session, load_master_key(settings), handle, system_clock()):
                return "This handle is taken."
            session.commit()
            password_hash = hasher.hash(password)
            try:
                _, codes = service.insert_account(
                    session, handle, password_hash, "UTC", system_clock(), role="admin"
                )
                session.commit()
            except IntegrityError:
                return "This handle is taken."
            return codes
    finally:
        database.dispose()
