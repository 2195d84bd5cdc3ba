"""The `waymark` command: migrate, seed (idempotent), create-admin, backup."""

import os
import shutil
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlalchemy.engine import make_url
from sqlmodel import col

from app import cli
from app.core.config import get_settings
from app.core.crypto import new_key_text
from app.core.db import create_database
from app.main import create_app
from app.models import PeerGroup
from app.progress.summary import FOLD_VERSION
from tests.conftest import (
    FakeClock,
    create_pg_database,
    drop_pg_database,
    make_settings,
)
from tests.factories import PASSWORD, auth, database_dump, login, make_admin, register
from tests.groups.conftest import make_facilitator, make_group


def categories(url: str) -> list[tuple[object, ...]]:
    database = create_database(url)
    try:
        with database.reader.connect() as connection:
            return [
                tuple(row)
                for row in connection.execute(
                    text("SELECT id, code, name, description FROM taxonomy_term ORDER BY code")
                )
            ]
    finally:
        database.dispose()


def test_migrate_is_safe_to_repeat(cli_env: str) -> None:
    assert cli.main(["migrate"]) == 0
    assert cli.main(["migrate"]) == 0


def test_migrate_builds_missing_progress_summaries(
    cli_env: str, client: TestClient, app: object
) -> None:
    """Check-ins from before progress summaries existed get theirs from `waymark migrate`."""
    headers = auth(register(client))
    for day in ("2026-11-20", "2026-11-21"):
        put = client.put(f"/v1/checkins/{day}", json={"lapses": {}}, headers=headers)
        assert put.status_code == 201
    database = create_database(cli_env)
    try:
        with database.writer.begin() as connection:
            connection.execute(text("DELETE FROM progress_summary"))
        assert cli.main(["migrate"]) == 0
        with database.reader.connect() as connection:
            row = connection.execute(
                text("SELECT days_on_track_total, last_checkin FROM progress_summary")
            ).one()
    finally:
        database.dispose()
    assert (row[0], str(row[1])) == (2, "2026-11-21")


def test_a_summary_folded_by_other_rules_is_not_trusted_and_migrate_rebuilds_it(
    cli_env: str, client: TestClient, app: object
) -> None:
    headers = auth(register(client))
    for day, level in (("2026-11-19", "none"), ("2026-11-20", "some"), ("2026-11-21", "none")):
        put = client.put(
            f"/v1/checkins/{day}", json={"lapses": {"recovery": level}}, headers=headers
        )
        assert put.status_code == 201
    expected = client.get("/v1/progress", headers=headers).json()
    database = create_database(cli_env)
    try:
        with database.writer.begin() as connection:
            connection.execute(
                text(
                    "UPDATE progress_summary SET fold_version = 0, checkin_days_total = 999,"
                    " days_on_track_total = 999"
                )
            )
        assert client.get("/v1/progress", headers=headers).json() == expected
        assert cli.main(["migrate"]) == 0
        with database.reader.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT fold_version, checkin_days_total, days_on_track_total FROM progress_summary"
                )
            ).one()
    finally:
        database.dispose()
    assert tuple(row) == (FOLD_VERSION, 3, 2)
    assert client.get("/v1/progress", headers=headers).json() == expected


def test_seed_is_idempotent(cli_env: str) -> None:
    assert cli.main(["seed"]) == 0
    first = categories(cli_env)
    assert len(first) == 14
    assert {row[1] for row in first} >= {
        "shelter",
        "immigration",
        "substance-use",
        "trafficking-services",
    }
    assert cli.main(["seed"]) == 0
    assert categories(cli_env) == first


def test_create_admin_from_the_environment(
    cli_env: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("WAYMARK_ADMIN_PASSWORD", PASSWORD)
    assert cli.main(["create-admin", "keeper"]) == 0
    output = capsys.readouterr().out
    assert output.count("-") >= 40  # ten codes with their dashes
    app = create_app(make_settings(cli_env, tmp_path), clock=FakeClock())
    with TestClient(app) as client:
        token = login(client, "keeper")
        me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["role"] == "admin"
    assert cli.main(["create-admin", "KEEPER"]) == 1  # taken, in any case


def test_create_admin_refuses_a_weak_password(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WAYMARK_ADMIN_PASSWORD", "password1234")
    assert cli.main(["create-admin", "keeper"]) == 1
    assert "common" in capsys.readouterr().err
    database = create_database(cli_env)
    with database.reader.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM account")).scalar() == 0
    database.dispose()


def test_create_admin_prompts_twice(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([PASSWORD, "something else entirely"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda _prompt: next(answers))
    assert cli.main(["create-admin", "keeper"]) == 1


def test_new_key_prints_a_usable_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, database_url: str
) -> None:
    assert cli.main(["new-key"]) == 0
    key = capsys.readouterr().out.strip()
    create_app(make_settings(database_url, tmp_path, master_key=key))


def test_demo_data_is_marked_separate_and_idempotent(cli_env: str, tmp_path: Path) -> None:
    assert cli.main(["seed"]) == 0
    database = create_database(cli_env)

    def services() -> list[tuple[str, str]]:
        with database.reader.connect() as connection:
            return [
                tuple(row)
                for row in connection.execute(text("SELECT name, search_text FROM service"))
            ]

    assert services() == []  # a plain seed never adds demo data
    assert cli.main(["seed", "--demo", "40"]) == 0
    first = services()
    assert len(first) == 40
    assert all(name.startswith("Demo:") and "[Demo data]" in text for name, text in first)
    assert cli.main(["seed", "--demo", "40"]) == 0
    assert len(services()) == 40
    database.dispose()
    app = create_app(make_settings(cli_env, tmp_path), clock=FakeClock())
    with TestClient(app) as client:
        found = client.get(
            "/v1/resources", params={"lat": 41.8781, "lng": -87.6298, "radius_km": 60}
        ).json()
        assert found["items"]
        assert all(item["name"].startswith("Demo:") for item in found["items"])
        assert all(item["address"] is None for item in found["items"] if item["confidential"])
        one = client.get(f"/hsds/services/{found['items'][0]['id']}").json()
        assert one["waymark_demo"] is True


def test_a_backup_restores_with_the_same_master_key(
    cli_env: str, client: TestClient, app: object, tmp_path: Path
) -> None:
    """`waymark backup`, then the restore command of docs/deploy.md: the member signs in on the
    restored copy and reads their sealed note."""
    member = register(client)
    note = f"backup canary {uuid.uuid4().hex}"
    put = client.put("/v1/checkins/2026-11-20", json={"note": note}, headers=auth(member))
    assert put.status_code == 201
    target = tmp_path / "waymark.backup"
    assert cli.main(["backup", str(target)]) == 0
    assert cli.main(["backup", str(target)]) == 1  # never overwrites

    if cli_env.startswith("sqlite"):
        restored = tmp_path / "restored" / "waymark.db"
        restored.parent.mkdir()
        shutil.copyfile(target, restored)  # the documented restore: the file, put in place
        restored_url = f"sqlite:///{restored}"
    else:
        restored_url = create_pg_database("waymark_restore")
        libpq = make_url(restored_url).set(drivername="postgresql")
        pg_restore = shutil.which("pg_restore")
        assert pg_restore, "pg_restore (PostgreSQL client tools) is needed to restore"
        dbname = f"--dbname={libpq.render_as_string(False)}"
        subprocess.run([pg_restore, "--no-owner", dbname, target], check=True)  # noqa: S603
    try:
        settings = make_settings(restored_url, tmp_path / "restored")
        with TestClient(create_app(settings, clock=FakeClock())) as restored_client:
            token = login(restored_client, member["account"]["handle"])
            day = restored_client.get("/v1/checkins/2026-11-20", headers=auth(token))
            assert day.status_code == 200
            assert day.json()["note"] == note
    finally:
        if not cli_env.startswith("sqlite"):
            drop_pg_database(restored_url)


def test_rotate_master_key_rewraps_everything_and_retires_the_old_key(
    cli_env: str, client: TestClient, app: FastAPI, tmp_path: Path
) -> None:
    member = register(client)
    note = f"canary-{uuid.uuid4().hex}"
    written = client.put("/v1/checkins/2026-11-22", json={"note": note}, headers=auth(member))
    assert written.status_code == 201, written.text
    facilitator = make_facilitator(client, auth(make_admin(client, app)))
    group = make_group(client, facilitator)
    client.post("/v1/auth/login", json={"handle": "nobody-here", "password": "x" * 20})
    new_key = new_key_text()
    key_file = tmp_path / "new.key"
    key_file.write_text(new_key + "\n")

    def throttle_rows() -> int:
        database = create_database(cli_env)
        with database.reader.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM throttle")).scalar_one()
        database.dispose()
        return int(count)

    assert throttle_rows() > 0
    assert cli.main(["rotate-master-key", str(key_file)]) == 0
    # Counters keyed by the old key would never match again.
    assert throttle_rows() == 0

    # A process still holding the old key is no longer ready.
    assert client.get("/readyz").status_code == 503
    renewed = create_app(make_settings(cli_env, tmp_path, master_key=new_key), clock=FakeClock())
    with TestClient(renewed) as after:
        assert after.get("/readyz").status_code == 200
        token = login(after, member["account"]["handle"])
        day = after.get("/v1/checkins/2026-11-22", headers=auth(token))
        assert day.status_code == 200
        assert day.json()["note"] == note
        facilitator_token = login(after, facilitator["account"]["handle"])
        seen = after.get(f"/v1/groups/{group['id']}", headers=auth(facilitator_token)).json()
        assert seen["invite_code"] == group["invite_code"]
        newcomer = register(after)
        joined = after.post(
            "/v1/groups/join",
            json={"invite_code": group["invite_code"], "share_progress": False},
            headers=auth(newcomer),
        )
        assert joined.status_code == 201, joined.text


def test_rotate_master_key_changes_nothing_when_it_cannot_finish(
    cli_env: str,
    client: TestClient,
    app: FastAPI,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    member = register(client)
    group = make_group(client, make_facilitator(client, auth(make_admin(client, app))))
    key_file = tmp_path / "new.key"
    key_file.write_text(new_key_text())
    before = database_dump(app)

    # Not this database's key: refused before anything is read.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAYMARK_MASTER_KEY", new_key_text())
        get_settings.cache_clear()
        assert cli.main(["rotate-master-key", str(key_file)]) == 2
    get_settings.cache_clear()
    assert "does not match" in capsys.readouterr().err

    # A sealed value that no longer opens stops the rotation halfway: all of it is rolled back.
    with app.state.runtime.database.writer.begin() as connection:
        connection.execute(
            update(PeerGroup)
            .where(col(PeerGroup.id) == uuid.UUID(group["id"]))
            .values(invite_code_sealed=b"\x01" + bytes(40))
        )
    tampered = database_dump(app)
    assert cli.main(["rotate-master-key", str(key_file)]) == 1
    assert "nothing was changed" in capsys.readouterr().err
    assert database_dump(app) == tampered != before
    assert client.get("/readyz").status_code == 200
    assert login(client, member["account"]["handle"])
    assert client.get("/v1/me", headers=auth(member)).status_code == 200


def test_the_data_folder_and_database_files_are_for_the_service_user_only(
    tmp_path: Path,
) -> None:
    """Another account on a shared machine must not read the database, its journal or the key:
    `waymark migrate` from a shell with the usual umask (022) makes them 0700 and 0600."""
    data = tmp_path / "data"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "WAYMARK_DATA_DIR": str(data),
        "WAYMARK_ARGON2_MEMORY_KIB": "1024",
    }
    done = subprocess.run(  # noqa: S603 (our own command)
        ["/bin/sh", "-c", f"umask 022 && exec {sys.executable} -m app.cli migrate"],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = [path for path in data.iterdir() if path.is_file()]
    assert "waymark.db" in {path.name for path in files}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_a_database_file_left_readable_by_others_is_closed(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    path.write_bytes(b"")
    path.chmod(0o644)
    create_database(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
