"""/metrics: off by default; when on, counts per route template and never per path."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.main import create_app
from tests.conftest import FakeClock, make_settings
from tests.factories import auth, register


def test_metrics_are_off_by_default(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 404


TOKEN = "scraper-" + "s3cret" * 6
SCRAPER = {"Authorization": f"Bearer {TOKEN}"}


def metrics_app(database_url: str, tmp_path: Path) -> TestClient:
    settings = make_settings(database_url, tmp_path, metrics_enabled=True, metrics_token=TOKEN)
    return TestClient(create_app(settings, clock=FakeClock()))


def test_metrics_count_requests_by_route_template(database_url: str, tmp_path: Path) -> None:
    with metrics_app(database_url, tmp_path) as client:
        member = register(client)
        client.get("/v1/me", headers=auth(member))
        client.get("/v1/me", headers=auth(member))
        client.get("/v1/me")
        client.delete(
            "/v1/auth/sessions/3f0b0c52-0000-4000-8000-000000000000", headers=auth(member)
        )
        response = client.get("/metrics", headers=SCRAPER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'waymark_http_requests_total{method="GET",route="/v1/me",status="200"} 2' in text
    assert 'waymark_http_requests_total{method="GET",route="/v1/me",status="401"} 1' in text
    assert 'route="/v1/auth/sessions/{session_id}",status="404"' in text
    assert "3f0b0c52" not in text
    assert member["account"]["id"] not in text
    assert (
        'waymark_http_request_duration_seconds_count{method="POST",route="/v1/auth/register"} 1'
        in text
    )


def test_metrics_answer_only_the_scraper(database_url: str, tmp_path: Path) -> None:
    """Route counts tell an outsider when a facilitator read someone's progress or an account was
    deleted: without the metrics token, or with a member's token, /metrics says nothing."""
    with metrics_app(database_url, tmp_path) as client:
        member = register(client)
        for headers in (
            {},
            auth(member),
            {"Authorization": f"Bearer {TOKEN[:-1]}"},
            {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": b"Bearer \xc3\xbcn\xc3\xafcode"},
        ):
            refused = client.get("/metrics", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.headers["content-type"] == "application/problem+json"
            assert "waymark_http" not in refused.text
        assert client.get("/metrics", headers=SCRAPER).status_code == 200


def test_metrics_cannot_be_turned_on_without_a_long_token(
    database_url: str, tmp_path: Path
) -> None:
    # Nor with one longer than any Authorization header is read for (it could never match).
    for token in (None, "short", "t" * 257):
        with pytest.raises(ValidationError, match="WAYMARK_METRICS_TOKEN"):
            make_settings(database_url, tmp_path, metrics_enabled=True, metrics_token=token)
