"""Alembic environment: Waymark's models, batch mode for SQLite, the app's own engine setup."""

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlmodel.sql.sqltypes import AutoString

from app.core.config import get_settings
from app.core.db import create_database
from app.core.migrations import include_object
from app.models import metadata
from app.models.types import UTCDateTime

config = context.config


def render_item(kind: str, item: Any, _context: AutogenContext) -> str | bool:
    """Write plain SQLAlchemy types into revisions, so they never import app code."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(item, AutoString):
        return f"sa.String(length={item.length})" if item.length else "sa.String()"
    return False


def database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url


def run_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    # The app's engine: on SQLite its BEGIN hook makes DDL transactional, so a failed migration
    # leaves nothing half-done.
    database = create_database(database_url())
    try:
        with database.writer.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=True,
                compare_type=True,
                render_item=render_item,
                include_object=include_object,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        database.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
