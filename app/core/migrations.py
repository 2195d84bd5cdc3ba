"""Run Alembic from code (the CLI and the tests), against any database URL."""

import sysconfig
from pathlib import Path

from alembic import command
from alembic.config import Config

SOURCE = Path(__file__).resolve().parents[2]
# Where an installed wheel puts alembic.ini and migrations/ (its data files: pyproject.toml).
INSTALLED = Path(sysconfig.get_path("data")) / "share" / "waymark"


def migrations_home() -> Path:
    """The folder with alembic.ini and migrations/: the source tree when the code runs from it,
    else where the installed package put them."""
    for home in (SOURCE, INSTALLED):
        if (home / "alembic.ini").is_file() and (home / "migrations" / "env.py").is_file():
            return home
    raise FileNotFoundError(f"alembic.ini and migrations/ are in neither {SOURCE} nor {INSTALLED}")


def alembic_config(database_url: str) -> Config:
    home = migrations_home()
    config = Config(str(home / "alembic.ini"))
    config.set_main_option("script_location", str(home / "migrations"))
    # ConfigParser interpolation would choke on '%' in passwords.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


# Full-text search objects live in migrations only: they are dialect-specific, not models.
UNMODELLED = ("service_fts", "ix_service_search_text_fts")


def include_object(
    _object: object, name: str | None, _kind: str, _reflected: bool, _compare_to: object
) -> bool:
    """Leave the full-text search objects out of model/migration comparisons."""
    return not (name or "").startswith(UNMODELLED)


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
