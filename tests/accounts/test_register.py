"""Registration: pseudonymous handles, NIST-style password rules, strict bodies."""

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.accounts import rules
from tests.factories import PASSWORD, auth, database_dump, new_handle, register

ACCOUNT_KEYS = {"id", "handle", "role", "timezone", "language", "created_at"}


def post_register(client: TestClient, **body: object):  # type: ignore[no-untyped-def]
    return client.post("/v1/auth/register", json=body)


def test_register_returns_account_token_and_ten_distinct_codes(client: TestClient) -> None:
    handle = new_handle()
    response = post_register(
        client, handle=handle, password=PASSWORD, timezone="Pacific/Kiritimati"
    )
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"account", "token", "recovery_codes"}
    assert set(body["account"]) == ACCOUNT_KEYS
    assert body["account"]["handle"] == handle
    assert body["account"]["role"] == "member"
    assert body["account"]["timezone"] == "Pacific/Kiritimati"
    assert body["account"]["created_at"].endswith("Z")
    assert set(body["token"]) == {"access_token", "token_type", "expires_at", "device_token"}
    assert body["token"]["token_type"] == "bearer"
    codes = body["recovery_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10


def test_default_timezone_is_utc(client: TestClient) -> None:
    assert register(client)["account"]["timezone"] == "UTC"


@pytest.mark.parametrize(
    ("handle", "reason"),
    [
        ("jane.doe@example.org", "email address"),
        ("someone@mail", "email address"),
        ("jane.doe.gmail.com", "email address"),
        ("555-123-4567", "phone number"),
        ("call.5551234567", "phone number"),
        ("ab", "3 to 30"),
        ("x" * 31, "3 to 30"),
        ("has space", "only the letters"),
        ("émile", "only the letters"),
        ("semi;colon", "only the letters"),
        ("___", "at least one letter"),
        ("kate\n", "only the letters"),  # would look just like kate in every list
        ("kate\r", "only the letters"),
    ],
)
def test_bad_handles_get_422_saying_why(client: TestClient, handle: str, reason: str) -> None:
    response = post_register(client, handle=handle, password=PASSWORD)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert errors[0]["loc"] == ["body", "handle"]
    assert reason in errors[0]["msg"]
    if reason in ("email address", "phone number"):
        assert "pseudonym" in errors[0]["msg"]


def test_a_handle_that_looks_like_another_cannot_be_taken_or_moved_to(
    client: TestClient,
) -> None:
    """An abuser wants an account that shows as `kate` beside the real one: a trailing line break
    must not slip past the handle rules, at registration or when renaming."""
    kate = register(client, handle="kate-rivers")
    assert post_register(client, handle="kate-rivers\n", password=PASSWORD).status_code == 422
    other = register(client)
    renamed = client.patch("/v1/me", json={"handle": "kate-rivers\n"}, headers=auth(other))
    assert renamed.status_code == 422
    assert kate["account"]["handle"] == "kate-rivers"


def test_taken_handle_in_any_case_gets_409(client: TestClient) -> None:
    handle = new_handle("River")
    register(client, handle=handle)
    response = post_register(client, handle=handle.upper(), password=PASSWORD)
    assert response.status_code == 409
    assert response.json()["type"] == "/problems/handle-taken"


def password_error_kinds(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    return {error["type"] for error in response.json()["errors"]}


def test_fourteen_characters_is_too_short(client: TestClient) -> None:
    response = post_register(client, handle=new_handle(), password="kq8#zt!m2pw9xv")
    assert len("kq8#zt!m2pw9xv") == 14
    assert "password_too_short" in password_error_kinds(response)


@pytest.mark.parametrize("password", ["password1234", "123456789012345", "qwertyuiopasdfgh"])
def test_common_passwords_are_refused_by_name(client: TestClient, password: str) -> None:
    response = post_register(client, handle=new_handle(), password=password)
    assert "password_common" in password_error_kinds(response)
    assert "common" in response.json()["detail"]


def test_guessable_password_is_refused(client: TestClient) -> None:
    response = post_register(client, handle=new_handle(), password="iloveyouiloveyou")
    kinds = password_error_kinds(response)
    assert kinds & {"password_guessable", "password_common"}


@pytest.mark.parametrize("transform", [str.lower, str.upper, str.title])
def test_password_containing_the_handle_in_any_case_is_refused(
    client: TestClient, transform
) -> None:  # type: ignore[no-untyped-def]
    handle = "Marigold"
    response = post_register(
        client, handle=handle, password=f"zebra {transform(handle)} quartz lantern"
    )
    assert "password_contains_handle" in password_error_kinds(response)


def test_four_ordinary_words_pass(client: TestClient) -> None:
    assert (
        post_register(
            client, handle=new_handle(), password="sunflower river candle market"
        ).status_code
        == 201
    )


def strong_password(length: int) -> str:
    words = "copper whistle tundra saffron meadow glacier velvet orchard "
    return (words * 10)[: length - 4] + "#9Qz"


def test_256_characters_pass_and_257_do_not(client: TestClient) -> None:
    assert (
        post_register(client, handle=new_handle(), password=strong_password(256)).status_code == 201
    )
    response = post_register(client, handle=new_handle(), password=strong_password(257))
    assert "password_too_long" in password_error_kinds(response)


def test_password_is_used_exactly_as_sent(client: TestClient) -> None:
    password = "  Ünïcode çafé 🌻 tidal Bloom  "
    member = register(client, password=password)
    handle = member["account"]["handle"]

    def login(candidate: str) -> int:
        return client.post(
            "/v1/auth/login", json={"handle": handle, "password": candidate}
        ).status_code

    assert login(password.strip()) == 401
    assert login(password.lower()) == 401
    assert login(password[:-1]) == 401
    assert login(password) == 200


def test_unknown_field_wrong_type_and_malformed_json(client: TestClient) -> None:
    unknown = post_register(client, handle=new_handle(), password=PASSWORD, role="admin")
    assert unknown.status_code == 422
    assert ["body", "role"] in [error["loc"] for error in unknown.json()["errors"]]

    wrong_type = post_register(client, handle=12345, password=PASSWORD)
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["loc"] == ["body", "handle"]

    malformed = client.post(
        "/v1/auth/register", content=b'{"handle": ', headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.headers["content-type"] == "application/problem+json"
    assert malformed.json()["type"] == "/problems/malformed-json"


def test_invalid_timezone_gets_422(client: TestClient) -> None:
    response = post_register(
        client, handle=new_handle(), password=PASSWORD, timezone="Mars/Olympus"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "timezone"]


def test_validation_errors_never_echo_the_password(client: TestClient) -> None:
    secret = "canary-secret-correct-horse-1"
    response = post_register(client, handle="a@b", password=secret, extra=secret)
    assert response.status_code == 422
    assert secret not in response.text


def test_password_is_stored_as_argon2id_only(client: TestClient, app: FastAPI) -> None:
    password = "plum kettle harbor zigzag canary"
    register(client, password=password)
    dump = database_dump(app)
    assert password not in dump
    assert re.search(r"\$argon2id\$v=19\$m=1024,t=1,p=1\$", dump)


def test_trying_passwords_against_the_rules_runs_into_the_throttle(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each strength check costs about 70 ms of CPU: an anonymous caller sending weak passwords
    is throttled like any guesser, and once blocked costs no more checks."""
    checks: list[str] = []
    real_zxcvbn = rules.zxcvbn

    def counted(password: str, *args: Any, **kwargs: Any) -> Any:
        checks.append(password)
        return real_zxcvbn(password, *args, **kwargs)

    monkeypatch.setattr(rules, "zxcvbn", counted)
    statuses = [
        post_register(client, handle=new_handle(), password="aaaaaaaaaaaaaaaa").status_code
        for _ in range(40)
    ]
    assert statuses[0] == 422
    assert 429 in statuses
    blocked_from = statuses.index(429)
    assert set(statuses[blocked_from:]) == {429}
    assert len(checks) == blocked_from
