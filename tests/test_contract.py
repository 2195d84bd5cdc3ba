"""Fuzzing every operation in /openapi.json (SECURITY 29 and 36).

Schemathesis sends the app, in-process and signed in as a real member, requests built from our
own OpenAPI schema in three phases: the schema's examples, coverage (boundary values, missing
and wrong-typed parameters, every documented enum value, methods a path does not serve) and
fuzzing, each with valid and invalid data. Every response must pass every one of Schemathesis'
checks: no 5xx, status codes, content types, headers and bodies as documented, invalid input
refused, schema-valid input accepted (see RULES_OPENAPI_CANNOT_STATE for the statuses allowed
where a rule cannot be written in OpenAPI), 405 with a true `Allow` for undeclared methods,
authentication never ignored. The stateful phase is tests/test_stateful.py.

The seed is fixed, so every run sends the same requests; `make fuzz` sends many more.
"""

import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from app.main import create_app
from tests.conftest import make_settings
from tests.factories import auth, make_admin, register
from tests.fuzzing import assert_no_leak, fuzz_config

# Fuzzing-phase examples per operation; `make fuzz` raises it for a deeper run.
EXAMPLES_PER_OPERATION = int(os.environ.get("WAYMARK_FUZZ_EXAMPLES", "25"))
NUL_EXAMPLES_PER_OPERATION = max(5, EXAMPLES_PER_OPERATION // 5)

# The schema does not depend on the database, so an app that never connects can serve it; each
# test then sends its requests to an app on the database under test.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json",
    create_app(make_settings("sqlite://", Path("unused"))),
    config=fuzz_config(EXAMPLES_PER_OPERATION),
)


@pytest.fixture
def member_headers(client: TestClient) -> dict[str, str]:
    return auth(register(client))


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_every_operation_keeps_its_contract(
    case: Any, app: FastAPI, member_headers: dict[str, str]
) -> None:
    response = case.call_and_validate(app=app, headers={**(case.headers or {}), **member_headers})
    assert_no_leak(case.operation.label, response)


def with_nul(value: Any) -> Any:
    """Every text in the value, with a NUL character added."""
    if isinstance(value, str):
        return value + "\x00"
    if isinstance(value, list):
        return [with_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: with_nul(item) for key, item in value.items()}
    return value


def operations_taking_text() -> list[str]:
    return sorted(
        operation.label
        for operation in (result.ok() for result in schema.get_all_operations())
        if operation.body or operation.query
    )


@pytest.mark.parametrize("label", operations_taking_text())
def test_text_with_nul_is_refused_everywhere(label: str, app: FastAPI, client: TestClient) -> None:
    """JSON may carry NUL characters, PostgreSQL text may not: generation leaves them out (see
    tests/fuzzing.py), and this test puts one into every text of schema-valid requests, sent as
    an admin so that admin-only imports are reached too."""
    headers = auth(make_admin(client, app))
    operation = schema.find_operation_by_label(label)
    assert operation is not None

    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(
        max_examples=NUL_EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    def send(case: Any) -> None:
        body, query = with_nul(case.body), with_nul(case.query)
        if body == case.body and query == case.query:
            return  # nothing textual drawn this time
        case.body, case.query = body, query
        response = case.call(app=app, headers={**(case.headers or {}), **headers})
        assert 400 <= response.status_code < 500, (label, response.status_code, response.text)
        assert_no_leak(label, response)

    send()
