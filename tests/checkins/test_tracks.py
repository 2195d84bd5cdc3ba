"""Tracks: 1 to 5 per member; removing one never rewrites past check-ins."""

import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app import cli
from tests.factories import auth, database_dump, register

TODAY = "2026-11-23"
TWO = [{"slug": "substances", "label": "Substances"}, {"slug": "the-life", "label": "The life"}]
# As the API sends them back: each with the kind read from its slug.
TWO_OUT = [{**TWO[0], "kind": "substances"}, {**TWO[1], "kind": "the-life"}]


def tracks(client: TestClient, member: dict) -> list[dict]:  # type: ignore[type-arg]
    response = client.get("/v1/me/tracks", headers=auth(member))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    return response.json()  # type: ignore[no-any-return]


def test_a_new_member_has_one_recovery_track(client: TestClient) -> None:
    assert tracks(client, register(client)) == [
        {"slug": "recovery", "label": "Recovery", "kind": "other"}
    ]


def test_put_replaces_the_tracks_in_order(client: TestClient) -> None:
    member = register(client)
    response = client.put("/v1/me/tracks", json=TWO, headers=auth(member))
    assert response.status_code == 200
    assert response.json() == TWO_OUT
    assert tracks(client, member) == TWO_OUT


def test_lapses_are_accepted_only_for_current_tracks(client: TestClient) -> None:
    member = register(client)
    client.put("/v1/me/tracks", json=TWO, headers=auth(member))
    ok = client.put(
        f"/v1/checkins/{TODAY}",
        json={"lapses": {"substances": "none", "the-life": "some"}},
        headers=auth(member),
    )
    assert ok.status_code == 201
    stale = client.put(
        f"/v1/checkins/{TODAY}", json={"lapses": {"recovery": "none"}}, headers=auth(member)
    )
    assert stale.status_code == 422
    assert stale.json()["errors"][0]["loc"] == ["body", "lapses", "recovery"]


def test_removing_a_track_keeps_past_checkins_and_their_history(client: TestClient) -> None:
    member = register(client)
    client.put("/v1/me/tracks", json=TWO, headers=auth(member))
    client.put(
        "/v1/checkins/2026-11-20", json={"lapses": {"substances": "none"}}, headers=auth(member)
    )
    client.put(
        "/v1/checkins/2026-11-21", json={"lapses": {"the-life": "some"}}, headers=auth(member)
    )
    client.put(
        "/v1/checkins/2026-11-22", json={"lapses": {"substances": "none"}}, headers=auth(member)
    )

    assert client.put("/v1/me/tracks", json=TWO[:1], headers=auth(member)).json() == TWO_OUT[:1]
    past = client.get("/v1/checkins/2026-11-21", headers=auth(member)).json()
    assert past["lapses"] == {"the-life": "some"}  # never rewritten
    progress = client.get("/v1/progress", headers=auth(member)).json()
    assert progress["returns"] == 1  # the lapse on the removed track still ended an episode
    assert [track["slug"] for track in progress["tracks"]] == ["substances"]

    # Adding it back brings its history back too.
    client.put("/v1/me/tracks", json=TWO, headers=auth(member))
    progress = client.get("/v1/progress", headers=auth(member)).json()
    life = next(track for track in progress["tracks"] if track["slug"] == "the-life")
    assert life["lapse_days_total"] == 1


@pytest.mark.parametrize(
    "body",
    [
        [],
        [{"slug": f"t{i}", "label": f"T{i}"} for i in range(6)],
        [{"slug": "same", "label": "A"}, {"slug": "same", "label": "B"}],
        [{"slug": "Bad Slug", "label": "x"}],
        [{"slug": "-dash", "label": "x"}],
        [{"slug": "ok", "label": ""}],
        [{"slug": "ok", "label": "x" * 61}],
        [{"slug": "ok"}],
        [{"slug": "ok", "label": "x", "colour": "red"}],
        {"slug": "ok", "label": "x"},
        [{"slug": "ok", "label": "x", "kind": "drugs"}],
    ],
)
def test_bad_track_lists_get_422_and_change_nothing(client: TestClient, body: object) -> None:
    member = register(client)
    client.put("/v1/me/tracks", json=TWO, headers=auth(member))
    response = client.put("/v1/me/tracks", json=body, headers=auth(member))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert tracks(client, member) == TWO_OUT


def test_a_track_label_is_stored_only_sealed(client: TestClient, app: FastAPI) -> None:
    """Labels are the member's own words ("staying away from D."): whoever reads the database
    finds the slug, never the label."""
    member = register(client)
    label = "away from " + uuid.uuid4().hex[:12]
    body = [{"slug": "him", "label": label}]
    assert client.put("/v1/me/tracks", json=body, headers=auth(member)).status_code == 200
    assert label not in database_dump(app)
    assert client.get("/v1/me/tracks", headers=auth(member)).json() == [
        {**body[0], "kind": "other"}
    ]
    exported = client.get("/v1/me/export", headers=auth(member)).json()
    assert exported["parts"]["tracks"][0]["label"] == label
    client.put(f"/v1/checkins/{TODAY}", json={"lapses": {"him": "none"}}, headers=auth(member))
    progress = client.get("/v1/progress", headers=auth(member)).json()
    assert progress["tracks"][0]["label"] == label


def test_labels_written_before_sealing_are_sealed_by_migrate(
    client: TestClient, app: FastAPI, cli_env: str
) -> None:
    member = register(client)
    label = "older words " + uuid.uuid4().hex[:8]
    engine = app.state.runtime.database.writer
    account = uuid.UUID(member["account"]["id"])
    with engine.begin() as connection:  # as the code before sealing wrote it
        connection.execute(
            text(
                "INSERT INTO track (id, account_id, slug, label, position, kind) "
                "VALUES (:id, :account, 'older', :label, 0, 'other')"
            ),
            {
                "id": uuid.uuid4().hex if engine.dialect.name == "sqlite" else uuid.uuid4(),
                "account": account.hex if engine.dialect.name == "sqlite" else account,
                "label": label,
            },
        )
    expected = [{"slug": "older", "label": label, "kind": "other"}]
    assert client.get("/v1/me/tracks", headers=auth(member)).json() == expected
    assert cli.main(["migrate"]) == 0
    assert label not in database_dump(app)
    assert client.get("/v1/me/tracks", headers=auth(member)).json() == expected
