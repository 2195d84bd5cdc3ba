"""Cross-cutting HTTP behaviour: problem+json everywhere, request ids, body cap (§1)."""

import json
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import PASSWORD, auth, register

LEAKS = ("Traceback", 'File "', "SELECT", "INSERT", "sqlalchemy", "sqlite3", "psycopg")


def assert_problem(response, status: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    for leak in LEAKS:
        assert leak not in response.text
    return body  # type: ignore[no-any-return]


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    assert_problem(client.get("/v1/nothing-here"), 404)


def test_wrong_method_is_a_problem_with_allow(client: TestClient) -> None:
    response = client.put("/v1/auth/login", json={})
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"


def test_allow_names_every_method_of_the_path(client: TestClient) -> None:
    response = client.post("/v1/me", json={})
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, PATCH"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/v1/resources/import", "POST"),
        ("PATCH", "/v1/resources/categories", "GET"),
        ("GET", "/v1/groups/join", "POST"),
    ],
)
def test_a_named_path_is_not_taken_for_an_id(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    # Ids are UUIDs, so `import`, `categories` and `join` are never read as one.
    response = client.request(method, path)
    assert_problem(response, 405)
    assert response.headers["allow"] == allow


def test_body_over_64_kib_gets_413_declared_or_streamed(client: TestClient) -> None:
    big = json.dumps({"handle": "someone", "password": "x" * (64 * 1024)}).encode()
    assert_problem(
        client.post("/v1/auth/login", content=big, headers={"content-type": "application/json"}),
        413,
    )

    def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    streamed = client.post(
        "/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in streamed.request.headers
    assert_problem(streamed, 413)


def test_body_just_under_the_cap_is_read(client: TestClient) -> None:
    body = json.dumps({"handle": "someone", "password": "x" * 1000, "pad": "y" * 60000})
    response = client.post(
        "/v1/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert_problem(response, 422)


def test_request_id_is_echoed_when_sane_and_replaced_when_not(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    for insane in ("x" * 65, "has space", "<script>"):
        echoed = client.get("/healthz", headers={"X-Request-ID": insane}).headers["x-request-id"]
        assert echoed != insane
        assert len(echoed) == 32
    assert client.get("/v1/nothing").headers["x-request-id"]


def test_member_data_is_never_cached(client: TestClient) -> None:
    member = register(client)
    for response in (
        client.get("/v1/me", headers=auth(member)),
        client.get("/v1/me/export", headers=auth(member)),
        client.post(
            "/v1/auth/login", json={"handle": member["account"]["handle"], "password": PASSWORD}
        ),
        client.get("/v1/me"),
    ):
        assert response.headers["cache-control"] == "no-store"


def test_unexpected_errors_leak_nothing(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: SELECT * FROM account")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    body = assert_problem(response, 500)
    assert "secret" not in response.text
    assert body["type"] == "/problems/internal"
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/v1/auth/register", {"handle": None, "password": None}),
        ("post", "/v1/auth/register", []),
        ("post", "/v1/auth/register", {"handle": ["x"], "password": {"a": 1}}),
        ("post", "/v1/auth/login", {"handle": "", "password": ""}),
        ("post", "/v1/auth/login", {"handle": "x" * 65, "password": "y"}),
        ("post", "/v1/auth/login", {"handle": "\u0000", "password": "x"}),
        ("post", "/v1/auth/recover", {"handle": "a", "recovery_code": "", "new_password": "x"}),
        ("post", "/v1/auth/recover", {"handle": "abc", "recovery_code": "ÿÿÿÿ", "new_password": 7}),
    ],
)
def test_odd_bodies_get_4xx_never_500(
    client: TestClient, method: str, path: str, body: object
) -> None:
    response = getattr(client, method)(path, json=body)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/v1/auth/login", "/v1/auth/register"])
def test_lone_surrogates_are_refused_not_crashed_on(client: TestClient, path: str) -> None:
    raw = b'{"handle": "someone-new", "password": "lantern orchard \\ud83d pebble harbor"}'
    response = client.post(path, content=raw, headers={"content-type": "application/json"})
    assert_problem(response, 422)


@pytest.mark.parametrize(
    "path",
    [
        "/hsds/services?search=shel%00ter",
        "/hsds/organizations?search=a&search=%00",
        "/v1/resources?q=food%00",
        "/v1/crisis?region=%00",
    ],
)
def test_a_nul_in_the_query_string_is_422_never_500(client: TestClient, path: str) -> None:
    """PostgreSQL refuses NUL in text: found by the deep fuzzing run on PostgreSQL."""
    response = client.get(path)
    assert_problem(response, 422)
    assert response.json()["errors"] == [
        {"loc": ["query"], "msg": "The query string contains a NUL character."}
    ]
    assert response.headers["x-request-id"]


def test_non_ascii_recovery_code_is_just_wrong(client: TestClient) -> None:
    member = register(client)
    response = client.post(
        "/v1/auth/recover",
        json={
            "handle": member["account"]["handle"],
            "recovery_code": "ÄÖÜ-ÿÿÿÿ-🌻",
            "new_password": "violet canyon teapot meadow",
        },
    )
    assert_problem(response, 401)


def test_the_docs_page_loads_nothing_from_anywhere_else(client: TestClient) -> None:
    """Whoever opens /docs (an integrator, or a member who follows a link) must not have their
    browser announce it to a CDN: every script, style and icon comes from this server, and
    Swagger UI's online validator is off."""
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert not re.search(r"https?://", page.text), re.findall(r"https?://[^\s'\"]+", page.text)
    assert '"validatorUrl": null' in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) == 3
    for asset in assets:
        assert asset.startswith("/"), asset
        assert client.get(asset).status_code == 200, asset
