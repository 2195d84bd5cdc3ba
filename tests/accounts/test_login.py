"""Login, tokens and throttling (SECURITY 1-4, 7-10)."""

import hashlib
import re
import unicodedata
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, select, update

from app.core.config import Settings
from app.core.db import new_session
from app.core.security import PasswordHasher
from app.main import create_app
from app.models import Account
from tests.conftest import FakeClock, make_settings
from tests.factories import (
    PASSWORD,
    auth,
    database_dump,
    login,
    new_handle,
    register,
    without_request_id,
)

WRONG = "wrong but long enough password"


def attempt(client: TestClient, handle: str, password: str = WRONG, address: str | None = None):  # type: ignore[no-untyped-def]
    return client.post("/v1/auth/login", json={"handle": handle, "password": password})


def test_login_returns_a_fresh_opaque_token_stored_only_as_its_hash(
    client: TestClient, app: FastAPI
) -> None:
    member = register(client)
    handle = member["account"]["handle"]
    response = attempt(client, handle, PASSWORD)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    token = response.json()
    assert set(token) == {"access_token", "token_type", "expires_at", "device_token"}
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token["access_token"])
    second = login(client, handle)
    assert second != token["access_token"]

    dump = database_dump(app)
    for raw in (token["access_token"], second, member["token"]["access_token"]):
        assert raw not in dump
        assert hashlib.sha256(raw.encode()).hexdigest() in dump
    assert client.get("/v1/me", headers=auth(second)).status_code == 200


def test_wrong_handle_and_wrong_password_look_the_same(client: TestClient) -> None:
    member = register(client)
    wrong_password = attempt(client, member["account"]["handle"])
    unknown_handle = attempt(client, new_handle("nobody"))
    for response in (wrong_password, unknown_handle):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"
    assert without_request_id(wrong_password.json()) == without_request_id(unknown_handle.json())


def test_unknown_handle_costs_exactly_one_argon2_verify(
    client: TestClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = register(client)
    hasher: PasswordHasher = app.state.runtime.hasher
    calls: list[str] = []
    real_verify = hasher.context.verify_and_update

    def spy(password: str, stored: str):  # type: ignore[no-untyped-def]
        calls.append(stored)
        return real_verify(password, stored)

    monkeypatch.setattr(hasher.context, "verify_and_update", spy)
    hasher.dummy_verify("warm the dummy hash up")  # built once, outside what we count
    calls.clear()

    assert attempt(client, new_handle("nobody")).status_code == 401
    assert len(calls) == 1
    assert calls[0].startswith("$argon2id$")
    calls.clear()
    assert attempt(client, member["account"]["handle"]).status_code == 401
    assert len(calls) == 1


def run_ten_failures(client: TestClient, handle: str) -> list[tuple[int, dict, str | None]]:  # type: ignore[type-arg]
    results = []
    for _ in range(10):
        response = attempt(client, handle)
        results.append(
            (
                response.status_code,
                without_request_id(response.json()),
                response.headers.get("retry-after"),
            )
        )
    return results


def test_sixth_failure_is_throttled_with_doubling_backoff_then_expires(
    client: TestClient, clock: FakeClock
) -> None:
    """SECURITY 1, with the attack of issue 14 (2) closed: attempts made while blocked get 429
    and neither count nor lengthen the block; each failure after a block doubles the next."""
    member = register(client)
    handle = member["account"]["handle"]
    results = run_ten_failures(client, handle)
    assert [status for status, _, _ in results] == [401] * 5 + [429] * 5
    assert {retry for status, _, retry in results if status == 429} == {"1"}

    waits = []
    for _ in range(5):
        blocked = attempt(client, handle)
        assert blocked.status_code == 429
        waits.append(int(blocked.headers["retry-after"]))
        clock.advance(seconds=waits[-1])
        assert attempt(client, handle).status_code == 401  # a further failure, after the block
    assert waits == [1, 2, 4, 8, 16]

    during = attempt(client, handle, PASSWORD)
    assert during.status_code == 429
    wait = int(during.headers["retry-after"])
    assert wait == 32
    assert int(attempt(client, handle).headers["retry-after"]) == 32  # not lengthened

    clock.advance(seconds=wait)
    assert attempt(client, handle, PASSWORD).status_code == 200
    # A success clears the streak: the next mistake is an ordinary 401.
    assert attempt(client, handle).status_code == 401


def fail_through_blocks(app: FastAPI, clock: FakeClock, handle: str, failures: int) -> list[int]:
    """Wrong passwords from ever new addresses (so only the handle's own throttle answers), each
    made as soon as the block before it ended: the waits seen."""
    waits = []
    for number in range(failures):
        client = TestClient(app, client=(f"198.51.{number // 250}.{number % 250}", 40000))
        response = attempt(client, handle)
        if response.status_code == 429:
            waits.append(int(response.headers["retry-after"]))
            clock.advance(seconds=waits[-1])
            assert attempt(client, handle).status_code == 401
    return waits


def test_backoff_is_capped_at_fifteen_minutes(
    client: TestClient, app: FastAPI, clock: FakeClock
) -> None:
    handle = register(client)["account"]["handle"]
    waits = fail_through_blocks(app, clock, handle, 16)
    assert max(waits) == 900
    assert waits[-1] == 900


def test_a_handle_is_blocked_at_most_an_hour_a_day(
    client: TestClient, app: FastAPI, clock: FakeClock
) -> None:
    """Someone who knows only the handle keeps failing all day from ever new addresses: the
    handle's blocks add up to an hour, then its failures block nothing (each address meets its
    own throttle instead), and the next day starts afresh."""
    handle = register(client)["account"]["handle"]
    clock.moment = clock.moment.replace(hour=0, minute=0)
    waits = fail_through_blocks(app, clock, handle, 40)
    assert sum(waits) == 3600  # the last long block is cut to the hour
    assert attempt(client, handle, PASSWORD).status_code == 200
    clock.moment = clock.moment.replace(hour=23, minute=59, second=59)
    clock.advance(seconds=2)  # a new day
    assert fail_through_blocks(app, clock, handle, 9) == [1, 2, 4, 8]


def test_unknown_handle_is_throttled_identically(client: TestClient) -> None:
    real = run_ten_failures(client, register(client)["account"]["handle"])
    # A fresh address-free comparison: the per-address limit (20) is not reached by 20 attempts.
    ghost = run_ten_failures(client, new_handle("ghost"))
    assert real == ghost


def test_streak_is_forgotten_after_quiet_minutes(client: TestClient, clock: FakeClock) -> None:
    handle = register(client)["account"]["handle"]
    for _ in range(4):
        assert attempt(client, handle).status_code == 401
    clock.advance(minutes=16)
    for _ in range(4):
        assert attempt(client, handle).status_code == 401
    assert attempt(client, handle, PASSWORD).status_code == 200


def test_many_handles_from_one_address_are_throttled(client: TestClient) -> None:
    statuses = [attempt(client, new_handle("spray")).status_code for _ in range(21)]
    assert statuses[:20] == [401] * 20
    assert statuses[20] == 429


def test_throttling_can_be_switched_off(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    app = create_app(make_settings(database_url, tmp_path, rate_limit_enabled=False), clock=clock)
    with TestClient(app) as client:
        handle = register(client)["account"]["handle"]
        assert {attempt(client, handle).status_code for _ in range(8)} == {401}


def test_weaker_hash_is_upgraded_at_login(client: TestClient, app: FastAPI) -> None:
    member = register(client)
    weak = PasswordHasher(memory_kib=512, time_cost=1, parallelism=1, max_concurrent=1)
    with new_session(app.state.runtime.database.writer) as session:
        session.exec(
            update(Account)
            .where(col(Account.id) == uuid.UUID(member["account"]["id"]))
            .values(password_hash=weak.hash(PASSWORD))
        )
        session.commit()
    login(client, member["account"]["handle"])
    with new_session(app.state.runtime.database.reader) as session:
        stored = session.exec(select(Account.password_hash)).one()
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$")


COMPOSED = "Café résumé lantern harbor"  # é as one code point (NFC)
DECOMPOSED = unicodedata.normalize("NFD", COMPOSED)  # e and a combining accent, as some keyboards


def test_an_accented_password_logs_in_however_the_keyboard_composes_it(
    client: TestClient,
) -> None:
    for registered, typed in ((COMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED)):
        handle = register(client, password=registered)["account"]["handle"]
        assert attempt(client, handle, typed).status_code == 200
        assert attempt(client, handle, registered).status_code == 200
        assert attempt(client, handle, typed.lower()).status_code == 401  # no case folding
        assert attempt(client, handle, f" {typed}").status_code == 401  # no trimming


def test_a_password_hashed_before_normalizing_still_logs_in_and_is_rehashed(
    client: TestClient, app: FastAPI
) -> None:
    """An account made when passwords were hashed exactly as typed (here decomposed): it logs in
    with what it always typed, and from then on the hash is of the normal form."""
    member = register(client)
    hasher: PasswordHasher = app.state.runtime.hasher
    old_hash = hasher.context.hash(DECOMPOSED)  # as the older code stored it
    with new_session(app.state.runtime.database.writer) as session:
        session.exec(
            update(Account)
            .where(col(Account.id) == uuid.UUID(member["account"]["id"]))
            .values(password_hash=old_hash)
        )
        session.commit()
    handle = member["account"]["handle"]
    assert attempt(client, handle, DECOMPOSED).status_code == 200
    with new_session(app.state.runtime.database.reader) as session:
        stored = session.exec(select(Account.password_hash)).one()
    assert stored != old_hash
    assert hasher.context.verify(COMPOSED, stored)
    assert attempt(client, handle, COMPOSED).status_code == 200


def test_an_unknown_handle_costs_as_many_verifies_as_a_wrong_accented_password(
    client: TestClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The legacy second verify must not tell apart a handle that exists."""
    member = register(client)
    hasher: PasswordHasher = app.state.runtime.hasher
    calls: list[str] = []
    real_verify = hasher.context.verify_and_update

    def spy(password: str, stored: str):  # type: ignore[no-untyped-def]
        calls.append(stored)
        return real_verify(password, stored)

    monkeypatch.setattr(hasher.context, "verify_and_update", spy)
    hasher.dummy_verify("warm the dummy hash up")
    wrong = unicodedata.normalize("NFD", "Wrongé résumé lantern harbor")
    counts = []
    for handle in (new_handle("nobody"), member["account"]["handle"]):
        calls.clear()
        assert attempt(client, handle, wrong).status_code == 401
        counts.append(len(calls))
    assert counts[0] == counts[1] == 2


def test_production_parameters_are_the_owasp_floor(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    settings = make_settings(database_url, tmp_path)
    production = Settings(
        **{
            **settings.model_dump(),
            "argon2_memory_kib": 19456,
            "argon2_time_cost": 2,
            "argon2_parallelism": 1,
        }
    )
    app = create_app(production, clock=clock)
    with TestClient(app) as client:
        register(client)
        assert "$argon2id$v=19$m=19456,t=2,p=1$" in database_dump(app)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer " + "x" * 300},
    ],
)
def test_missing_or_garbage_token_gets_401_with_challenge(
    client: TestClient, headers: dict[str, str]
) -> None:
    response = client.get("/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"


def test_token_in_query_string_is_ignored(client: TestClient) -> None:
    token = register(client)["token"]["access_token"]
    assert client.get("/v1/me", params={"access_token": token}).status_code == 401
    assert client.get("/v1/me", params={"token": token}).status_code == 401


def test_idle_token_expires(client: TestClient, clock: FakeClock) -> None:
    member = register(client)
    clock.advance(days=13, hours=23)
    assert client.get("/v1/me", headers=auth(member)).status_code == 200  # slides the window
    clock.advance(days=13, hours=23)
    assert client.get("/v1/me", headers=auth(member)).status_code == 200
    clock.advance(days=14, minutes=1)
    assert client.get("/v1/me", headers=auth(member)).status_code == 401


def test_token_expires_absolutely_even_when_used(client: TestClient, clock: FakeClock) -> None:
    member = register(client)
    for days in (10, 10, 9.9):
        clock.advance(days=days)
        assert client.get("/v1/me", headers=auth(member)).status_code == 200
    clock.advance(hours=3)  # past 30 days since login, though used 3 hours ago
    response = client.get("/v1/me", headers=auth(member))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_expires_at_reports_the_idle_limit(client: TestClient) -> None:
    member = register(client)
    created = member["account"]["created_at"]
    assert member["token"]["expires_at"][:10] == "2026-12-07"
    assert created[:10] == "2026-11-23"
