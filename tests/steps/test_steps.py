"""The twelve steps and a member's progress through them (contract §5)."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import auth, database_dump, register

# Phrases from a fellowship's own literature that the program must not copy.
BORROWED = ("higher power", "as we understood", "god", "defects of character", "moral inventory")


def test_the_program_has_twelve_steps_in_its_own_words(client: TestClient) -> None:
    response = client.get("/v1/program/steps")
    assert response.status_code == 200
    assert response.headers["cache-control"].startswith("public")
    steps = response.json()
    assert [step["number"] for step in steps] == list(range(1, 13))
    for step in steps:
        assert set(step) == {"number", "title", "summary"}
        assert step["title"]
        assert len(step["summary"]) > 40
        for phrase in BORROWED:
            assert phrase not in (step["title"] + step["summary"]).lower()


def test_a_new_member_has_not_started_any_step(client: TestClient) -> None:
    response = client.get("/v1/me/steps", headers=auth(register(client)))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    steps = response.json()
    assert len(steps) == 12
    assert {step["status"] for step in steps} == {"not_started"}
    assert {step["revisits"] for step in steps} == {0}


def test_going_back_from_done_counts_a_revisit(client: TestClient) -> None:
    member = register(client)

    def put(status: str, **extra: str) -> dict:  # type: ignore[type-arg]
        response = client.put(
            "/v1/me/steps/4", json={"status": status, **extra}, headers=auth(member)
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    assert put("working", note="starting my honest look")["revisits"] == 0
    assert put("done")["revisits"] == 0
    back = put("working")
    assert back["revisits"] == 1
    assert back["note"] == "starting my honest look"  # kept when not sent
    assert put("done")["revisits"] == 1
    assert put("not_started")["revisits"] == 2
    cleared = client.put(
        "/v1/me/steps/4", json={"status": "working", "note": None}, headers=auth(member)
    )
    assert cleared.json()["note"] is None
    mine = client.get("/v1/me/steps", headers=auth(member)).json()
    assert mine[3]["status"] == "working"
    assert mine[3]["revisits"] == 2


def test_step_notes_are_encrypted(client: TestClient, app: FastAPI) -> None:
    member = register(client)
    canary = "step-canary-7f3a9c"
    client.put("/v1/me/steps/1", json={"status": "working", "note": canary}, headers=auth(member))
    assert canary not in database_dump(app)
    assert client.get("/v1/me/steps", headers=auth(member)).json()[0]["note"] == canary


@pytest.mark.parametrize(
    ("number", "body"),
    [
        (0, {"status": "working"}),
        (13, {"status": "working"}),
        ("one", {"status": "working"}),
        (1, {"status": "finished"}),
        (1, {}),
        (1, {"status": "done", "note": "x" * 4001}),
        (1, {"status": "done", "mood": 3}),
    ],
)
def test_bad_step_updates_get_422(client: TestClient, number: object, body: dict) -> None:  # type: ignore[type-arg]
    member = register(client)
    response = client.put(f"/v1/me/steps/{number}", json=body, headers=auth(member))
    assert response.status_code == 422
    assert {step["status"] for step in client.get("/v1/me/steps", headers=auth(member)).json()} == {
        "not_started"
    }
