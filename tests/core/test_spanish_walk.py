"""A Spanish-speaking member, from registration to the directory, entirely in Spanish.

Every word Waymark itself writes in these answers is scanned for English: messages, support,
crisis lines, steps, categories, language names, errors. What members or providers wrote (track
labels, resource names and descriptions) and proper names (hotlines, Waymark) are theirs."""

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import auth, make_admin

PASSWORD = "lantern orchard pebble harbor"
# Words that only English sentences use; any of them in our Spanish is a missed translation.
ENGLISH = re.compile(
    r"\b(the|you|your|is|are|and|with|days?|lapse|track|call|text|safe|welcome|nothing|"
    r"required|not|valid|use|help|this|that|here|for|of|to)\b",
    re.IGNORECASE,
)
PROPER_NAMES = (
    "National Human Trafficking Hotline",
    "988 Suicide & Crisis Lifeline",
    "SAMHSA National Helpline",
    "National Domestic Violence Hotline",
    "Emergency services",
    "Waymark",
)


def ours(text: str, *theirs: str) -> str:
    for name in (*PROPER_NAMES, *theirs):
        text = text.replace(name, "")
    return text


def assert_spanish(where: str, *texts: str | None, theirs: tuple[str, ...] = ()) -> None:
    for text in texts:
        if text:
            found = ENGLISH.search(ours(text, *theirs))
            assert found is None, f"{where}: English {found.group(0)!r} in {text!r}"


def spanish_lines(lines: list[dict[str, Any]]) -> None:
    for line in lines:
        assert_spanish(line["name"], line["hours"], line["languages"], line["notes"])
        assert_spanish(line["name"], line["interpreted_languages"])
        if line["in_your_language"]:
            assert_spanish(line["name"], line["in_your_language"]["note"])


def test_a_spanish_speaking_member_walks_through_waymark_in_spanish(
    client: TestClient, app: FastAPI
) -> None:
    browser = {"Accept-Language": "es-MX,es;q=0.9"}
    registered = client.post(
        "/v1/auth/register", json={"handle": "camino-claro", "password": PASSWORD}, headers=browser
    )
    assert registered.status_code == 201
    assert registered.json()["account"]["language"] == "es"
    me = {**auth(registered.json()), "Accept-Language": "en"}  # a shared computer's browser

    labels = ("Heroína", "Salir de la vida")
    tracks = [
        {"slug": "heroin", "label": labels[0]},
        {"slug": "the-life", "label": labels[1]},
    ]
    assert client.put("/v1/me/tracks", json=tracks, headers=me).status_code == 200
    for day in ("2026-11-20", "2026-11-21", "2026-11-22"):
        body = {"lapses": {"heroin": "none", "the-life": "none"}, "mood": 3}
        assert client.put(f"/v1/checkins/{day}", json=body, headers=me).status_code == 201
    hard_day = {
        "safe": False,
        "craving": 9,
        "lapses": {"heroin": "heavy", "the-life": "none"},
        "needs": ["shelter", "legal"],
        "note": "un día muy difícil",
    }
    written = client.put("/v1/checkins/2026-11-23", json=hard_day, headers=me)
    assert written.headers["content-language"] == "es"
    support = written.json()["support"]
    assert_spanish("support", support["message"])
    spanish_lines(support["crisis_lines"])
    for resource in support["resources"]:
        assert_spanish("support resource", resource["name"], resource["description"])

    progress = client.get("/v1/progress", headers=me).json()
    assert_spanish("progress", progress["message"], theirs=tuple(f"“{label}”" for label in labels))
    weekly = client.get("/v1/progress/weekly", headers=me)
    assert weekly.headers["content-language"] == "es"

    steps = client.get("/v1/program/steps", headers=browser).json()
    for step in steps:
        assert_spanish(f"step {step['number']}", step["title"], step["summary"])

    categories = client.get("/v1/resources/categories", headers=browser).json()
    for category in categories:
        assert_spanish(category["slug"], category["name"], category["description"])

    admin = make_admin(client, app)
    place = {"name": "Casa Segura", "categories": ["shelter"], "languages": ["es", "mam"]}
    assert client.post("/v1/resources", json=place, headers=auth(admin)).status_code == 201
    found = client.get("/v1/resources", params={"language": "español"}, headers=browser).json()
    assert [item["name"] for item in found["items"]] == ["Casa Segura"]
    assert found["items"][0]["language_names"] == ["español", "Mam"]
    spanish_lines(client.get("/v1/crisis", headers=browser).json()["national"])

    # Mistakes, too, are explained in Spanish.
    for response in (
        client.put("/v1/checkins/2026-11-23", json={"mood": 7}, headers=me),
        client.get("/v1/checkins/2026-10-01", headers=me),
        client.get("/v1/resources", params={"language": "élfico"}, headers=browser),
        client.get("/v1/progress", headers=browser),
        client.put("/v1/checkins/2026-12-25", json={"mood": 3}, headers=me),
        client.post(
            "/v1/auth/register",
            json={"handle": "otra-luna", "password": "short"},
            headers=browser,
        ),
        client.post(
            "/v1/auth/register",
            json={"handle": "otra-luna", "password": "my otra-luna password"},
            headers=browser,
        ),
        client.post(
            "/v1/auth/login",
            json={"handle": "camino-claro", "password": "not the password at all"},
            headers=browser,
        ),
    ):
        problem = response.json()
        assert response.headers["content-language"] == "es"
        assert_spanish("error", problem["title"], problem["detail"])
        for error in problem.get("errors") or []:
            assert_spanish("error", error["msg"])
