"""/metrics: off by default; when on, counts per route template and never per path."""

from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import FakeClock, make_settings
from tests.factories import auth, register


def test_metrics_are_off_by_default(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 404


def test_metrics_count_requests_by_route_template(database_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(database_url, tmp_path, metrics_enabled=True), clock=FakeClock())
    with TestClient(app) as client:
        member = register(client)
        client.get("/v1/me", headers=auth(member))
        client.get("/v1/me", headers=auth(member))
        client.get("/v1/me")
        client.delete(
            "/v1/auth/sessions/3f0b0c52-0000-4000-8000-000000000000", headers=auth(member)
        )
        response = client.get("/metrics")
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
