"""The `waymark` command: serve, migrate, seed, create-admin, new-key, import-hsds, export-hsds,
backup, rotate-master-key."""

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from app.core.config import Settings, get_settings
from app.core.crypto import (
    MasterKeyError,
    UnreadableData,
    decode_key,
    load_master_key,
    new_key_text,
)
from app.core.db import create_database, new_session


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How `waymark serve` runs uvicorn (the benchmark's ceiling app is served the same way)."""
    return {
        "factory": True,
        "host": settings.host,
        "port": settings.port,
        "workers": settings.workers,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "timeout_graceful_shutdown": 30,
        "access_log": False,  # ours logs route templates; uvicorn's would log search terms
        "log_config": None,
    }


def serve(settings: Settings) -> int:
    import uvicorn

    from app.core.logging import configure_logging

    configure_logging(settings.log_level)
    load_master_key(settings)  # fail here, with a clear message, rather than inside uvicorn
    uvicorn.run("app.main:create_app", **uvicorn_options(settings))
    return 0


def migrate(settings: Settings) -> int:
    from app.core.clock import system_clock
    from app.core.migrations import upgrade
    from app.progress.summary import backfill
    from app.progress.tracks import seal_plain_labels

    upgrade(settings.effective_database_url)
    database = create_database(settings.effective_database_url)
    try:
        # Members whose check-ins predate progress summaries get theirs now.
        added = backfill(database, settings.absence_days, system_clock())
        # Track labels written before labels were sealed.
        sealed = seal_plain_labels(database, lambda: load_master_key(settings), system_clock())
    finally:
        database.dispose()
    if added:
        print(f"progress summaries built for {added} members")
    if sealed:
        print(f"sealed {sealed} track labels")
    print("database is at the latest revision")
    return 0


def seed(settings: Settings, demo: int = 0, demo_seed: int = 1) -> int:
    from app.seed.demo import add_demo
    from app.seed.service import seed as seed_all

    database = create_database(settings.effective_database_url)
    try:
        with new_session(database.writer) as session:
            seed_all(session)
            if demo:
                added = add_demo(session, demo, demo_seed)
                print(f"added {added} demo resources (names start with 'Demo:')")
    finally:
        database.dispose()
    print("reference data is in place")
    return 0


def create_admin(settings: Settings, handle: str) -> int:
    from app.accounts.admin import create_admin_account

    password = os.environ.get("WAYMARK_ADMIN_PASSWORD")
    if password is None:
        password = getpass.getpass("Password for the new admin: ")
        if getpass.getpass("Same password again: ") != password:
            print("The two passwords differ. Nothing was created.", file=sys.stderr)
            return 1
    result = create_admin_account(settings, handle, password)
    if isinstance(result, str):
        print(result, file=sys.stderr)
        return 1
    print(f"Admin account {handle!r} created. Recovery codes (shown once, keep them safe):")
    for code in result:
        print(f"  {code}")
    return 0


def import_hsds(settings: Settings, path: str) -> int:
    from app.core.clock import system_clock
    from app.core.errors import AppError
    from app.resources import transfer

    database = create_database(settings.effective_database_url)
    try:
        data = Path(path).read_bytes()
        kind = "ndjson" if path.endswith((".ndjson", ".jsonl")) else "json"
        counts = transfer.import_services(database, transfer.parse(data, kind), system_clock())
    except AppError as exc:
        print(f"waymark: {exc.detail}", file=sys.stderr)
        for error in exc.errors or []:
            print(f"  at {error['loc']}: {error['msg']}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    print(f"imported {counts['imported']} services ({counts['created']} new)")
    return 0


def export_hsds(settings: Settings, path: str) -> int:
    from app.resources import transfer

    database = create_database(settings.effective_database_url)
    count = 0
    try:
        with Path(path).open("wb") as out:
            for line in transfer.export_lines(database):
                out.write(line)
                count += 1
    finally:
        database.dispose()
    print(f"exported {count} services to {path}")
    return 0


def backup(settings: Settings, path: str) -> int:
    """A consistent copy of the database while it serves: SQLite's online backup (the WAL
    included), or pg_dump's custom format for PostgreSQL. The master key is never in it."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.effective_database_url)
    target = Path(path)
    if target.exists():
        print(f"waymark: {path} exists; choose a new file for the backup", file=sys.stderr)
        return 1
    if url.get_backend_name() == "sqlite":
        import sqlite3

        source = sqlite3.connect(f"file:{url.database}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        target.chmod(0o600)
    else:
        import shutil
        import subprocess

        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            print("waymark: pg_dump is not installed (PostgreSQL client tools)", file=sys.stderr)
            return 1
        # The password goes by environment, never on a command line that `ps` shows.
        env = {**os.environ, "PGPASSWORD": url.password or os.environ.get("PGPASSWORD", "")}
        address = url.set(drivername="postgresql", password=None)
        command = [pg_dump, "--format=custom", "--no-owner", f"--file={target}"]
        done = subprocess.run(  # noqa: S603 (our own arguments, no shell)
            [*command, address.render_as_string(hide_password=False)], check=False, env=env
        )
        if done.returncode != 0:
            target.unlink(missing_ok=True)
            return 1
    print(f"backup written to {path}")
    return 0


def rotate_master_key(settings: Settings, path: str) -> int:
    """Rewrap everything under the key in FILE (never on the command line, which `ps` shows).
    Stop every API process first and start them again with the new key."""
    from app.ops.rotation import rotate_master_key as rotate

    try:
        new_key = decode_key(Path(path).read_text())
    except OSError as exc:
        print(f"waymark: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    old_key = load_master_key(settings)
    if new_key == old_key:
        print(
            "waymark: the new key is the current key; make one with `waymark new-key`",
            file=sys.stderr,
        )
        return 1
    database = create_database(settings.effective_database_url)
    try:
        with new_session(database.writer) as session:
            done = rotate(session, old_key, new_key)
    except UnreadableData as exc:
        print(
            f"waymark: a sealed {exc} value does not open with the current key; "
            "nothing was changed",
            file=sys.stderr,
        )
        return 1
    finally:
        database.dispose()
    print(
        f"rewrapped {done.member_keys} member keys and {done.invite_codes} invite codes; "
        "start the service with the new key now"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    # Whatever Waymark writes (the database, a generated key, a backup) is for its own user only.
    os.umask(0o077)
    parser = argparse.ArgumentParser(prog="waymark", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the API with uvicorn")
    commands.add_parser("migrate", help="bring the database schema to the latest revision")
    seeder = commands.add_parser("seed", help="add reference data (idempotent)")
    seeder.add_argument(
        "--demo", type=int, default=0, metavar="N", help="also add N fake resources, marked as demo"
    )
    seeder.add_argument("--demo-seed", type=int, default=1, help="random seed for the demo data")
    admin = commands.add_parser("create-admin", help="create an admin account")
    admin.add_argument("handle")
    commands.add_parser("new-key", help="print a new random master key")
    importer = commands.add_parser("import-hsds", help="import HSDS services (.json or .ndjson)")
    importer.add_argument("file")
    exporter = commands.add_parser("export-hsds", help="export every service as HSDS ndjson")
    exporter.add_argument("file")
    backer = commands.add_parser("backup", help="write a consistent copy of the database to FILE")
    backer.add_argument("file")
    rotator = commands.add_parser(
        "rotate-master-key", help="rewrap all key material under the new master key in FILE"
    )
    rotator.add_argument("file")
    args = parser.parse_args(argv)

    if args.command == "new-key":
        print(new_key_text())
        return 0
    settings = get_settings()
    try:
        if args.command == "serve":
            return serve(settings)
        if args.command == "migrate":
            return migrate(settings)
        if args.command == "seed":
            return seed(settings, args.demo, args.demo_seed)
        if args.command == "import-hsds":
            return import_hsds(settings, args.file)
        if args.command == "export-hsds":
            return export_hsds(settings, args.file)
        if args.command == "backup":
            return backup(settings, args.file)
        if args.command == "rotate-master-key":
            return rotate_master_key(settings, args.file)
        return create_admin(settings, args.handle)
    except MasterKeyError as exc:
        print(f"waymark: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
