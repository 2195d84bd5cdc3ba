"""Migrations: one head; upgrade, downgrade, upgrade on an empty database; models agree."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from app.core.db import create_database
from app.core.migrations import alembic_config, downgrade, upgrade
from app.models import metadata
from tests.conftest import BACKEND, create_pg_database, drop_pg_database


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[str]:
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url = create_pg_database("waymark_migrations")
    yield url
    drop_pg_database(url)


def table_names(url: str) -> set[str]:
    database = create_database(url)
    try:
        return set(inspect(database.reader).get_table_names())
    finally:
        database.dispose()


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_upgrade_downgrade_upgrade(empty_database: str) -> None:
    upgrade(empty_database)
    expected = {table.name for table in metadata.sorted_tables}
    assert table_names(empty_database) == expected | {"alembic_version"}
    downgrade(empty_database)
    assert table_names(empty_database) <= {"alembic_version"}
    upgrade(empty_database)
    assert table_names(empty_database) == expected | {"alembic_version"}


def test_models_and_migrations_agree(empty_database: str) -> None:
    upgrade(empty_database)
    database = create_database(empty_database)
    try:
        with database.reader.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
    finally:
        database.dispose()
    assert differences == []
