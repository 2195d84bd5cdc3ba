"""Query plans of the hot paths, as the database will run them.

    .venv/bin/python bench/plans.py --database-url URL

Calls Waymark's own code in-process against a benchmark database (for instance the cached one
`bench/run` builds, or a copy of it), records every statement it sends, and prints the database's
plan for each: EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL.
"""

import argparse
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import col, select  # noqa: E402

from app.core.config import Settings  # noqa: E402
from app.core.crypto import new_key_text  # noqa: E402
from app.core.db import Database, create_database, new_session  # noqa: E402
from app.core.pagination import PageParams  # noqa: E402
from app.core.security import token_digest  # noqa: E402
from app.groups.aggregate import aggregate  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import Account, AuthSession  # noqa: E402
from app.progress.summary import load_days  # noqa: E402
from app.resources.search import Query, search  # noqa: E402
from app.resources.service import category_ids  # noqa: E402


def recorded(database: Database, work: Callable[[], Any]) -> list[tuple[str, Any]]:
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(database.reader, "before_cursor_execute", keep)
    try:
        work()
    finally:
        event.remove(database.reader, "before_cursor_execute", keep)
    return statements


def explain(database: Database, statement: str, parameters: Any) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if database.is_sqlite else "EXPLAIN "
    raw = database.reader.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(prefix + statement, parameters)
        rows = cursor.fetchall()
    finally:
        raw.close()
    if database.is_sqlite:
        return [f"{'  ' * (0 if row[1] == 0 else 1)}{row[3]}" for row in rows]
    return [row[0] for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    database = create_database(args.database_url)
    settings = Settings(database_url=args.database_url, master_key=new_key_text())
    app = create_app(settings)
    runtime = app.state.runtime
    today = datetime.now(UTC).date()
    any_account = uuid.uuid4()
    with new_session(database.reader) as session:
        group = session.execute(text("SELECT group_id FROM membership LIMIT 1")).scalar()
    group = group or uuid.uuid4()  # the plans do not depend on the group having members

    def authenticate() -> None:
        with new_session(database.reader) as session:
            session.exec(
                select(AuthSession, Account)
                .join(Account, col(Account.id) == col(AuthSession.account_id))
                .where(AuthSession.token_hash == token_digest("a token"))
            ).first()

    def progress() -> None:
        with new_session(database.reader) as session:
            load_days(session, any_account, today)

    def directory() -> None:
        with new_session(database.reader) as session:
            query = Query(
                q="family",
                categories=category_ids(session, ["shelter"]),
                lat=41.88,
                lng=-87.63,
                radius_km=25,
            )
            search(session, query, datetime.now(UTC), PageParams(20, None), b"k" * 32)

    def group_aggregate() -> None:
        with new_session(database.reader) as session:
            aggregate(runtime, session, uuid.UUID(str(group)), 30, today)

    print(f"database: {args.database_url.split(':')[0]}, {date.today()}")
    for name, work in (
        ("authentication (every signed-in request)", authenticate),
        ("GET /v1/progress: the member's check-ins", progress),
        ("GET /v1/resources: geo + category + text", directory),
        ("GET /v1/groups/{id}/aggregate", group_aggregate),
    ):
        print(f"\n## {name}")
        for statement, parameters in recorded(database, work):
            print("\n" + " ".join(statement.split())[:300])
            for line in explain(database, statement, parameters):
                print(f"    {line}")
    database.dispose()


if __name__ == "__main__":
    main()
