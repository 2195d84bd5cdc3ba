"""PATCH /v1/checkins/{date}: a JSON Merge Patch (RFC 7396) of one day. What is left out keeps
its value; null clears it; lapses merge track by track. PUT still replaces the whole day."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import auth, register

DAY = "2026-11-23"  # the fake clock's date
PATH = f"/v1/checkins/{DAY}"
MERGE = {"Content-Type": "application/merge-patch+json"}


def member_with_tracks(client: TestClient) -> dict[str, str]:
    headers = auth(register(client))
    tracks = client.put(
        "/v1/me/tracks",
        json=[{"slug": "substances", "label": "Substances"}, {"slug": "the-life", "label": "Life"}],
        headers=headers,
    )
    assert tracks.status_code == 200, tracks.text
    return headers


def patch(client: TestClient, headers: dict[str, str], body: Any, **more: str) -> Any:
    return client.patch(PATH, json=body, headers={**headers, **MERGE, **more})


def morning(client: TestClient, headers: dict[str, str]) -> Any:
    written = client.put(
        PATH,
        json={
            "mood": 3,
            "craving": 6,
            "lapses": {"substances": "none", "the-life": "none"},
            "needs": ["food"],
            "note": "a hard morning",
        },
        headers=headers,
    )
    assert written.status_code == 201, written.text
    return written


def test_an_evening_update_keeps_the_morning(client: TestClient) -> None:
    headers = member_with_tracks(client)
    first = morning(client, headers)
    evening = patch(client, headers, {"mood": 4, "lapses": {"the-life": "some"}})
    assert evening.status_code == 200, evening.text
    day = evening.json()
    assert (day["mood"], day["craving"], day["needs"], day["note"]) == (
        4,
        6,
        ["food"],
        "a hard morning",
    )
    assert day["lapses"] == {"substances": "none", "the-life": "some"}
    assert evening.headers["etag"] != first.headers["etag"]
    assert client.get(PATH, headers=headers).json() == {
        key: value for key, value in day.items() if key != "support"
    }


def test_a_craving_of_zero_is_a_value(client: TestClient) -> None:
    headers = member_with_tracks(client)
    morning(client, headers)
    calm = patch(client, headers, {"craving": 0})
    assert calm.status_code == 200
    assert calm.json()["craving"] == 0
    # Clearing everything else still leaves a day that says something: a craving of 0.
    kept = patch(client, headers, {"mood": None, "lapses": None, "needs": None, "note": None})
    assert kept.status_code == 200
    assert kept.json()["craving"] == 0


def test_null_clears_a_field_and_a_track(client: TestClient) -> None:
    headers = member_with_tracks(client)
    morning(client, headers)
    day = patch(client, headers, {"craving": None, "note": None, "lapses": {"the-life": None}})
    assert day.status_code == 200
    assert (day.json()["craving"], day.json()["note"]) == (None, None)
    assert day.json()["lapses"] == {"substances": "none"}


def test_if_match_is_honoured(client: TestClient) -> None:
    headers = member_with_tracks(client)
    etag = morning(client, headers).headers["etag"]
    fresh = patch(client, headers, {"mood": 5}, **{"If-Match": etag})
    assert fresh.status_code == 200
    stale = patch(client, headers, {"mood": 1}, **{"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert client.get(PATH, headers=headers).json()["mood"] == 5


def test_patching_a_day_with_no_check_in_is_404(client: TestClient) -> None:
    headers = member_with_tracks(client)
    missing = patch(client, headers, {"mood": 3})
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.get(PATH, headers=headers).status_code == 404


def test_plain_json_is_415_and_writes_nothing(client: TestClient) -> None:
    headers = member_with_tracks(client)
    morning(client, headers)
    plain = client.patch(PATH, json={"mood": 1}, headers=headers)
    assert plain.status_code == 415
    assert plain.headers["content-type"] == "application/problem+json"
    assert "merge-patch+json" in plain.json()["detail"]
    assert client.get(PATH, headers=headers).json()["mood"] == 3


@pytest.mark.parametrize(
    "body",
    [
        # The day would be left saying nothing.
        {
            "mood": None,
            "craving": None,
            "lapses": None,
            "needs": None,
            "note": None,
        },
        {"mood": 9},
        {"lapses": {"no-such-track": "some"}},
        {"needs": ["no-such-need"]},
        {"colour": "red"},
        {},
    ],
)
def test_bad_patches_are_422_and_change_nothing(client: TestClient, body: dict[str, Any]) -> None:
    headers = member_with_tracks(client)
    before = morning(client, headers).json()
    refused = patch(client, headers, body)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    after = client.get(PATH, headers=headers).json()
    assert after == {key: value for key, value in before.items() if key != "support"}


def test_put_still_replaces_the_whole_day(client: TestClient) -> None:
    headers = member_with_tracks(client)
    morning(client, headers)
    replaced = client.put(PATH, json={"mood": 4}, headers=headers).json()
    assert (replaced["craving"], replaced["note"], replaced["lapses"]) == (None, None, {})
