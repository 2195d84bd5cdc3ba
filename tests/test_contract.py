"""Fuzzing every operation in /openapi.json: no input yields a 500 or leaks internals (SECURITY 29).

Schemathesis generates valid (positive) and invalid (negative) requests from our own OpenAPI schema,
and they are sent to the app in-process, signed in as a real member so that the fuzzing reaches past
authentication. Examples are derandomized: every run sends the same requests.
"""

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from tests.conftest import make_settings
from tests.factories import register

LEAKS = ("Traceback", 'File "', "SELECT ", "INSERT ", "UPDATE ", "sqlalchemy", "psycopg", "sqlite3")
EXAMPLES_PER_OPERATION = 25


def fuzz_cases() -> list[tuple[str, GenerationMode]]:
    """(operation, mode) pairs; invalid input only where an operation takes any input at all."""
    # The schema does not depend on the database, so an app that never connects can list it.
    spec = create_app(make_settings("sqlite://", Path("unused"))).openapi()
    cases = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            label = f"{method.upper()} {path}"
            cases.append((label, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                cases.append((label, GenerationMode.NEGATIVE))
    return sorted(cases)


@pytest.mark.parametrize(("label", "mode"), fuzz_cases())
def test_no_input_yields_a_server_error(
    label: str, mode: GenerationMode, app: FastAPI, client: TestClient
) -> None:
    member = register(client)
    headers = {"Authorization": f"Bearer {member['token']['access_token']}"}
    operation = schemathesis.openapi.from_asgi("/openapi.json", app).find_operation_by_label(label)
    assert operation is not None

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def fuzz(case: Any) -> None:
        response = case.call(headers={**(case.headers or {}), **headers})
        # Bodies, content types and status codes as documented: no internal field slips out.
        case.validate_response(
            response,
            checks=[
                response_schema_conformance,
                content_type_conformance,
                status_code_conformance,
                not_a_server_error,
            ],
        )
        assert response.status_code < 500, f"{label}: {response.status_code} {response.text}"
        for leak in LEAKS:
            assert leak not in response.text, f"{label} leaked {leak!r}"
        if response.status_code >= 400:
            assert response.headers["content-type"] == ["application/problem+json"], label

    fuzz()
