"""Migrations: one head; upgrade, downgrade, upgrade on an empty database; models agree."""

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from app.core.db import create_database
from app.core.migrations import (
    SOURCE,
    UNMODELLED,
    alembic_config,
    downgrade,
    include_object,
    upgrade,
)
from app.models import metadata
from app.resources.categories import TAXONOMY_ID
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
        names = set(inspect(database.reader).get_table_names())
        return {name for name in names if not name.startswith(UNMODELLED)}
    finally:
        database.dispose()


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_the_category_taxonomy_id_is_fixed_in_its_revision() -> None:
    revision = (SOURCE / "migrations/versions/0003_directory.py").read_text()
    assert f'TAXONOMY_ID = uuid.UUID("{TAXONOMY_ID}")' in revision


def test_categories_survive_the_move_to_taxonomy_terms(empty_database: str) -> None:
    upgrade(empty_database, "0002")
    database = create_database(empty_database)
    term_id = uuid.uuid4()
    with database.writer.begin() as connection:
        connection.execute(
            text("INSERT INTO category (id, slug, name, description) VALUES (:i, 'x', 'X', 'd')"),
            {"i": term_id.hex if database.is_sqlite else term_id},
        )
    upgrade(empty_database)
    with database.reader.connect() as connection:
        row = connection.execute(text("SELECT code, name FROM taxonomy_term")).one()
    assert tuple(row) == ("x", "X")
    downgrade(empty_database, "0002")
    with database.reader.connect() as connection:
        assert connection.execute(text("SELECT slug FROM category")).scalar_one() == "x"
    database.dispose()


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
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object}
            )
            differences = compare_metadata(context, metadata)
    finally:
        database.dispose()
    assert differences == []


def test_existing_services_get_their_places_and_shared_secrets(empty_database: str) -> None:
    """0004 projects stored documents: places, ages, and a location shared with a confidential
    service hidden for both. SQLite's full-text triggers survive it."""
    upgrade(empty_database, "0003")
    database = create_database(empty_database)
    location = str(uuid.uuid4())

    def document(confidential: bool) -> dict[str, object]:
        return {
            "id": str(uuid.uuid4()),
            "name": "x",
            "status": "active",
            "minimum_age": 18,
            "waymark_confidential": confidential,
            "service_at_locations": [
                {
                    "id": str(uuid.uuid4()),
                    "location": {
                        "id": location,
                        "location_type": "physical",
                        "latitude": 40.70123,
                        "longitude": -73.98765,
                        "addresses": [{"postal_code": "10002"}],
                    },
                }
            ],
        }

    def ident(value: object) -> object:
        return uuid.UUID(str(value)).hex if database.is_sqlite else uuid.UUID(str(value))

    open_doc, secret_doc = document(False), document(True)
    with database.writer.begin() as connection:
        for name, doc, confidential in (("open", open_doc, False), ("secret", secret_doc, True)):
            connection.execute(
                text(
                    "INSERT INTO service (id, name, status, confidential, free, open_24_7, "
                    "timezone, search_lat, search_lng, search_text, document, last_modified) "
                    "VALUES (:id, :name, 'active', :c, false, false, 'UTC', 40.70123, -73.98765, "
                    ":text, :doc, '2026-11-23 12:00:00+00:00')"
                ),
                {
                    "id": ident(doc["id"]),
                    "name": name,
                    "text": name,
                    "c": confidential,
                    "doc": json.dumps(doc),
                },
            )
    upgrade(empty_database)
    with database.reader.connect() as connection:
        services = connection.execute(
            text(
                "SELECT name, location_hidden, search_lat, search_lng, minimum_age FROM service "
                "ORDER BY name"
            )
        ).all()
        places = connection.execute(
            text("SELECT hidden, postcode, search_lat FROM service_at_location")
        ).all()
    assert [tuple(row) for row in services] == [
        ("open", True, 40.75, -73.95, 18.0),
        ("secret", True, 40.75, -73.95, 18.0),
    ]
    assert [tuple(row) for row in places] == [(True, None, 40.75)] * 2
    if database.is_sqlite:
        with database.writer.begin() as connection:
            connection.execute(text("UPDATE service SET search_text = 'renamed' WHERE name='open'"))
            matches = connection.execute(
                text("SELECT count(*) FROM service_fts WHERE service_fts MATCH 'renamed'")
            ).scalar_one()
        assert matches == 1
    downgrade(empty_database, "0003")
    upgrade(empty_database)
    database.dispose()


def test_members_already_in_a_group_count_from_the_day_after_they_joined(
    empty_database: str,
) -> None:
    """0014 gives each member (not facilitator) a span as joining now would: from the second day
    after joining, UTC (whatever their time zone), with the moment they joined."""
    upgrade(empty_database, "0013")
    database = create_database(empty_database)

    def ident(value: uuid.UUID) -> object:
        return value.hex if database.is_sqlite else value

    group, member, facilitator = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # Joined at noon UTC on 23 November (already the 24th for the member, in UTC+14).
    joined = "2026-11-23 12:00:00+00:00"
    with database.writer.begin() as connection:
        for account, timezone in ((member, "Pacific/Kiritimati"), (facilitator, "UTC")):
            connection.execute(
                text(
                    "INSERT INTO account (id, handle, handle_key, password_hash, role, timezone, "
                    "created_at) VALUES (:id, :handle, :handle, 'x', 'member', :tz, :at)"
                ),
                {"id": ident(account), "handle": account.hex[:20], "tz": timezone, "at": joined},
            )
        connection.execute(
            text(
                "INSERT INTO peer_group (id, name, invite_code_sealed, invite_code_key, "
                "created_at) VALUES (:id, 'g', :sealed, 'k', :at)"
            ),
            {"id": ident(group), "sealed": b"x", "at": joined},
        )
        for account, kind in ((member, "member"), (facilitator, "facilitator")):
            connection.execute(
                text(
                    "INSERT INTO membership (id, group_id, account_id, kind, share_progress, "
                    "joined_at) VALUES (:id, :group, :account, :kind, false, :at)"
                ),
                {
                    "id": ident(uuid.uuid4()),
                    "group": ident(group),
                    "account": ident(account),
                    "kind": kind,
                    "at": joined,
                },
            )
    database.dispose()
    upgrade(empty_database)
    database = create_database(empty_database)
    with database.reader.connect() as connection:
        spans = connection.execute(
            text("SELECT account_id, counts_from, counts_until, joined_at FROM membership_span")
        ).all()
        shows = connection.execute(text("SELECT show_handle FROM membership")).scalars().all()
    database.dispose()
    assert [(uuid.UUID(str(row[0])), str(row[1]), row[2]) for row in spans] == [
        (member, "2026-11-25", None)
    ]
    assert str(spans[0][3]).startswith("2026-11-23 12:00:00")
    assert shows == [False, False]
    downgrade(empty_database, "0013")


def test_existing_tracks_get_kinds_from_their_slugs_and_the_emergency_line_its_category(
    empty_database: str,
) -> None:
    """0016 reads each existing track's kind from its slug (a label is sealed and never read),
    and marks the seeded emergency line so the support block can list it first."""
    upgrade(empty_database, "0015")
    database = create_database(empty_database)

    def ident(value: uuid.UUID) -> object:
        return value.hex if database.is_sqlite else value

    member = uuid.uuid4()
    slugs = {
        "the-life": "the-life",
        "leaving-the-trade": "the-life",
        "heroin": "substances",
        "drugs": "substances",
        "drinking": "alcohol",
        "gambling": "gambling",
        "recovery": "other",
        "him": "other",
    }
    with database.writer.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO account (id, handle, handle_key, password_hash, role, timezone, "
                "created_at) VALUES (:id, 'h', 'h', 'x', 'member', 'UTC', '2026-11-23 12:00:00')"
            ),
            {"id": ident(member)},
        )
        for position, slug in enumerate(slugs):
            connection.execute(
                text(
                    "INSERT INTO track (id, account_id, slug, label, position) "
                    "VALUES (:id, :account, :slug, '', :position)"
                ),
                {
                    "id": ident(uuid.uuid4()),
                    "account": ident(member),
                    "slug": slug,
                    "position": position,
                },
            )
        connection.execute(
            text(
                "INSERT INTO crisis_line (id, name, country, phone, hours, categories, "
                "source_url, verified_on) VALUES (:id, 'Emergency services', 'US', '911', "
                "'24/7', :categories, 'https://www.911.gov', '2026-11-23')"
            ),
            {"id": ident(uuid.uuid4()), "categories": json.dumps(["hotline"])},
        )
    database.dispose()
    upgrade(empty_database)
    database = create_database(empty_database)
    with database.reader.connect() as connection:
        kinds = dict(connection.execute(text("SELECT slug, kind FROM track")).all())
        categories = connection.execute(text("SELECT categories FROM crisis_line")).scalar_one()
    database.dispose()
    assert kinds == slugs
    assert (json.loads(categories) if isinstance(categories, str) else categories) == [
        "hotline",
        "emergency",
    ]
    downgrade(empty_database, "0015")
    database = create_database(empty_database)
    with database.reader.connect() as connection:
        categories = connection.execute(text("SELECT categories FROM crisis_line")).scalar_one()
    database.dispose()
    assert (json.loads(categories) if isinstance(categories, str) else categories) == ["hotline"]


def test_existing_crisis_lines_learn_their_languages(empty_database: str) -> None:
    """0019 gives the seeded lines of an existing installation the facts the seed now has."""
    upgrade(empty_database, "0018")
    database = create_database(empty_database)
    with database.writer.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO crisis_line (id, name, country, phone, hours, categories, "
                "source_url, verified_on) VALUES (:id, '988 Suicide & Crisis Lifeline', 'US', "
                "'988', '24/7', '[]', 'https://988lifeline.org', '2026-11-23')"
            ),
            {"id": uuid.uuid4().hex if database.is_sqlite else uuid.uuid4()},
        )
    database.dispose()
    upgrade(empty_database)
    database = create_database(empty_database)
    with database.reader.connect() as connection:
        codes, ways = connection.execute(
            text("SELECT language_codes, by_language FROM crisis_line")
        ).one()
    database.dispose()

    def read(value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value

    assert read(codes) == ["en", "es"]
    assert read(ways)["es"]["text"] == {"number": "988", "message": "AYUDA"}  # type: ignore[index]
    downgrade(empty_database, "0018")
