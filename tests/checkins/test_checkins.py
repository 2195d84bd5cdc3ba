"""Check-ins through the API (contract §3; SECURITY 26, 30, 32)."""

import threading
import uuid
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import FakeClock
from tests.factories import auth, register, without_request_id

TODAY = "2026-11-23"  # the fake clock's date, 12:00 UTC


def put(client: TestClient, member: dict, day: str = TODAY, headers: dict | None = None, **body):  # type: ignore[no-untyped-def, type-arg]
    return client.put(f"/v1/checkins/{day}", json=body, headers={**auth(member), **(headers or {})})


def row_count(app: FastAPI, member: dict) -> int:  # type: ignore[type-arg]
    engine = app.state.runtime.database.reader
    account = uuid.UUID(member["account"]["id"])
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM checkin WHERE account_id = :a"),
                {"a": account.hex if engine.dialect.name == "sqlite" else account},
            ).scalar_one()
        )


def test_put_creates_then_replaces_one_row(client: TestClient, app: FastAPI) -> None:
    member = register(client)
    first = put(client, member, mood=3, craving=2, lapses={"recovery": "none"}, note="first")
    assert first.status_code == 201
    assert first.headers["location"] == f"/v1/checkins/{TODAY}"
    assert first.headers["cache-control"] == "no-store"
    body = first.json()
    assert body["date"] == TODAY
    assert body["mood"] == 3
    assert body["note"] == "first"
    assert body["support"] is None
    assert body["triggers"] == []
    assert body["needs"] == []

    second = put(client, member, mood=4)
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    assert second.json()["mood"] == 4
    assert second.json()["note"] is None  # PUT replaces the whole day
    assert second.json()["lapses"] == {}
    assert row_count(app, member) == 1


def test_same_put_twice_is_safe_to_retry(client: TestClient, app: FastAPI) -> None:
    member = register(client)
    assert put(client, member, mood=2).status_code == 201
    again = put(client, member, mood=2)
    assert again.status_code == 200
    assert again.json()["mood"] == 2
    assert row_count(app, member) == 1


def test_twenty_concurrent_identical_puts_make_one_row(client: TestClient, app: FastAPI) -> None:
    member = register(client)
    statuses: list[int] = []
    lock = threading.Lock()
    gate = threading.Barrier(20)

    def write() -> None:
        gate.wait()
        response = put(client, member, mood=3, lapses={"recovery": "none"})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=write) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 19 + [201]
    assert row_count(app, member) == 1


def test_concurrent_puts_of_different_days_all_reach_the_progress_summary(
    client: TestClient,
) -> None:
    """Two devices syncing at once: each write extends the member's summary, and none may be
    folded into a summary that another write has already replaced."""
    member = register(client)
    days = [(date(2026, 11, 23) - timedelta(days=offset)).isoformat() for offset in range(12)]
    gate = threading.Barrier(len(days))
    statuses: list[int] = []
    lock = threading.Lock()

    def write(day: str) -> None:
        gate.wait()
        response = put(client, member, day, lapses={"recovery": "none"})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=write, args=(day,)) for day in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * len(days)
    journey = client.get("/v1/progress", headers=auth(member)).json()
    assert (journey["checkin_days_total"], journey["days_on_track_total"]) == (12, 12)
    assert journey["first_checkin"] == days[-1]


def test_get_returns_the_day_with_its_etag_and_honours_if_none_match(client: TestClient) -> None:
    member = register(client)
    etag = put(client, member, mood=5).headers["etag"]
    response = client.get(f"/v1/checkins/{TODAY}", headers=auth(member))
    assert response.status_code == 200
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["mood"] == 5
    assert "support" not in response.json()
    cached = client.get(f"/v1/checkins/{TODAY}", headers={**auth(member), "If-None-Match": etag})
    assert cached.status_code == 304


def test_delete_then_missing(client: TestClient) -> None:
    member = register(client)
    put(client, member, mood=3)
    assert client.delete(f"/v1/checkins/{TODAY}", headers=auth(member)).status_code == 204
    missing = client.get(f"/v1/checkins/{TODAY}", headers=auth(member))
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.delete(f"/v1/checkins/{TODAY}", headers=auth(member)).status_code == 404


def test_stale_if_match_is_refused_and_writes_nothing(client: TestClient) -> None:
    member = register(client)
    old = put(client, member, mood=1).headers["etag"]
    current = put(client, member, mood=2).headers["etag"]
    stale = put(client, member, headers={"If-Match": old}, mood=5)
    assert stale.status_code == 412
    assert stale.headers["etag"] == current
    assert client.get(f"/v1/checkins/{TODAY}", headers=auth(member)).json()["mood"] == 2
    fresh = put(client, member, headers={"If-Match": current}, mood=5)
    assert fresh.status_code == 200


def test_if_none_match_star_creates_only(client: TestClient) -> None:
    member = register(client)
    assert put(client, member, headers={"If-None-Match": "*"}, mood=3).status_code == 201
    again = put(client, member, headers={"If-None-Match": "*"}, mood=4)
    assert again.status_code == 412
    assert client.get(f"/v1/checkins/{TODAY}", headers=auth(member)).json()["mood"] == 3


def test_a_replayed_write_does_not_bring_back_a_deleted_day(client: TestClient) -> None:
    member = register(client)
    etag = put(client, member, mood=3).headers["etag"]
    assert client.delete(f"/v1/checkins/{TODAY}", headers=auth(member)).status_code == 204
    replay = put(client, member, headers={"If-Match": etag}, mood=3)
    assert replay.status_code == 412
    assert client.get(f"/v1/checkins/{TODAY}", headers=auth(member)).status_code == 404


def test_delete_with_a_stale_if_match_keeps_the_day(client: TestClient) -> None:
    member = register(client)
    old = put(client, member, mood=1).headers["etag"]
    put(client, member, mood=2)
    response = client.delete(f"/v1/checkins/{TODAY}", headers={**auth(member), "If-Match": old})
    assert response.status_code == 412
    assert client.get(f"/v1/checkins/{TODAY}", headers=auth(member)).status_code == 200


def test_member_in_utc_plus_14_can_check_in_for_their_today(client: TestClient) -> None:
    # 12:00 UTC on 23 November is 02:00 on 24 November in Kiritimati.
    east = register(client, timezone="Pacific/Kiritimati")
    west = register(client, timezone="Pacific/Pago_Pago")  # 01:00 on 23 November
    utc = register(client)
    assert put(client, east, day="2026-11-24", mood=3).status_code == 201
    assert put(client, utc, day="2026-11-24", mood=3).status_code == 422
    assert put(client, west, day="2026-11-24", mood=3).status_code == 422
    assert put(client, west, day="2026-11-23", mood=3).status_code == 201


def test_the_date_line_moves_with_the_clock(client: TestClient, clock: FakeClock) -> None:
    west = register(client, timezone="Pacific/Pago_Pago")
    clock.advance(hours=-11, minutes=-30)  # 00:30 UTC on 23 November: still the 22nd in Pago Pago
    assert put(client, west, day="2026-11-23", mood=3).status_code == 422
    assert put(client, west, day="2026-11-22", mood=3).status_code == 201


def test_at_most_366_days_back(client: TestClient) -> None:
    member = register(client)
    today = date.fromisoformat(TODAY)
    oldest = (today - timedelta(days=366)).isoformat()
    too_old = (today - timedelta(days=367)).isoformat()
    assert put(client, member, day=oldest, mood=3).status_code == 201
    response = put(client, member, day=too_old, mood=3)
    assert response.status_code == 422
    assert "366" in response.json()["errors"][0]["msg"]


@pytest.mark.parametrize(
    "day",
    [
        "2026-11-24",
        "2024-02-30",
        "2026-13-01",
        "2026-1-05",
        "yesterday",
        "20261101",
        "0000-01-01",
        "2026-W48-1",  # an ISO week date, which fromisoformat would take
    ],
)
def test_bad_dates_get_422_and_write_nothing(client: TestClient, app: FastAPI, day: str) -> None:
    member = register(client)
    response = put(client, member, day=day, mood=3)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert row_count(app, member) == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"mood": None},
        {"mood": 0},
        {"mood": 6},
        {"mood": "3"},
        {"mood": 3.5},
        {"craving": -1},
        {"craving": 11},
        {"difficulty": 0},
        {"safe": "yes"},
        {"lapses": {"recovery": "lots"}},
        {"lapses": {"substances": "none"}},
        {"lapses": ["recovery"]},
        {"needs": ["spaceship"]},
        {"needs": "shelter"},
        {"triggers": ["x"] * 11},
        {"triggers": ["x" * 41]},
        {"triggers": [""]},
        {"note": "x" * 4001},
        {"note": ""},
        {"mood": 3, "colour": "blue"},
    ],
)
def test_bad_bodies_get_422_and_write_nothing(client: TestClient, app: FastAPI, body: dict) -> None:  # type: ignore[type-arg]
    member = register(client)
    response = client.put(f"/v1/checkins/{TODAY}", json=body, headers=auth(member))
    assert response.status_code == 422, body
    assert response.headers["content-type"] == "application/problem+json"
    assert row_count(app, member) == 0


def test_limits_are_inclusive(client: TestClient) -> None:
    member = register(client)
    response = put(client, member, note="x" * 4000, triggers=[f"t{i}" for i in range(10)])
    assert response.status_code == 201
    assert len(response.json()["note"]) == 4000
    assert len(response.json()["triggers"]) == 10


def test_another_members_day_looks_exactly_like_a_missing_one(client: TestClient) -> None:
    alice, bob = register(client), register(client)
    put(client, alice, mood=3, note="alice's private words")
    foreign = client.get(f"/v1/checkins/{TODAY}", headers=auth(bob))
    missing = client.get("/v1/checkins/2026-11-01", headers=auth(bob))
    assert foreign.status_code == missing.status_code == 404
    assert without_request_id(foreign.json()) == without_request_id(missing.json())
    assert client.delete(f"/v1/checkins/{TODAY}", headers=auth(bob)).status_code == 404
    assert "alice" not in client.get("/v1/checkins", headers=auth(bob)).text
    assert client.get(f"/v1/checkins/{TODAY}", headers=auth(alice)).status_code == 200


def test_list_is_newest_first_with_range_and_cursor(client: TestClient) -> None:
    member = register(client)
    days = [f"2026-11-{n:02d}" for n in range(10, 21)]
    for day in days:
        put(client, member, day=day, mood=3)
    listed, cursor = [], None
    while True:
        params = {"from": "2026-11-12", "to": "2026-11-19", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/v1/checkins", params=params, headers=auth(member)).json()
        listed += [item["date"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert listed == [f"2026-11-{n:02d}" for n in range(19, 11, -1)]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-11-20", "to": "2026-11-10"},
        {"from": "2024-02-30"},
        {"to": "0.0"},  # a number would otherwise be read as seconds since 1970
        {"from": "20261120"},
        {"limit": 101},
        {"cursor": "x"},
    ],
)
def test_bad_list_parameters_get_422(client: TestClient, params: dict) -> None:  # type: ignore[type-arg]
    member = register(client)
    assert client.get("/v1/checkins", params=params, headers=auth(member)).status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"safe": False},
        {"lapses": {"recovery": "heavy"}},
        {"craving": 8},
        {"craving": 10, "safe": True},
    ],
)
def test_support_comes_when_someone_may_need_help(client: TestClient, body: dict) -> None:  # type: ignore[type-arg]
    member = register(client)
    support = put(client, member, **body).json()["support"]
    assert support is not None
    assert len(support["crisis_lines"]) == 5
    line = support["crisis_lines"][0]
    assert {"name", "phone", "hours", "source_url", "verified_on"} <= set(line)
    assert "nothing is sent to anyone" in support["message"]


@pytest.mark.parametrize("body", [{"safe": True}, {"craving": 7}, {"lapses": {"recovery": "some"}}])
def test_no_support_block_otherwise(client: TestClient, body: dict) -> None:  # type: ignore[type-arg]
    assert put(client, register(client), **body).json()["support"] is None


def test_support_matches_needs(client: TestClient) -> None:
    member = register(client)
    support = put(client, member, safe=False, needs=["shelter", "immigration", "shelter"]).json()
    assert support["needs"] == ["shelter", "immigration"]
    block = support["support"]
    assert "911" in block["message"]
    # Danger first (emergency, then the trafficking hotline), then the lines for what they need.
    assert [line["categories"][-1] for line in block["crisis_lines"][:3]] == [
        "emergency",
        "trafficking-services",
        "shelter",
    ]
    assert [r["category"] for r in block["resources"]] == ["shelter", "immigration"]
    assert block["resources"][0]["search_url"] == "/v1/resources?category=shelter"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"mood": 3.0, "craving": 0.0}, 201),  # JSON's number one, written 1.0, is an integer
        ({"mood": 3.5}, 422),
        ({"mood": "3"}, 422),
        ({"mood": True}, 422),
        ({"mood": 3e300}, 422),
    ],
)
def test_integers_are_whole_json_numbers(client: TestClient, body: dict, status: int) -> None:  # type: ignore[type-arg]
    member = register(client)
    response = client.put(f"/v1/checkins/{TODAY}", json=body, headers=auth(member))
    assert response.status_code == status, response.text
    if status == 201:
        assert response.json()["mood"] == 3
        assert response.json()["craving"] == 0
