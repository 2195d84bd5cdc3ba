"""`Idempotency-Key` on creating POSTs (SECURITY 31): a retry gets the first answer, never a
second object."""

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import FakeClock
from tests.factories import auth, register
from tests.groups.conftest import make_facilitator, make_group


def post_group(
    client: TestClient, who: dict[str, Any], key: str | None, body: dict[str, Any] | str
) -> Any:
    headers = {**who["headers"], **({"Idempotency-Key": key} if key else {})}
    if isinstance(body, str):
        headers["Content-Type"] = "application/json"
        return client.post("/v1/groups", content=body, headers=headers)
    return client.post("/v1/groups", json=body, headers=headers)


def my_groups(client: TestClient, who: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get("/v1/groups", headers=who["headers"])
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def scalar(app: FastAPI, sql: str, **params: Any) -> Any:
    with app.state.runtime.database.reader.connect() as connection:
        return connection.execute(text(sql), params).scalar_one()


def test_the_same_key_and_body_replays_the_first_answer(
    client: TestClient, admin: dict[str, str]
) -> None:
    facilitator = make_facilitator(client, admin)
    key = str(uuid.uuid4())
    first = post_group(client, facilitator, key, {"name": "Thursday circle", "description": "x"})
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    # The same request, its JSON spaced and ordered differently.
    again = post_group(
        client, facilitator, key, '{ "description": "x",  "name": "Thursday circle" }'
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["cache-control"] == "no-store"
    assert [group["id"] for group in my_groups(client, facilitator)] == [first.json()["id"]]


def test_the_same_key_with_another_body_is_refused_and_makes_nothing(
    client: TestClient, admin: dict[str, str]
) -> None:
    facilitator = make_facilitator(client, admin)
    key = str(uuid.uuid4())
    assert post_group(client, facilitator, key, {"name": "One"}).status_code == 201
    other = post_group(client, facilitator, key, {"name": "Two"})
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert [group["name"] for group in my_groups(client, facilitator)] == ["One"]


def test_keys_belong_to_one_account(client: TestClient, admin: dict[str, str]) -> None:
    first, second = make_facilitator(client, admin), make_facilitator(client, admin)
    key = "shared-key-1"
    one = post_group(client, first, key, {"name": "Same"})
    two = post_group(client, second, key, {"name": "Same"})
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json()["id"] != two.json()["id"]
    assert "idempotent-replayed" not in two.headers


def test_concurrent_duplicates_make_one_object(client: TestClient, admin: dict[str, str]) -> None:
    facilitator = make_facilitator(client, admin)
    key = str(uuid.uuid4())
    gate = threading.Barrier(10)
    answers: list[Any] = []
    lock = threading.Lock()

    def send() -> None:
        gate.wait()
        response = post_group(client, facilitator, key, {"name": "Raced"})
        with lock:
            answers.append(response)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {response.status_code for response in answers} <= {201, 409}
    made = {response.json()["id"] for response in answers if response.status_code == 201}
    assert len(made) == 1
    for response in answers:
        if response.status_code == 409:
            assert response.headers["retry-after"] == "1"
            assert response.json()["type"].endswith("/idempotency-key-in-use")
    assert len(my_groups(client, facilitator)) == 1


def test_malformed_keys_are_422(client: TestClient, admin: dict[str, str]) -> None:
    facilitator = make_facilitator(client, admin)
    for key in ("has space", "x" * 256, "tab\there"):
        response = post_group(client, facilitator, key, {"name": "Bad key"})
        assert response.status_code == 422, key
        assert response.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert my_groups(client, facilitator) == []


def test_a_refusal_after_a_commit_is_the_answer_and_a_refusal_before_is_not(
    client: TestClient, admin: dict[str, str]
) -> None:
    """A wrong invite code commits a throttle count before its 404: a retry gets that 404 again
    (and counts nothing more). A request refused before anything was written runs again."""
    facilitator = make_facilitator(client, admin)
    group = make_group(client, facilitator)
    member = register(client)
    headers = {**auth(member), "Idempotency-Key": "join-1"}
    wrong = {"invite_code": "WRONG-CODE-0000", "share_progress": False}
    first = client.post("/v1/groups/join", json=wrong, headers=headers)
    assert first.status_code == 404
    again = client.post("/v1/groups/join", json=wrong, headers=headers)
    assert again.status_code == 404
    assert again.json() == first.json()
    assert again.headers["content-type"] == "application/problem+json"
    assert again.headers["idempotent-replayed"] == "true"

    right = {"invite_code": group["invite_code"], "share_progress": False}
    assert client.post("/v1/groups/join", json=right, headers=headers).status_code == 422
    headers["Idempotency-Key"] = "join-2"
    joined = client.post("/v1/groups/join", json=right, headers=headers)
    assert joined.status_code == 201
    assert client.post("/v1/groups/join", json=right, headers=headers).json() == joined.json()

    # A meeting refused for its body wrote nothing: the same key runs again, no replay.
    meeting = {"name": "Evening", "day": 9, "time": "19:00", "timezone": "UTC"}
    meeting_headers = {**facilitator["headers"], "Idempotency-Key": "meeting-1"}
    path = f"/v1/groups/{group['id']}/meetings"
    for _ in range(2):
        refused = client.post(path, json=meeting, headers=meeting_headers)
        assert refused.status_code == 422
        assert "idempotent-replayed" not in refused.headers


def test_a_request_carried_out_without_its_answer_kept_gets_409_never_a_second_object(
    client: TestClient, admin: dict[str, str], app: FastAPI
) -> None:
    facilitator = make_facilitator(client, admin)
    first = post_group(client, facilitator, "crash-1", {"name": "Crashed"})
    assert first.status_code == 201
    with app.state.runtime.database.writer.begin() as connection:
        # As if the process had died between the object's commit and the answer's.
        connection.execute(
            text("UPDATE idempotency_record SET state = 'committed', response_sealed = NULL")
        )
    retry = post_group(client, facilitator, "crash-1", {"name": "Crashed"})
    assert retry.status_code == 409
    assert len(my_groups(client, facilitator)) == 1


def test_kept_answers_are_sealed_and_go_with_the_account(
    client: TestClient, admin: dict[str, str], app: FastAPI
) -> None:
    facilitator = make_facilitator(client, admin)
    canary = f"canary-{uuid.uuid4().hex}"
    group = post_group(client, facilitator, "sealed-1", {"name": canary}).json()
    with app.state.runtime.database.reader.connect() as connection:
        rows = connection.execute(
            text("SELECT key_digest, response_sealed FROM idempotency_record")
        ).all()
    assert len(rows) == 1
    digest, sealed = rows[0]
    assert digest != "sealed-1"
    assert canary.encode() not in bytes(sealed)
    assert group["invite_code"].encode() not in bytes(sealed)

    deleted = client.post(
        "/v1/me/delete", json={"password": facilitator["password"]}, headers=facilitator["headers"]
    )
    assert deleted.status_code == 204, deleted.text
    assert scalar(app, "SELECT count(*) FROM idempotency_record") == 0


def test_a_resource_created_twice_with_one_key_is_one_resource(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = {
        "name": "Harbor House",
        "description": "Shelter for women and children.",
        "categories": ["shelter"],
    }
    headers = {**admin, "Idempotency-Key": "resource-1"}
    first = client.post("/v1/resources", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post("/v1/resources", json=body, headers=headers)
    assert (again.status_code, again.json()["id"]) == (201, first.json()["id"])
    found = client.get("/v1/resources", params={"q": "Harbor"}).json()
    assert [item["id"] for item in found["items"]] == [first.json()["id"]]


def test_the_creating_posts_document_the_header_and_its_409(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    documented = {
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
        and "409" in operation["responses"]
    }
    assert documented == {
        "POST /v1/groups",
        "POST /v1/groups/join",
        "POST /v1/groups/{group_id}/meetings",
        "POST /v1/groups/{group_id}/reach-out",
        "POST /v1/resources",
    }


def test_a_429_is_never_kept_the_retry_runs_once_the_wait_is_over(
    client: TestClient, admin: dict[str, str], clock: FakeClock
) -> None:
    """A member blocked from joining for a while (too many wrong codes) retries with the same
    key after the wait: the join happens, the 429 is not replayed for a day."""
    group = make_group(client, make_facilitator(client, admin))
    member = register(client)
    wrong = {"invite_code": "WRONG-CODE-0000", "share_progress": False}
    for attempt in range(10):
        guessed = client.post(
            "/v1/groups/join",
            json=wrong,
            headers={**auth(member), "Idempotency-Key": f"g{attempt}"},
        )
        assert guessed.status_code == 404
    headers = {**auth(member), "Idempotency-Key": "join-after-the-wait"}
    right = {"invite_code": group["invite_code"], "share_progress": False}
    blocked = client.post("/v1/groups/join", json=right, headers=headers)
    assert blocked.status_code == 429
    clock.advance(seconds=int(blocked.headers["retry-after"]) + 1)
    joined = client.post("/v1/groups/join", json=right, headers=headers)
    assert joined.status_code == 201, joined.text
    assert "idempotent-replayed" not in joined.headers


@contextmanager
def commits_fail(app: FastAPI, monkeypatch: pytest.MonkeyPatch, which: set[int]) -> Iterator[None]:
    """The numbered COMMITs (1 is the first after entering) fail in the driver."""
    engine = app.state.runtime.database.writer
    dialect, seen = engine.dialect, [0]
    real_commit = dialect.do_commit

    def commit(dbapi_connection: Any) -> None:
        seen[0] += 1
        if seen[0] in which:
            if dialect.name != "sqlite":
                dbapi_connection.rollback()
            raise dialect.loaded_dbapi.OperationalError("injected: COMMIT failed")
        real_commit(dbapi_connection)

    with monkeypatch.context() as patch:
        patch.setattr(dialect, "do_commit", commit)
        yield


def test_a_503_is_never_kept_the_retry_creates_the_object_once(
    client: TestClient, admin: dict[str, str], app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    facilitator = make_facilitator(client, admin)
    with commits_fail(app, monkeypatch, {2}):  # 1 reserves the key, 2 creates the group
        failed = post_group(client, facilitator, "flaky-1", {"name": "Flaky"})
    assert failed.status_code == 503
    assert my_groups(client, facilitator) == []
    retry = post_group(client, facilitator, "flaky-1", {"name": "Flaky"})
    assert retry.status_code == 201, retry.text
    assert "idempotent-replayed" not in retry.headers
    assert [group["name"] for group in my_groups(client, facilitator)] == ["Flaky"]


def test_a_key_left_by_a_request_that_died_before_committing_is_taken_over_later(
    client: TestClient,
    admin: dict[str, str],
    app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
    clock: FakeClock,
) -> None:
    """The group's commit fails, and so does clearing the key: the record stays `started`.
    Retries get 409 while the first request could still be running, then run again."""
    facilitator = make_facilitator(client, admin)
    with commits_fail(app, monkeypatch, {2, 3}):
        assert post_group(client, facilitator, "died-1", {"name": "Late"}).status_code == 503
    assert post_group(client, facilitator, "died-1", {"name": "Late"}).status_code == 409
    clock.advance(minutes=6)
    retry = post_group(client, facilitator, "died-1", {"name": "Late"})
    assert retry.status_code == 201, retry.text
    assert post_group(client, facilitator, "died-1", {"name": "Late"}).json() == retry.json()
    assert [group["name"] for group in my_groups(client, facilitator)] == ["Late"]
