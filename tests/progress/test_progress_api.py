"""GET /v1/progress and /v1/progress/weekly through HTTP (contract §4)."""

from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app import cli
from app.progress import engine
from app.progress.engine import Day
from app.progress.service import progress_out
from tests.conftest import FakeClock
from tests.factories import auth, login, register

TODAY = date(2026, 11, 23)

JOURNEY_KEYS = {
    "as_of", "state", "attempt", "returns", "days_on_track_total", "current_run_days",
    "longest_run_days", "median_days_to_return", "last_days_to_return", "checkin_days_total",
    "checkin_days_30", "first_checkin", "last_checkin", "tracks", "episodes", "milestones",
    "message",
}  # fmt: skip


def check_in(client: TestClient, member: dict, days_ago: int, level: str = "none", **body) -> None:  # type: ignore[no-untyped-def, type-arg]
    day = (TODAY - timedelta(days=days_ago)).isoformat()
    response = client.put(
        f"/v1/checkins/{day}", json={"lapses": {"recovery": level}, **body}, headers=auth(member)
    )
    assert response.status_code in (200, 201), response.text


def progress(client: TestClient, member: dict, **params: object) -> dict:  # type: ignore[type-arg]
    response = client.get("/v1/progress", params=params, headers=auth(member))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()  # type: ignore[no-any-return]


def test_a_new_member(client: TestClient) -> None:
    result = progress(client, register(client))
    assert set(result) == JOURNEY_KEYS
    assert result["state"] == "new"
    assert result["as_of"] == TODAY.isoformat()
    assert result["tracks"][0]["slug"] == "recovery"


def test_a_journey_with_a_lapse_and_a_return(client: TestClient) -> None:
    member = register(client)
    for days_ago in (10, 9, 8, 7):
        check_in(client, member, days_ago)
    check_in(client, member, 6, "heavy", mood=2, craving=9)
    check_in(client, member, 5, "some")
    for days_ago in (3, 2, 1, 0):
        check_in(client, member, days_ago, mood=4)
    result = progress(client, member)
    assert result["state"] == "on_track"
    assert (result["attempt"], result["returns"]) == (2, 1)
    assert result["days_on_track_total"] == 4 + 4
    assert result["current_run_days"] == 4
    assert result["longest_run_days"] == 4
    assert result["last_days_to_return"] == 3
    assert result["median_days_to_return"] == 3.0
    assert result["episodes"] == [
        {
            "start": "2026-11-13",
            "end": "2026-11-16",
            "days": 4,
            "ended_by": "lapse",
            "days_to_return": None,
        },
        {
            "start": "2026-11-20",
            "end": "2026-11-23",
            "days": 4,
            "ended_by": None,
            "days_to_return": 3,
        },
    ]
    track = result["tracks"][0]
    assert (track["free_days_total"], track["lapse_days_total"], track["heavy_days_total"]) == (
        8,
        2,
        1,
    )
    assert track["free_pct_30"] == 80.0
    assert "1st return" in result["message"]
    assert "five to ten times" in result["message"]
    assert {(m["kind"], m["threshold"]) for m in result["milestones"]} == {
        ("days_on_track_total", 1), ("days_on_track_total", 7), ("run", 1),
    }  # fmt: skip


def test_as_of_shows_the_journey_as_it_stood(client: TestClient) -> None:
    member = register(client)
    check_in(client, member, 3)
    check_in(client, member, 1, "some")
    then = progress(client, member, as_of=(TODAY - timedelta(days=2)).isoformat())
    assert then["state"] == "on_track"
    assert then["last_checkin"] == (TODAY - timedelta(days=3)).isoformat()
    assert progress(client, member)["state"] == "lapsed"


def test_away_after_absence_days_and_nothing_lost(client: TestClient, clock: FakeClock) -> None:
    member = register(client)
    for days_ago in range(5):
        check_in(client, member, days_ago)
    clock.advance(days=14)
    # Fourteen idle days also end the session: log in again, as the member would.
    token = login(client, member["account"]["handle"])
    result = progress(client, {"token": {"access_token": token}})
    assert result["state"] == "away"
    assert result["days_on_track_total"] == 5
    assert "still yours" in result["message"]


def test_absence_days_setting_is_used(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    app.state.runtime.settings.absence_days = 3
    member = register(client)
    check_in(client, member, 5)
    check_in(client, member, 1)
    assert progress(client, member)["returns"] == 1


def test_progress_follows_the_members_time_zone(client: TestClient) -> None:
    member = register(client, timezone="Pacific/Kiritimati")  # already 24 November there
    response = client.put(
        "/v1/checkins/2026-11-24", json={"lapses": {"recovery": "none"}}, headers=auth(member)
    )
    assert response.status_code == 201
    result = progress(client, member)
    assert result["as_of"] == "2026-11-24"
    assert result["days_on_track_total"] == 1


@pytest.mark.parametrize(
    "as_of", ["2026-11-24", "2024-02-30", "soon", "2026-1-1", "0001-01-01", "1999-12-31"]
)
@pytest.mark.parametrize("path", ["/v1/progress", "/v1/progress/weekly"])
def test_bad_as_of_gets_422(client: TestClient, path: str, as_of: str) -> None:
    response = client.get(path, params={"as_of": as_of}, headers=auth(register(client)))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "as_of"]


def test_as_of_reaches_back_to_2000(client: TestClient) -> None:
    member = register(client)
    response = client.get(
        "/v1/progress/weekly", params={"as_of": "2000-01-01", "weeks": 104}, headers=auth(member)
    )
    assert response.status_code == 200
    assert len(response.json()) == 104


def test_weekly_series_for_charts(client: TestClient) -> None:
    member = register(client)
    check_in(client, member, 0, mood=4, craving=2)  # Monday 23 November
    check_in(client, member, 1, "some", mood=2, craving=6)  # Sunday
    check_in(client, member, 2, mood=3)
    response = client.get("/v1/progress/weekly", params={"weeks": 2}, headers=auth(member))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == [
        {"week_start": "2026-11-16", "checkin_days": 2, "free_days": 1, "lapse_days": 1, "mean_mood": 2.5, "mean_craving": 6.0},
        {"week_start": "2026-11-23", "checkin_days": 1, "free_days": 1, "lapse_days": 0, "mean_mood": 4.0, "mean_craving": 2.0},
    ]  # fmt: skip
    default = client.get("/v1/progress/weekly", headers=auth(member)).json()
    assert len(default) == 12


@pytest.mark.parametrize("weeks", [0, 105, -1, "many"])
def test_weekly_weeks_must_be_1_to_104(client: TestClient, weeks: object) -> None:
    response = client.get(
        "/v1/progress/weekly", params={"weeks": weeks}, headers=auth(register(client))
    )
    assert response.status_code == 422


def engine_journey(days: dict[date, str], as_of: date = TODAY) -> dict:  # type: ignore[type-arg]
    history = [Day(day, {"recovery": level}) for day, level in days.items()]  # type: ignore[dict-item]
    journey = engine.journey(history, [("recovery", "Recovery")], as_of)
    return progress_out(journey, {"recovery": "other"}).model_dump(mode="json")


def test_a_long_history_read_from_its_summary_matches_the_engine(client: TestClient) -> None:
    """Check-ins older than the 90-day window live on in the member's summary: the journey read
    from it must equal the engine's fold of every day, after appends, a filled-in earlier day, a
    replaced day and a deletion (the last three fold the whole history again)."""
    member = register(client)
    days: dict[date, str] = {}
    for days_ago in range(360, -1, -3):
        level = "heavy" if days_ago % 51 == 0 else "none"
        check_in(client, member, days_ago, level)
        days[TODAY - timedelta(days=days_ago)] = level
    assert progress(client, member) == engine_journey(days)

    check_in(client, member, 301, "some")  # an earlier day, filled in later
    days[TODAY - timedelta(days=301)] = "some"
    check_in(client, member, 300, "heavy")  # a day replaced
    days[TODAY - timedelta(days=300)] = "heavy"
    assert progress(client, member) == engine_journey(days)

    gone = TODAY - timedelta(days=150)
    response = client.delete(f"/v1/checkins/{gone.isoformat()}", headers=auth(member))
    assert response.status_code == 204
    del days[gone]
    assert progress(client, member) == engine_journey(days)
    # Looking back before the last check-in folds the history up to then.
    past = TODAY - timedelta(days=100)
    assert progress(client, member, as_of=past.isoformat()) == engine_journey(
        {day: level for day, level in days.items() if day <= past}, past
    )


TWO = [
    {"slug": "heroin", "label": "Heroin"},
    {"slug": "the-life", "label": "Staying out of the life"},
]


def test_two_tracks_each_keep_their_own_journey_through_the_api(
    client: TestClient, app: FastAPI
) -> None:
    """Per-track figures from the stored summary equal the engine's fold of every day, after
    appends, a filled-in earlier day, a deletion and a rebuild by `waymark migrate`."""
    member = register(client)
    assert client.put("/v1/me/tracks", json=TWO, headers=auth(member)).status_code == 200
    days: dict[date, dict[str, str]] = {}

    def put(days_ago: int, lapses: dict[str, str]) -> None:
        day = TODAY - timedelta(days=days_ago)
        response = client.put(
            f"/v1/checkins/{day.isoformat()}", json={"lapses": lapses}, headers=auth(member)
        )
        assert response.status_code in (200, 201), response.text
        days[day] = lapses

    for days_ago in range(200, 17, -2):
        put(days_ago, {"heroin": "some" if days_ago % 37 == 0 else "none", "the-life": "none"})
    for days_ago in range(17, 0, -1):
        put(days_ago, {"heroin": "none", "the-life": "none"})
    put(0, {"heroin": "none", "the-life": "heavy"})

    def expected() -> dict:  # type: ignore[type-arg]
        history = [Day(day, lapses) for day, lapses in days.items()]  # type: ignore[arg-type]
        labels = [(track["slug"], track["label"]) for track in TWO]
        journey = engine.journey(history, labels, TODAY)
        kinds = {"heroin": "substances", "the-life": "the-life"}
        return progress_out(journey, kinds).model_dump(mode="json")  # type: ignore[arg-type]

    result = progress(client, member)
    assert result == expected()
    heroin, life = result["tracks"]
    assert (heroin["kind"], heroin["state"], heroin["current_run_days"]) == (
        "substances",
        "on_track",
        73,  # free since the lapse 74 days ago
    )
    assert (life["kind"], life["state"], life["current_run_days"]) == ("the-life", "lapsed", 0)
    assert "“Staying out of the life”" in result["message"]
    assert "73 days on track with “Heroin”" in result["message"]

    put(149, {"heroin": "heavy"})  # an earlier day, filled in later
    response = client.delete(
        f"/v1/checkins/{(TODAY - timedelta(days=100)).isoformat()}", headers=auth(member)
    )
    assert response.status_code == 204
    del days[TODAY - timedelta(days=100)]
    assert progress(client, member) == expected()

    # Summaries folded by older rules are rebuilt, per track too.
    with app.state.runtime.database.writer.begin() as connection:
        connection.execute(text("UPDATE progress_summary SET fold_version = 1, tracks = '{}'"))
    assert cli.main(["migrate"]) == 0
    assert progress(client, member) == expected()
