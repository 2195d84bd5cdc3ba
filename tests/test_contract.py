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
from hypothesis import HealthCheck, settings

from app.main import create_app
from tests.conftest import make_settings
from tests.factories import auth, register
from tests.fuzzing import assert_no_leak, fuzz_config

# Fuzzing-phase examples per operation; `make fuzz` raises it for a deeper run.
EXAMPLES_PER_OPERATION = int(os.environ.get("WAYMARK_FUZZ_EXAMPLES", "25"))

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
