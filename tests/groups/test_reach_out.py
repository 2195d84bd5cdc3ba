"""A member asks a facilitator of their group to reach out: only when the member asks, seen only
by that group's facilitators, every look in the member's access log, the message sealed
(SECURITY 57 to 61)."""

import logging
import uuid
from typing import Any, get_args

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.groups.schemas import AccessKind
from app.models import ACCESS_KINDS
from tests.conftest import BACKEND, FakeClock
from tests.factories import (
    PASSWORD,
    assert_absent_from_sqlite_files,
    auth,
    database_dump,
    register,
    rows_referencing,
    without_request_id,
)
from tests.groups.conftest import TODAY, join, make_facilitator, make_group

MISSING = "00000000-0000-4000-8000-000000000000"


def canary() -> str:
    return f"please call me {uuid.uuid4().hex}"


def ask(
    client: TestClient,
    group: dict[str, Any],
    member: dict[str, Any],
    body: Any = None,
    key: str | None = None,
) -> Any:
    headers = {**member["headers"], **({"Idempotency-Key": key} if key else {})}
    path = f"/v1/groups/{group['id']}/reach-out"
    if body is None:
        return client.post(path, headers=headers)
    return client.post(path, json=body, headers=headers)


def asked(client: TestClient, group: dict[str, Any], member: dict[str, Any], **body: Any) -> Any:
    response = ask(client, group, member, body)
    assert response.status_code == 201, response.text
    return response.json()


def open_list(client: TestClient, group: dict[str, Any], facilitator: dict[str, Any]) -> Any:
    response = client.get(f"/v1/groups/{group['id']}/reach-out", headers=facilitator["headers"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


def my_requests(client: TestClient, member: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get("/v1/me/reach-out", headers=member["headers"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def access_log(client: TestClient, member: dict[str, Any]) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = client.get(
        "/v1/me/access-log", headers=member["headers"]
    ).json()
    return entries


def withdraw(client: TestClient, member: dict[str, Any], request_id: str) -> Any:
    return client.post(f"/v1/me/reach-out/{request_id}/withdraw", headers=member["headers"])


def answer(
    client: TestClient, group: dict[str, Any], facilitator: dict[str, Any], request_id: str
) -> Any:
    return client.post(
        f"/v1/groups/{group['id']}/reach-out/{request_id}/answered",
        headers=facilitator["headers"],
    )


def stored_messages(app: FastAPI) -> list[bytes | None]:
    with app.state.runtime.database.reader.connect() as connection:
        rows = connection.execute(text("SELECT message_sealed FROM reach_out_request")).all()
    return [None if row[0] is None else bytes(row[0]) for row in rows]


# --- asking -----------------------------------------------------------------------------------


def test_a_member_asks_and_the_facilitator_sees_their_handle_and_message(
    client: TestClient, circle: dict[str, Any]
) -> None:
    group, member, facilitator = circle["group"], circle["private"], circle["facilitator"]
    message = canary()
    response = ask(client, group, member, {"message": message})
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    made = response.json()
    assert made == {
        "id": made["id"],
        "group_id": group["id"],
        "group_name": group["name"],
        "status": "open",
        "message": message,
        "created_at": made["created_at"],
        "answered_at": None,
        "withdrawn_at": None,
    }
    assert made["created_at"].startswith(TODAY.isoformat())
    # The member hides their handle from other members; they asked to be reached, so the
    # facilitator sees it here.
    assert member["membership"]["show_handle"] is False
    assert open_list(client, group, facilitator) == [
        {
            "id": made["id"],
            "handle": member["account"]["handle"],
            "message": message,
            "created_at": made["created_at"],
        }
    ]
    assert my_requests(client, member) == [made]


@pytest.mark.parametrize("body", [None, {}, {"message": None}])
def test_a_message_is_optional(client: TestClient, circle: dict[str, Any], body: Any) -> None:
    response = ask(client, circle["group"], circle["private"], body)
    assert response.status_code == 201, response.text
    assert (response.json()["status"], response.json()["message"]) == ("open", None)
    [shown] = open_list(client, circle["group"], circle["facilitator"])
    assert (shown["id"], shown["message"]) == (response.json()["id"], None)


def test_asking_again_answers_the_open_request_unchanged(
    client: TestClient, circle: dict[str, Any]
) -> None:
    group, member = circle["group"], circle["private"]
    first = asked(client, group, member, message="first words")
    again = ask(client, group, member, {"message": "other words"})
    assert again.status_code == 200
    assert again.json() == first
    assert [item["id"] for item in open_list(client, group, circle["facilitator"])] == [first["id"]]
    assert len(my_requests(client, member)) == 1


def test_a_retry_with_the_same_key_makes_one_request(
    client: TestClient, app: FastAPI, circle: dict[str, Any]
) -> None:
    group, member = circle["group"], circle["private"]
    key = str(uuid.uuid4())
    first = ask(client, group, member, {"message": "are you there"}, key=key)
    again = ask(client, group, member, {"message": "are you there"}, key=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(my_requests(client, member)) == 1
    assert len(stored_messages(app)) == 1
    # The same key with another request is refused, and makes nothing either.
    reused = ask(client, group, member, {"message": "something else"}, key=key)
    assert reused.status_code == 422
    assert reused.json()["type"] == "/problems/idempotency-key-reused"
    assert len(stored_messages(app)) == 1


def test_someone_outside_the_group_gets_the_404_of_a_missing_group(
    client: TestClient, app: FastAPI, admin: dict[str, str], circle: dict[str, Any]
) -> None:
    """Asking reveals neither that the group exists nor who is in it: an outsider, a facilitator
    of another group and an admin all get the answer of an id that exists nowhere."""
    other_facilitator = make_facilitator(client, admin)
    make_group(client, other_facilitator, "Another circle")
    outsider = register(client)
    outsider["headers"] = auth(outsider)
    for who in (outsider, other_facilitator, {"headers": admin}):
        real = ask(client, circle["group"], who, {"message": "hello"})
        missing = ask(client, {"id": MISSING}, who, {"message": "hello"})
        assert real.status_code == missing.status_code == 404
        assert without_request_id(real.json()) == without_request_id(missing.json())
    assert stored_messages(app) == []
    assert open_list(client, circle["group"], circle["facilitator"]) == []


def test_a_group_with_nobody_to_ask_says_so_kindly(
    client: TestClient, app: FastAPI, admin: dict[str, str], circle: dict[str, Any]
) -> None:
    group, member, facilitator = circle["group"], circle["private"], circle["facilitator"]
    # A facilitator may ask too, but not themselves: the group has no other facilitator.
    alone = ask(client, group, facilitator, {"message": "me too"})
    assert alone.status_code == 409
    assert alone.json()["type"] == "/problems/no-facilitator"
    archived = client.patch(
        f"/v1/groups/{group['id']}", json={"archived": True}, headers=facilitator["headers"]
    )
    assert archived.status_code == 200
    paused = ask(client, group, member, {"message": "hello"})
    assert paused.status_code == 409
    assert paused.json()["type"] == "/problems/group-archived"
    client.patch(
        f"/v1/groups/{group['id']}", json={"archived": False}, headers=facilitator["headers"]
    )
    demoted = client.put(
        "/v1/admin/roles",
        json={"handle": facilitator["account"]["handle"], "role": "member"},
        headers=admin,
    )
    assert demoted.status_code == 200
    nobody = ask(client, group, member, {"message": "hello"})
    assert nobody.status_code == 409
    assert nobody.headers["content-type"] == "application/problem+json"
    assert nobody.json()["type"] == "/problems/no-facilitator"
    assert "crisis line" in nobody.json()["detail"]
    assert stored_messages(app) == []
    assert my_requests(client, member) == []


def test_at_most_three_requests_are_open_at_once(client: TestClient, admin: dict[str, str]) -> None:
    facilitator = make_facilitator(client, admin)
    groups = [make_group(client, facilitator, f"Circle {number}") for number in range(4)]
    member = join(client, groups[0])
    for group in groups[1:]:
        joined = client.post(
            "/v1/groups/join",
            json={"invite_code": group["invite_code"]},
            headers=member["headers"],
        )
        assert joined.status_code == 201
    made = [asked(client, group, member) for group in groups[:3]]
    refused = ask(client, groups[3], member, {"message": "one more"})
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/too-many-open-requests"
    assert open_list(client, groups[3], facilitator) == []
    assert withdraw(client, member, made[0]["id"]).status_code == 200
    assert ask(client, groups[3], member, {"message": "one more"}).status_code == 201


def test_a_script_asking_over_and_over_is_slowed_down(
    client: TestClient, circle: dict[str, Any], clock: FakeClock
) -> None:
    group, member = circle["group"], circle["private"]
    for _ in range(5):
        made = asked(client, group, member)
        assert withdraw(client, member, made["id"]).status_code == 200
    throttled = ask(client, group, member)
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) == 60
    assert throttled.headers["content-type"] == "application/problem+json"
    assert open_list(client, group, circle["facilitator"]) == []
    clock.advance(seconds=61)
    assert ask(client, group, member).status_code == 201


# --- nothing without the member ---------------------------------------------------------------


def test_nothing_reaches_a_facilitator_without_the_members_request(
    client: TestClient, app: FastAPI, circle: dict[str, Any]
) -> None:
    """The hardest check-in there is, from a member who shares their progress: it shows the
    member a support block, and makes no request, tells no facilitator and logs nothing."""
    member, facilitator, group = circle["sharing"], circle["facilitator"], circle["group"]
    response = client.put(
        f"/v1/checkins/{TODAY.isoformat()}",
        json={"lapses": {"recovery": "heavy"}, "safe": False, "craving": 10, "note": canary()},
        headers=member["headers"],
    )
    assert response.status_code == 201, response.text
    assert response.json()["support"] is not None
    assert open_list(client, group, facilitator) == []
    assert stored_messages(app) == []
    assert my_requests(client, member) == []
    assert access_log(client, member) == []


# --- the access log ---------------------------------------------------------------------------


def test_the_request_and_each_reading_of_it_are_in_the_members_access_log(
    client: TestClient, circle: dict[str, Any]
) -> None:
    group, member, facilitator = circle["group"], circle["private"], circle["facilitator"]
    # A read with nothing open reads nobody's request.
    assert open_list(client, group, facilitator) == []
    asked(client, group, member, message=canary())
    for _ in range(2):
        assert len(open_list(client, group, facilitator)) == 1
    log = access_log(client, member)
    handle = facilitator["account"]["handle"]
    assert [(entry["what"], entry["facilitator_handle"]) for entry in log] == [
        ("reach_out_read", handle),
        ("reach_out_read", handle),
        ("reach_out_request", None),
    ]
    for entry in log:
        assert (entry["group_id"], entry["group_name"]) == (group["id"], group["name"])
    # The other members' logs stay empty: reading one request reads nobody else's.
    assert access_log(client, circle["sharing"]) == []


def test_the_api_and_the_table_know_the_same_kinds_of_entry() -> None:
    assert get_args(AccessKind) == ACCESS_KINDS


def test_progress_reads_say_what_they_were(client: TestClient, circle: dict[str, Any]) -> None:
    sharing = circle["sharing"]
    path = (
        f"/v1/groups/{circle['group']['id']}/members/"
        f"{sharing['membership']['membership_id']}/progress"
    )
    assert client.get(path, headers=circle["facilitator"]["headers"]).status_code == 200
    assert [entry["what"] for entry in access_log(client, sharing)] == ["progress"]


# --- withdrawing and answering ----------------------------------------------------------------


def test_a_withdrawn_request_leaves_the_facilitators_list_and_its_message_goes(
    client: TestClient, app: FastAPI, circle: dict[str, Any]
) -> None:
    group, member, facilitator = circle["group"], circle["private"], circle["facilitator"]
    made = asked(client, group, member, message=canary())
    assert len(open_list(client, group, facilitator)) == 1
    response = withdraw(client, member, made["id"])
    assert response.status_code == 200
    withdrawn = response.json()
    assert (withdrawn["id"], withdrawn["status"], withdrawn["message"]) == (
        made["id"],
        "withdrawn",
        None,
    )
    assert withdrawn["withdrawn_at"] is not None
    assert open_list(client, group, facilitator) == []
    assert answer(client, group, facilitator, made["id"]).status_code == 404
    assert stored_messages(app) == [None]
    # The member keeps the record; withdrawing again changes nothing.
    again = withdraw(client, member, made["id"])
    assert (again.status_code, again.json()) == (200, withdrawn)
    assert my_requests(client, member) == [withdrawn]
    # And they can ask again.
    assert ask(client, group, member).status_code == 201


def test_a_facilitator_marks_a_request_answered_once(
    client: TestClient, circle: dict[str, Any]
) -> None:
    group, member, facilitator = circle["group"], circle["private"], circle["facilitator"]
    message = canary()
    made = asked(client, group, member, message=message)
    first = answer(client, group, facilitator, made["id"])
    assert first.status_code == 204
    assert first.content == b""
    assert answer(client, group, facilitator, made["id"]).status_code == 204
    assert open_list(client, group, facilitator) == []
    [mine] = my_requests(client, member)
    assert (mine["status"], mine["message"]) == ("answered", message)
    assert mine["answered_at"] is not None
    answered = [entry for entry in access_log(client, member) if entry["what"] != "progress"]
    assert [(entry["what"], entry["facilitator_handle"]) for entry in answered] == [
        ("reach_out_answered", facilitator["account"]["handle"]),
        ("reach_out_request", None),
    ]
    # Answered, it is no longer open: the member may ask again.
    assert ask(client, group, member).status_code == 201
    # Withdrawing an answered request erases its message too.
    assert withdraw(client, member, made["id"]).json()["message"] is None


# --- attacks ----------------------------------------------------------------------------------


def test_a_facilitator_of_another_group_can_neither_see_nor_answer(
    client: TestClient, admin: dict[str, str], circle: dict[str, Any]
) -> None:
    group, member = circle["group"], circle["private"]
    other_facilitator = make_facilitator(client, admin)
    other_group = make_group(client, other_facilitator, "Another circle")
    message = canary()
    made = asked(client, group, member, message=message)
    seen = client.get(f"/v1/groups/{group['id']}/reach-out", headers=other_facilitator["headers"])
    assert seen.status_code == 404
    assert message not in seen.text
    # Through their own group, the request is not there either.
    assert open_list(client, other_group, other_facilitator) == []
    for path_group in (group, other_group):
        refused = answer(client, path_group, other_facilitator, made["id"])
        assert refused.status_code == 404
        assert message not in refused.text
    # An admin is no facilitator of the group; a fellow member has no facilitator's role.
    as_admin = client.get(f"/v1/groups/{group['id']}/reach-out", headers=admin)
    assert as_admin.status_code == 404
    fellow = circle["sharing"]
    as_member = client.get(f"/v1/groups/{group['id']}/reach-out", headers=fellow["headers"])
    assert as_member.status_code == 403
    assert answer(client, group, fellow, made["id"]).status_code == 403
    for response in (as_admin, as_member):
        assert message not in response.text
    [mine] = my_requests(client, member)
    assert mine["status"] == "open"
    assert [entry["what"] for entry in access_log(client, member)] == ["reach_out_request"]


def test_a_member_can_neither_read_nor_withdraw_another_members_request(
    client: TestClient, circle: dict[str, Any]
) -> None:
    group, member, fellow = circle["group"], circle["private"], circle["sharing"]
    message = canary()
    made = asked(client, group, member, message=message)
    listed = client.get("/v1/me/reach-out", headers=fellow["headers"])
    assert listed.json()["items"] == []
    assert message not in listed.text
    theirs = withdraw(client, fellow, made["id"])
    nobodys = withdraw(client, fellow, MISSING)
    assert theirs.status_code == nobodys.status_code == 404
    assert without_request_id(theirs.json()) == without_request_id(nobodys.json())
    assert [item["id"] for item in open_list(client, group, circle["facilitator"])] == [made["id"]]


def test_the_message_is_stored_only_sealed(
    client: TestClient, app: FastAPI, circle: dict[str, Any]
) -> None:
    message = canary()
    key = str(uuid.uuid4())  # the kept answer of a retried request is sealed too
    made = ask(client, circle["group"], circle["private"], {"message": message}, key=key)
    assert made.status_code == 201
    [sealed] = stored_messages(app)
    assert sealed is not None
    assert message.encode() not in sealed
    assert message not in database_dump(app)


def test_the_message_never_reaches_the_logs(
    client: TestClient, circle: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    group, member, facilitator = circle["group"], circle["private"], circle["facilitator"]
    message = canary()
    made = asked(client, group, member, message=message)
    open_list(client, group, facilitator)
    answer(client, group, facilitator, made["id"])
    my_requests(client, member)
    withdraw(client, member, made["id"])
    logged = caplog.text + "\n".join(str(vars(record)) for record in caplog.records)
    server = [record for record in caplog.records if not record.name.startswith("httpx")]
    assert server
    for secret in (message, member["account"]["handle"], member["token"]["access_token"]):
        assert secret not in logged


# --- leaving, removal, a new facilitator ------------------------------------------------------


def test_leaving_or_being_removed_withdraws_the_open_request(
    client: TestClient, app: FastAPI, circle: dict[str, Any]
) -> None:
    group, facilitator = circle["group"], circle["facilitator"]
    leaving, removed = circle["private"], circle["sharing"]
    asked(client, group, leaving, message=canary())
    asked(client, group, removed, message=canary())
    assert len(open_list(client, group, facilitator)) == 2
    left = client.delete(f"/v1/groups/{group['id']}/membership", headers=leaving["headers"])
    assert left.status_code == 204
    removal = client.delete(
        f"/v1/groups/{group['id']}/members/{removed['membership']['membership_id']}",
        headers=facilitator["headers"],
    )
    assert removal.status_code == 204
    assert open_list(client, group, facilitator) == []
    for member in (leaving, removed):
        [mine] = my_requests(client, member)
        assert (mine["status"], mine["message"]) == ("withdrawn", None)
    assert stored_messages(app) == [None, None]
    # Coming back does not bring an old request back.
    back = client.post(
        "/v1/groups/join", json={"invite_code": group["invite_code"]}, headers=leaving["headers"]
    )
    assert back.status_code == 201
    assert open_list(client, group, facilitator) == []


def test_a_member_made_facilitator_no_longer_waits_in_the_list(
    client: TestClient, admin: dict[str, str], circle: dict[str, Any]
) -> None:
    group, facilitator, member = circle["group"], circle["facilitator"], circle["private"]
    asked(client, group, member)
    for handle, role in (
        (facilitator["account"]["handle"], "member"),
        (member["account"]["handle"], "facilitator"),
    ):
        changed = client.put(
            "/v1/admin/roles", json={"handle": handle, "role": role}, headers=admin
        )
        assert changed.status_code == 200
    given = client.post(
        f"/v1/admin/groups/{group['id']}/facilitators",
        json={"handle": member["account"]["handle"]},
        headers=admin,
    )
    assert given.status_code == 200
    [mine] = my_requests(client, member)
    assert mine["status"] == "withdrawn"


# --- account data -----------------------------------------------------------------------------


def test_export_holds_my_requests_and_deletion_leaves_nothing(
    client: TestClient, app: FastAPI, settings: Any, circle: dict[str, Any]
) -> None:
    group, member, facilitator = circle["group"], circle["private"], circle["facilitator"]
    message = canary()
    made = asked(client, group, member, message=message)
    open_list(client, group, facilitator)
    parts = client.get("/v1/me/export", headers=member["headers"]).json()["parts"]
    assert parts["reach_out"] == [made]
    assert [entry["what"] for entry in parts["access_log"]] == [
        "reach_out_read",
        "reach_out_request",
    ]
    # Nobody else's export holds it.
    for other in (facilitator, circle["sharing"]):
        theirs = client.get("/v1/me/export", headers=other["headers"])
        assert theirs.json()["parts"]["reach_out"] == []
        assert message not in theirs.text
    deleted = client.post("/v1/me/delete", json={"password": PASSWORD}, headers=member["headers"])
    assert deleted.status_code == 204
    assert rows_referencing(app, member["account"]["id"]) == []
    assert stored_messages(app) == []
    assert open_list(client, group, facilitator) == []
    if BACKEND == "sqlite":
        assert_absent_from_sqlite_files(settings.effective_database_url, [message])


def test_a_deleted_facilitator_is_no_longer_named_on_what_they_answered(
    client: TestClient, app: FastAPI, admin: dict[str, str], circle: dict[str, Any]
) -> None:
    group, member, facilitator = circle["group"], circle["private"], circle["facilitator"]
    made = asked(client, group, member)
    assert answer(client, group, facilitator, made["id"]).status_code == 204
    deleted = client.post(
        "/v1/me/delete", json={"password": PASSWORD}, headers=facilitator["headers"]
    )
    assert deleted.status_code == 204
    assert rows_referencing(app, facilitator["account"]["id"]) == []
    [mine] = my_requests(client, member)
    assert mine["status"] == "answered"
    answered = next(e for e in access_log(client, member) if e["what"] == "reach_out_answered")
    assert answered["facilitator_handle"] is None


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"message": ""},
        {"message": "x" * 501},
        {"message": 5},
        {"message": ["help"]},
        {"message": "help", "urgent": True},
        {"colour": "red"},
        [],
        "help",
    ],
)
def test_a_bad_body_is_a_422_and_makes_nothing(
    client: TestClient, app: FastAPI, circle: dict[str, Any], body: Any
) -> None:
    response = ask(client, circle["group"], circle["private"], body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert stored_messages(app) == []
    assert access_log(client, circle["private"]) == []


def test_limits_and_unknown_ids(client: TestClient, circle: dict[str, Any]) -> None:
    group, member, facilitator = circle["group"], circle["private"], circle["facilitator"]
    longest = "é" * 500  # 500 characters, however many bytes
    assert asked(client, group, member, message=longest)["message"] == longest
    malformed = client.post(
        f"/v1/groups/{group['id']}/reach-out",
        content="{not json",
        headers={**member["headers"], "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    assert withdraw(client, member, MISSING).status_code == 404
    assert answer(client, group, facilitator, MISSING).status_code == 404
    assert ask(client, {"id": MISSING}, member).status_code == 404
    bad_cursor = client.get("/v1/me/reach-out?cursor=nonsense", headers=member["headers"])
    assert bad_cursor.status_code == 422


def test_my_list_pages_newest_first(client: TestClient, circle: dict[str, Any]) -> None:
    group, member = circle["group"], circle["private"]
    made = []
    for _ in range(3):
        made.append(asked(client, group, member))
        withdraw(client, member, made[-1]["id"])
    first = client.get("/v1/me/reach-out?limit=2", headers=member["headers"]).json()
    assert [item["id"] for item in first["items"]] == [made[2]["id"], made[1]["id"]]
    rest = client.get(
        "/v1/me/reach-out",
        params={"limit": 2, "cursor": first["next_cursor"]},
        headers=member["headers"],
    ).json()
    assert ([item["id"] for item in rest["items"]], rest["next_cursor"]) == ([made[0]["id"]], None)
