"""The authorization matrix (SECURITY 13): every route with an id in its path, called by its owner,
by another member, by a facilitator of another group, by an admin and with no token.

The routes come from the route table: a new route with an id and no row here fails the first test.
Where someone outside gets 404, the body is the same as for a random id, so ids reveal nothing.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.main import ROUTERS
from tests.factories import auth, login, make_admin, register, without_request_id
from tests.groups.conftest import join, make_facilitator, make_group

CALLERS = ("anonymous", "member", "other_facilitator", "admin", "owner")

# Path parameters that name the caller's own things by construction (a date of my check-ins, a
# step number of mine): there is nobody else's value to try.
SCOPED_TO_CALLER = {"date", "number"}

MEETING = {
    "name": "Matrix meeting",
    "day": 1,
    "time": "18:00",
    "timezone": "UTC",
    "address": "1 Main St",
}


@dataclass(frozen=True)
class Expect:
    owner: str  # who owns the ids: a key of the world
    statuses: tuple[int, int, int, int, int]  # anonymous, member, other_facilitator, admin, owner
    body: dict[str, Any] | None = None


PUBLIC_READ = (200, 200, 200, 200, 200)
ADMIN_ONLY = (401, 403, 403, 200, 200)
IN_GROUP = (401, 404, 404, 404, 200)
FACILITATOR = (401, 403, 404, 404, 200)

MATRIX: dict[tuple[str, str], Expect] = {
    ("DELETE", "/v1/auth/sessions/{session_id}"): Expect("member_a", (401, 404, 404, 404, 204)),
    ("GET", "/v1/resources/{resource_id}"): Expect("admin", PUBLIC_READ),
    ("PATCH", "/v1/resources/{resource_id}"): Expect("admin", ADMIN_ONLY, {"description": "x"}),
    ("DELETE", "/v1/resources/{resource_id}"): Expect("admin", (401, 403, 403, 204, 404)),
    ("GET", "/hsds/services/{service_id}"): Expect("admin", PUBLIC_READ),
    ("GET", "/hsds/service_at_locations/{place_id}"): Expect("admin", PUBLIC_READ),
    ("GET", "/hsds/organizations/{organization_id}"): Expect("admin", PUBLIC_READ),
    ("GET", "/hsds/taxonomies/{taxonomy_id}"): Expect("admin", PUBLIC_READ),
    ("GET", "/hsds/taxonomy_terms/{term_id}"): Expect("admin", PUBLIC_READ),
    ("GET", "/v1/groups/{group_id}"): Expect("member_a", IN_GROUP),
    ("POST", "/v1/groups/{group_id}/invite-code"): Expect("facilitator_a", FACILITATOR),
    ("PATCH", "/v1/groups/{group_id}/membership"): Expect(
        "member_a", IN_GROUP, {"share_progress": False}
    ),
    ("DELETE", "/v1/groups/{group_id}/membership"): Expect("member_a", (401, 404, 404, 404, 204)),
    ("GET", "/v1/groups/{group_id}/members"): Expect("facilitator_a", FACILITATOR),
    ("DELETE", "/v1/groups/{group_id}/members/{membership_id}"): Expect(
        "facilitator_a", (401, 403, 404, 404, 204)
    ),
    ("GET", "/v1/groups/{group_id}/aggregate"): Expect("facilitator_a", FACILITATOR),
    ("GET", "/v1/groups/{group_id}/members/{membership_id}/progress"): Expect(
        "facilitator_a", FACILITATOR
    ),
    ("POST", "/v1/groups/{group_id}/meetings"): Expect(
        "facilitator_a", (401, 403, 404, 404, 201), MEETING
    ),
    ("GET", "/v1/groups/{group_id}/meetings"): Expect("member_a", IN_GROUP),
    ("GET", "/v1/groups/{group_id}/meetings/{meeting_id}"): Expect("member_a", IN_GROUP),
    ("PATCH", "/v1/groups/{group_id}/meetings/{meeting_id}"): Expect(
        "facilitator_a", FACILITATOR, {"name": "Renamed"}
    ),
    ("DELETE", "/v1/groups/{group_id}/meetings/{meeting_id}"): Expect(
        "facilitator_a", (401, 403, 404, 404, 204)
    ),
    ("PUT", "/v1/admin/accounts/{account_id}/role"): Expect(
        "admin", ADMIN_ONLY, {"role": "member"}
    ),
    ("PATCH", "/v1/groups/{group_id}"): Expect("facilitator_a", FACILITATOR, {"name": "Renamed"}),
    ("GET", "/v1/groups/{group_id}/removals"): Expect("facilitator_a", FACILITATOR),
    ("DELETE", "/v1/groups/{group_id}/removals/{removal_id}"): Expect(
        "facilitator_a", (401, 403, 404, 404, 204)
    ),
    # Member A has asked already: asking again answers that request (200).
    ("POST", "/v1/groups/{group_id}/reach-out"): Expect(
        "member_a", (401, 404, 404, 404, 200), {"message": "Please call me"}
    ),
    ("GET", "/v1/groups/{group_id}/reach-out"): Expect("facilitator_a", FACILITATOR),
    ("POST", "/v1/groups/{group_id}/reach-out/{request_id}/answered"): Expect(
        "facilitator_a", (401, 403, 404, 404, 204)
    ),
    ("POST", "/v1/me/reach-out/{request_id}/withdraw"): Expect(
        "member_a", (401, 404, 404, 404, 200)
    ),
    ("POST", "/v1/admin/groups/{group_id}/facilitators"): Expect(
        # Group A has its facilitator: an admin may not add one (only to a group without).
        "admin",
        (401, 403, 403, 409, 409),
        {"handle": "{facilitator_handle}"},
    ),
}


def routes_with_ids() -> set[tuple[str, str]]:
    found = set()
    for router in ROUTERS:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            params = {part[1:-1] for part in route.path_format.split("/") if part.startswith("{")}
            if params - SCOPED_TO_CALLER:
                found |= {(method, route.path_format) for method in route.methods}
    return found


def test_every_route_with_an_id_has_a_row() -> None:
    assert routes_with_ids() == set(MATRIX)


@pytest.fixture
def world(client: TestClient, app: Any) -> dict[str, Any]:
    """Group A (a facilitator, a sharing member who asked to be reached, a meeting), group B with
    its own facilitator, an outside member, an admin, and a resource with a place."""
    admin = make_admin(client, app)
    admin_headers = auth(admin)
    facilitator_a = make_facilitator(client, admin_headers)
    group_a = make_group(client, facilitator_a)
    member_a = join(client, group_a, share=True)
    reach_out = client.post(
        f"/v1/groups/{group_a['id']}/reach-out",
        json={"message": "Please call me"},
        headers=member_a["headers"],
    ).json()
    removed = join(client, group_a)
    client.delete(
        f"/v1/groups/{group_a['id']}/members/{removed['membership']['membership_id']}",
        headers=facilitator_a["headers"],
    )
    removal = client.get(
        f"/v1/groups/{group_a['id']}/removals", headers=facilitator_a["headers"]
    ).json()[0]
    facilitator_b = make_facilitator(client, admin_headers)
    make_group(client, facilitator_b, "Group B")
    outsider = register(client)
    meeting = client.post(
        f"/v1/groups/{group_a['id']}/meetings", json=MEETING, headers=facilitator_a["headers"]
    ).json()
    resource = client.post(
        "/v1/resources",
        json={
            "name": "Matrix clinic",
            "categories": ["legal"],
            "organization": "Matrix org",
            "lat": 41.0,
            "lng": -87.0,
        },
        headers=admin_headers,
    ).json()
    service = client.get(f"/hsds/services/{resource['id']}").json()
    second_login = login(client, member_a["account"]["handle"])
    sessions = client.get("/v1/auth/sessions", headers=auth(second_login)).json()["items"]
    ids = {
        "session_id": next(s["id"] for s in sessions if not s["current"]),
        "resource_id": resource["id"],
        "service_id": resource["id"],
        "place_id": service["service_at_locations"][0]["id"],
        "organization_id": resource["organization"]["id"],
        "taxonomy_id": "3bb58492-0916-5d5f-bdb3-edfcce75fe39",
        "term_id": service["attributes"][0]["taxonomy_term_id"],
        "group_id": group_a["id"],
        "membership_id": member_a["membership"]["membership_id"],
        "meeting_id": meeting["id"],
        "account_id": outsider["account"]["id"],
        "removal_id": removal["removal_id"],
        "request_id": reach_out["id"],
        "facilitator_handle": facilitator_b["account"]["handle"],
    }
    headers = {
        "anonymous": {},
        "member": auth(outsider),
        "other_facilitator": facilitator_b["headers"],
        "admin": admin_headers,
        "admin_owner": admin_headers,
        "member_a": auth(second_login),
        "facilitator_a": facilitator_a["headers"],
    }
    return {"ids": ids, "headers": headers}


def fill(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


def fill_body(body: dict[str, Any] | None, ids: dict[str, str]) -> dict[str, Any] | None:
    if body is None:
        return None
    return {
        key: fill(value, ids) if isinstance(value, str) else value for key, value in body.items()
    }


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX), ids=lambda value: str(value))
def test_matrix(client: TestClient, world: dict[str, Any], method: str, path: str) -> None:
    expect = MATRIX[(method, path)]
    random_ids = {name: str(uuid.uuid4()) for name in world["ids"]}
    for caller, wanted in zip(CALLERS, expect.statuses, strict=True):
        who = expect.owner if caller == "owner" else caller
        headers = world["headers"]["admin" if who == "admin" else who]
        response = client.request(
            method,
            fill(path, world["ids"]),
            json=fill_body(expect.body, world["ids"]),
            headers=headers,
        )
        assert response.status_code == wanted, (caller, response.status_code, response.text)
        if wanted == 404 and caller != "owner":
            # The same answer as for ids that exist nowhere.
            random = client.request(
                method,
                fill(path, random_ids),
                json=fill_body(expect.body, world["ids"]),
                headers=headers,
            )
            assert random.status_code == 404
            assert without_request_id(response.json()) == without_request_id(random.json())


# After its owner deletes something, nothing can use it: deleting it again is 404, and so is the
# read named here (a DELETE that only answered 204 would fail). Every DELETE route has a row.
READ_AFTER_DELETE: dict[str, tuple[str, str]] = {
    "/v1/auth/sessions/{session_id}": ("DELETE", "/v1/auth/sessions/{session_id}"),
    "/v1/resources/{resource_id}": ("GET", "/v1/resources/{resource_id}"),
    "/v1/groups/{group_id}/membership": ("GET", "/v1/groups/{group_id}"),
    "/v1/groups/{group_id}/members/{membership_id}": (
        "GET",
        "/v1/groups/{group_id}/members/{membership_id}/progress",
    ),
    "/v1/groups/{group_id}/meetings/{meeting_id}": (
        "GET",
        "/v1/groups/{group_id}/meetings/{meeting_id}",
    ),
    "/v1/groups/{group_id}/removals/{removal_id}": (
        "DELETE",
        "/v1/groups/{group_id}/removals/{removal_id}",
    ),
}


def test_every_delete_with_an_id_has_a_read_after_it() -> None:
    deletes = {path for method, path in routes_with_ids() if method == "DELETE"}
    assert deletes == set(READ_AFTER_DELETE)


@pytest.mark.parametrize("path", sorted(READ_AFTER_DELETE))
def test_nothing_is_usable_after_its_deletion(
    client: TestClient, world: dict[str, Any], path: str
) -> None:
    owner = MATRIX[("DELETE", path)].owner
    headers = world["headers"][owner]
    assert client.delete(fill(path, world["ids"]), headers=headers).status_code == 204
    assert client.delete(fill(path, world["ids"]), headers=headers).status_code == 404
    method, read = READ_AFTER_DELETE[path]
    response = client.request(method, fill(read, world["ids"]), headers=headers)
    assert response.status_code == 404, response.text
