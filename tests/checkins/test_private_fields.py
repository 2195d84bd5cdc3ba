"""Notes and triggers are encrypted per member; deletion shreds the key (SECURITY 21, 23, 24)."""

import logging
import sqlite3
import time
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import BACKEND
from tests.factories import (
    PASSWORD,
    assert_absent_from_sqlite_files,
    auth,
    database_dump,
    new_handle,
    register,
    rows_referencing,
)

TODAY = "2026-11-23"


def sealed(app: FastAPI, member: dict, day: str) -> bytes:  # type: ignore[type-arg]
    engine = app.state.runtime.database.reader
    account = uuid.UUID(member["account"]["id"])
    with engine.connect() as connection:
        value = connection.execute(
            text("SELECT note_sealed FROM checkin WHERE account_id = :a AND day = :d"),
            {"a": account.hex if engine.dialect.name == "sqlite" else account, "d": day},
        ).scalar_one()
    return bytes(value)


def overwrite_note(app: FastAPI, member: dict, day: str, value: bytes) -> None:  # type: ignore[type-arg]
    engine = app.state.runtime.database.writer
    account = uuid.UUID(member["account"]["id"])
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE checkin SET note_sealed = :v WHERE account_id = :a AND day = :d"),
            {
                "v": value,
                "a": account.hex if engine.dialect.name == "sqlite" else account,
                "d": day,
            },
        )


def test_notes_and_triggers_are_never_stored_in_plain_text(
    client: TestClient, app: FastAPI
) -> None:
    member = register(client)
    note, trigger = "canary-note-" + uuid.uuid4().hex, "canary-trigger-" + uuid.uuid4().hex[:8]
    response = client.put(
        f"/v1/checkins/{TODAY}", json={"note": note, "triggers": [trigger]}, headers=auth(member)
    )
    assert response.json()["note"] == note
    assert response.json()["triggers"] == [trigger]
    dump = database_dump(app)
    assert note not in dump
    assert trigger not in dump
    assert note.encode() not in sealed(app, member, TODAY)


def test_the_same_note_twice_gives_different_ciphertexts(client: TestClient, app: FastAPI) -> None:
    member = register(client)
    client.put(f"/v1/checkins/{TODAY}", json={"note": "same words"}, headers=auth(member))
    first = sealed(app, member, TODAY)
    client.put(f"/v1/checkins/{TODAY}", json={"note": "same words"}, headers=auth(member))
    assert sealed(app, member, TODAY) != first


def test_a_note_copied_to_another_members_row_never_shows(client: TestClient, app: FastAPI) -> None:
    alice, mallory = register(client), register(client)
    secret = "alice-secret-" + uuid.uuid4().hex
    client.put(f"/v1/checkins/{TODAY}", json={"note": secret}, headers=auth(alice))
    client.put(f"/v1/checkins/{TODAY}", json={"note": "mine"}, headers=auth(mallory))
    overwrite_note(app, mallory, TODAY, sealed(app, alice, TODAY))

    with TestClient(app, raise_server_exceptions=False) as quiet:
        response = quiet.get(f"/v1/checkins/{TODAY}", headers=auth(mallory))
        export = quiet.get("/v1/me/export", headers=auth(mallory))
    for answer in (response, export):
        assert answer.status_code == 500
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "/problems/unreadable-data"
        assert secret not in answer.text


def test_a_note_moved_to_another_day_of_the_same_member_never_shows(
    client: TestClient, app: FastAPI
) -> None:
    member = register(client)
    client.put(f"/v1/checkins/{TODAY}", json={"note": "today's words"}, headers=auth(member))
    client.put("/v1/checkins/2026-11-22", json={"note": "yesterday"}, headers=auth(member))
    overwrite_note(app, member, "2026-11-22", sealed(app, member, TODAY))
    with TestClient(app, raise_server_exceptions=False) as quiet:
        response = quiet.get("/v1/checkins/2026-11-22", headers=auth(member))
    assert response.status_code == 500
    assert "today's words" not in response.text


def test_export_has_every_checkin_decrypted_and_nothing_of_others(client: TestClient) -> None:
    member, other = register(client), register(client)
    client.put(
        "/v1/me/tracks", json=[{"slug": "the-life", "label": "The life"}], headers=auth(member)
    )
    days = ["2026-11-20", "2026-11-21", "2026-11-23"]
    for i, day in enumerate(days):
        client.put(
            f"/v1/checkins/{day}",
            json={"note": f"note {i}", "triggers": [f"t{i}"], "lapses": {"the-life": "none"}},
            headers=auth(member),
        )
    client.put(f"/v1/checkins/{TODAY}", json={"note": "other's note"}, headers=auth(other))
    client.put(
        "/v1/me/steps/1", json={"status": "working", "note": "step note"}, headers=auth(member)
    )

    export = client.get("/v1/me/export", headers=auth(member))
    assert export.headers["cache-control"] == "no-store"
    parts = export.json()["parts"]
    assert [checkin["date"] for checkin in parts["checkins"]] == days
    assert [checkin["note"] for checkin in parts["checkins"]] == ["note 0", "note 1", "note 2"]
    assert parts["checkins"][0]["triggers"] == ["t0"]
    assert parts["tracks"][0]["slug"] == "the-life"
    assert parts["steps"] == [
        {
            "number": 1,
            "status": "working",
            "revisits": 0,
            "note": "step note",
            "updated_at": parts["steps"][0]["updated_at"],
        }
    ]
    assert "other's note" not in export.text
    assert other["account"]["handle"] not in export.text


def test_delete_shreds_the_key_and_every_row(client: TestClient, app: FastAPI) -> None:
    member = register(client)
    account_id = member["account"]["id"]
    client.put(f"/v1/checkins/{TODAY}", json={"note": "bye"}, headers=auth(member))
    client.put("/v1/me/tracks", json=[{"slug": "a", "label": "A"}], headers=auth(member))
    client.put("/v1/me/steps/2", json={"status": "done", "note": "x"}, headers=auth(member))
    assert "member_key" in rows_referencing(app, account_id)

    assert (
        client.post("/v1/me/delete", json={"password": PASSWORD}, headers=auth(member)).status_code
        == 204
    )
    assert rows_referencing(app, account_id) == []


@pytest.mark.skipif(BACKEND != "sqlite", reason="checks SQLite's own files on disk")
def test_no_canary_stays_in_the_sqlite_files_after_delete(
    client: TestClient, database_url: str
) -> None:
    handle = new_handle("canaryqq")
    member = register(client, handle=handle)
    canaries = [handle, "note-canary-" + uuid.uuid4().hex, "trig-" + uuid.uuid4().hex[:10]]
    client.put(
        f"/v1/checkins/{TODAY}",
        json={"note": canaries[1], "triggers": [canaries[2]]},
        headers=auth(member),
    )
    assert (
        client.post("/v1/me/delete", json={"password": PASSWORD}, headers=auth(member)).status_code
        == 204
    )
    assert_absent_from_sqlite_files(database_url, canaries)


def canaries_left(database_url: str, canaries: list[str]) -> list[str]:
    path = Path(database_url.removeprefix("sqlite:///"))
    files = [path, path.with_name(path.name + "-wal")]
    content = b"".join(file.read_bytes() for file in files if file.exists())
    return [canary for canary in canaries if canary.encode() in content]


@pytest.mark.skipif(BACKEND != "sqlite", reason="checks SQLite's own files on disk")
def test_no_canary_stays_in_the_sqlite_files_after_a_delete_made_while_someone_reads(
    client: TestClient, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A `waymark backup` or a slow export holds a read transaction while a member deletes the
    account: the answer is 204 at once, and once the reader is done the deleted handle, track
    label and note are gone from every database file within seconds, with no further write."""
    handle = new_handle("canaryrr")
    label = "track-canary-" + uuid.uuid4().hex[:8]
    note = "note-canary-" + uuid.uuid4().hex
    member = register(client, handle=handle)
    client.put("/v1/me/tracks", json=[{"slug": "mine", "label": label}], headers=auth(member))
    client.put(f"/v1/checkins/{TODAY}", json={"note": note}, headers=auth(member))
    canaries = [handle, label, note]

    reader = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM account").fetchone()  # a snapshot from before
    with caplog.at_level(logging.INFO, logger="waymark.db"):
        deleted = client.post("/v1/me/delete", json={"password": PASSWORD}, headers=auth(member))
    assert deleted.status_code == 204
    waiting = [record.getMessage() for record in caplog.records if record.name == "waymark.db"]
    assert any("write-ahead log" in message for message in waiting)
    assert not any(canary in message for message in waiting for canary in canaries)
    reader.rollback()
    reader.close()

    deadline = time.monotonic() + 10
    while canaries_left(database_url, canaries) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert canaries_left(database_url, canaries) == []
