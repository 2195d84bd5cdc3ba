"""Logs carry request ids and opaque account ids, never secrets or bodies (SECURITY 25)."""

import json
import logging

import pytest
from fastapi.testclient import TestClient

from app.core.logging import JsonFormatter
from tests.factories import auth, new_handle, register

CANARY_PASSWORD = "zebra canary lantern quartz 7"
NEW_PASSWORD = "marble otter kettle sunrise 9"
NOTE_CANARY = "note-canary-4d1f8e"
TRIGGER_CANARY = "trigger-canary-9b2c"


def test_account_flows_log_no_secrets(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    handle = new_handle("logcanary")
    member = register(client, handle=handle, password=CANARY_PASSWORD)
    client.post("/v1/auth/login", json={"handle": handle, "password": CANARY_PASSWORD})
    client.post("/v1/auth/login", json={"handle": handle, "password": "wrong " + CANARY_PASSWORD})
    recovered = client.post(
        "/v1/auth/recover",
        json={
            "handle": handle,
            "recovery_code": member["recovery_codes"][0],
            "new_password": NEW_PASSWORD,
        },
    ).json()
    token = recovered["token"]["access_token"]
    client.put(
        "/v1/checkins/2026-11-23",
        json={"note": NOTE_CANARY, "triggers": [TRIGGER_CANARY], "mood": 2},
        headers=auth(token),
    )
    client.get("/v1/checkins/2026-11-23", headers=auth(token))
    client.get("/v1/me/export", headers=auth(token))
    deleted = client.post("/v1/me/delete", json={"password": NEW_PASSWORD}, headers=auth(token))
    assert deleted.status_code == 204

    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    text = "\n".join(lines) + caplog.text
    secrets = [
        CANARY_PASSWORD,
        NEW_PASSWORD,
        member["token"]["access_token"],
        recovered["token"]["access_token"],
        *member["recovery_codes"],
        handle,
        NOTE_CANARY,
        TRIGGER_CANARY,
    ]
    for secret in secrets:
        assert secret not in text
    assert '"handle"' not in text

    access = [json.loads(line) for line in lines if '"msg": "request"' in line]
    assert len(access) >= 5
    for entry in access:
        assert entry["request_id"]
        assert entry["route"].startswith("/v1/")
    export_line = next(entry for entry in access if entry["route"] == "/v1/me/export")
    assert export_line["account_id"] == member["account"]["id"]
    assert any(entry["route"] == "/v1/me/delete" for entry in access)


def test_query_strings_are_not_logged(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    client.get("/v1/auth/sessions", params={"q": "shelter-near-canary-street", "lat": "41.8781"})
    # The test client's own "httpx" logger prints the URL it sends; the server must not.
    server_lines = [
        record.getMessage() + str(vars(record))
        for record in caplog.records
        if not record.name.startswith("httpx")
    ]
    assert server_lines
    assert not any("canary" in line or "41.8781" in line for line in server_lines)
