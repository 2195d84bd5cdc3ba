"""Cursors: signed, bound to their list, typed before any query sees them, and refused alike.

An attacker who edits a cursor by hand (or builds one) must get the same plain 422 from every
list, never a 500 and never rows the cursor was not made for.
"""

import base64
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from app.core.errors import AppError
from app.core.pagination import Keyset, cursor_secret, decode_cursor, encode_cursor
from tests.conftest import TEST_MASTER_KEY
from tests.factories import auth, make_admin, register, without_request_id

SECRET = cursor_secret(base64.urlsafe_b64decode(TEST_MASTER_KEY))
SESSIONS = Keyset("sessions", (datetime, uuid.UUID), descending=True)
CHECKINS = Keyset("checkins", (date,), descending=True)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def unsigned(key: list[Any]) -> str:
    """What a cursor looked like before cursors were signed: base64url JSON."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def test_a_cursor_comes_back_as_the_key_it_was_made_from() -> None:
    key = [datetime(2026, 11, 23, 12, 0, 1, 5, tzinfo=UTC), uuid.uuid4()]
    cursor = encode_cursor(SECRET, SESSIONS, key)
    assert decode_cursor(SECRET, SESSIONS, cursor) == key


@given(st.lists(JSON, max_size=3))
def test_a_signed_key_of_any_shape_is_typed_or_refused_with_422(key: list[Any]) -> None:
    """Even a key that carries our signature (a bug of ours, or a leaked secret) never reaches a
    query untyped: each part is the type its column holds, or the answer is 422."""
    cursor = encode_cursor(SECRET, SESSIONS, key)
    try:
        created_at, last_id = decode_cursor(SECRET, SESSIONS, cursor)
    except AppError as error:
        refusal: AppError | None = error
    else:
        refusal = None
    if refusal is not None:
        assert (refusal.status, refusal.errors) == (
            422,
            [
                {
                    "loc": ["query", "cursor"],
                    "msg": "The cursor is not valid. Start again from the first page.",
                }
            ],
        )
        return
    assert isinstance(created_at, datetime)
    assert created_at.tzinfo is not None
    assert isinstance(last_id, uuid.UUID)


@given(st.text(max_size=600))
def test_any_text_as_a_cursor_is_refused_with_422(text: str) -> None:
    with pytest.raises(AppError) as refused:
        decode_cursor(SECRET, CHECKINS, text)
    assert refused.value.status == 422


def test_a_cursor_is_good_for_its_own_list_and_question_only() -> None:
    cursor = encode_cursor(SECRET, CHECKINS, [date(2026, 11, 23)], context=["q", "shelter"])
    assert decode_cursor(SECRET, CHECKINS, cursor, context=["q", "shelter"]) == [date(2026, 11, 23)]
    for keyset, context in (
        (CHECKINS, ["q", "food"]),  # another question
        (Keyset("steps", (date,), descending=True), ["q", "shelter"]),  # another list
    ):
        with pytest.raises(AppError):
            decode_cursor(SECRET, keyset, cursor, context=context)
    other_secret = cursor_secret(bytes(32))  # after the master key was rotated
    with pytest.raises(AppError):
        decode_cursor(other_secret, CHECKINS, cursor, context=["q", "shelter"])


def first_cursors(client: TestClient, app: FastAPI) -> dict[str, tuple[str, dict[str, str]]]:
    """A real next_cursor from each paged list, with the headers to read that list."""
    member = register(client)
    for _ in range(2):
        client.post(
            "/v1/auth/login",
            json={"handle": member["account"]["handle"], "password": member["password"]},
        )
    for day in ("2026-11-20", "2026-11-21"):
        client.put(f"/v1/checkins/{day}", json={"mood": 3}, headers=auth(member))
    admin = auth(make_admin(client, app))
    for name in ("Harbor house", "Lantern house"):
        client.post("/v1/resources", json={"name": name, "categories": ["shelter"]}, headers=admin)
    lists = {
        "/v1/auth/sessions": auth(member),
        "/v1/checkins": auth(member),
        "/v1/resources": {},
    }
    found = {}
    for path, headers in lists.items():
        cursor = client.get(path, params={"limit": 1}, headers=headers).json()["next_cursor"]
        assert cursor, path
        found[path] = (cursor, headers)
    return found


def test_every_list_refuses_a_bad_cursor_with_the_same_problem(
    client: TestClient, app: FastAPI
) -> None:
    cursors = first_cursors(client, app)
    refusals = []
    for path, (cursor, headers) in cursors.items():
        payload, _, signature = cursor.partition(".")
        others = [other for other_path, (other, _) in cursors.items() if other_path != path]
        bad = [
            "garbage!!",
            unsigned(["2026-01-01", "00000000-0000-0000-0000-000000000000"]),
            f"{payload}A.{signature}",  # one character added by hand
            f"{payload}.{signature[:-1]}{'0' if signature[-1] != '0' else '1'}",
            *others,  # a real cursor of another list
            cursor + "A" * 600,  # longer than any cursor of ours
        ]
        for value in bad:
            response = client.get(path, params={"limit": 1, "cursor": value}, headers=headers)
            assert response.status_code == 422, (path, value, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            refusals.append(without_request_id(response.json()))
        good = client.get(path, params={"limit": 1, "cursor": cursor}, headers=headers)
        assert good.status_code == 200, path
    assert all(refusal == refusals[0] for refusal in refusals), refusals


def test_an_empty_cursor_asks_for_the_first_page(client: TestClient, app: FastAPI) -> None:
    for path, (_, headers) in first_cursors(client, app).items():
        first = client.get(path, params={"limit": 1}, headers=headers).json()
        empty = client.get(path, params={"limit": 1, "cursor": ""}, headers=headers)
        assert empty.status_code == 200, path
        assert empty.json()["items"] == first["items"], path


def test_the_crafted_sessions_cursor_is_a_422_not_a_500(client: TestClient) -> None:
    """A date without a time or offset, and a zero id, unsigned: it once reached the query."""
    member = register(client)
    crafted = unsigned(["2026-01-01", "00000000-0000-0000-0000-000000000000"])
    response = client.get("/v1/auth/sessions", params={"cursor": crafted}, headers=auth(member))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "cursor"]
