"""Every route has an access decision (SECURITY 14): public, signed-in, or a role.

A route added without one fails here: it is neither on the public list nor behind the
authentication dependency.
"""

import uuid

from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.accounts.deps import current_caller, require_role
from app.main import ROUTERS
from app.ops.metrics import router as metrics_router
from tests.factories import register

PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/docs"),  # the API's documentation, every file served from here
    ("GET", "/readyz"),
    ("GET", "/metrics"),  # only when enabled, and only with the scraper's own token (no account)
    ("POST", "/v1/auth/register"),
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/recover"),
    ("GET", "/v1/program/steps"),  # the same text for everyone
    # The directory: searches need no account at all, so none is ever tied to them.
    ("GET", "/v1/resources"),
    ("GET", "/v1/resources/categories"),
    ("GET", "/v1/resources/{resource_id}"),
    ("GET", "/v1/crisis"),
    # The HSDS interface for integrators: read-only and public, like the directory.
    ("GET", "/hsds/"),
    ("GET", "/hsds/services"),
    ("GET", "/hsds/services/{service_id}"),
    ("GET", "/hsds/organizations"),
    ("GET", "/hsds/organizations/{organization_id}"),
    ("GET", "/hsds/taxonomies"),
    ("GET", "/hsds/taxonomies/{taxonomy_id}"),
    ("GET", "/hsds/taxonomy_terms"),
    ("GET", "/hsds/taxonomy_terms/{term_id}"),
    ("GET", "/hsds/service_at_locations"),
    ("GET", "/hsds/service_at_locations/{place_id}"),
    # The Meeting Guide feed: public meetings only, meeting facts only.
    ("GET", "/meetings.json"),
}


def _calls(dependant: Dependant) -> list[object]:
    found: list[object] = [dependant.call]
    for sub in dependant.dependencies:
        found += _calls(sub)
    return found


def requirements(route: APIRoute) -> tuple[bool, tuple[str, ...] | None]:
    calls = _calls(route.dependant)
    roles = next((call.required_roles for call in calls if hasattr(call, "required_roles")), None)
    return current_caller in calls, roles


def api_routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    routes = [route for router in (*ROUTERS, metrics_router) for route in router.routes]
    routes += app.routes  # routes added to the app itself (the probe below)
    return [
        (method, route.path_format, route)
        for route in routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods)
    ]


def concrete(path: str) -> str:
    parts = []
    for part in path.split("/"):
        parts.append(str(uuid.uuid4()) if part.startswith("{") else part)
    return "/".join(parts)


def test_every_route_has_an_access_decision(app: FastAPI) -> None:
    undecided = []
    for method, path, route in api_routes(app):
        signed_in, _ = requirements(route)
        if (method, path) in PUBLIC:
            assert not signed_in, f"{method} {path} is public but asks for a token"
        elif not signed_in:
            undecided.append(f"{method} {path}")
    assert undecided == [], "routes with no access decision"


def test_protected_routes_answer_401_without_a_token(client: TestClient, app: FastAPI) -> None:
    checked = 0
    for method, path, _route in api_routes(app):
        if (method, path) in PUBLIC:
            continue
        response = client.request(method, concrete(path), json={})
        assert response.status_code == 401, f"{method} {path}"
        assert response.headers["www-authenticate"] == "Bearer"
        checked += 1
    assert checked >= 10


def test_role_routes_answer_403_to_a_member(client: TestClient, app: FastAPI) -> None:
    # One admin-only route of the test's own, so the check below always has work to do.
    app.add_api_route(
        "/v1/audit-probe/{item_id}",
        lambda item_id: None,
        dependencies=[Depends(require_role("admin"))],
    )
    member = register(client)
    headers = {"Authorization": f"Bearer {member['token']['access_token']}"}
    checked = 0
    for method, path, route in api_routes(app):
        _, roles = requirements(route)
        if roles and "member" not in roles:
            response = client.request(method, concrete(path), json={}, headers=headers)
            assert response.status_code == 403, f"{method} {path}"
            assert response.headers["content-type"] == "application/problem+json"
            checked += 1
    assert checked >= 1


def test_public_list_names_only_real_routes(app: FastAPI) -> None:
    real = {(method, path) for method, path, _ in api_routes(app)}
    assert real >= PUBLIC
