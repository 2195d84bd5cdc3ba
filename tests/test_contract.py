"""Fuzzing every operation in /openapi.json (SECURITY 29, part of 36).

Schemathesis generates valid (positive) and invalid (negative) requests from our own OpenAPI schema
and sends them to the app in-process, signed in as a real member so that the fuzzing reaches past
authentication. Every response must pass Schemathesis' default checks: no 5xx, status codes,
content types, headers and bodies as documented, invalid input rejected, nothing usable after its
deletion, ignored authentication. Examples are derandomized: every run sends the same requests.

Two settings say how Waymark reads requests: unknown query parameters are ignored (clients add
cache busters), so an extra parameter is not a negative case; and the token is ours to send, so
Schemathesis does not generate or drop it. One default check is left out: positive data
acceptance, because many operations have rules that OpenAPI cannot state (a check-in date after
the member's today, coordinates that come in pairs, opaque cursors, passwords on a blocklist or
containing the handle), and their 422 answers are right.
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
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.main import create_app
from tests.conftest import make_settings
from tests.factories import register
from tests.fuzzing import LEAKS, fuzz_config

# `make fuzz` raises it for a deeper run.
EXAMPLES_PER_OPERATION = int(os.environ.get("WAYMARK_FUZZ_EXAMPLES", "25"))


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
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=fuzz_config())
    operation = schema.find_operation_by_label(label)
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
        sent = {**(case.headers or {}), **headers}
        response = case.call(headers=sent)
        case.validate_response(response, headers=sent, excluded_checks=[positive_data_acceptance])
        assert response.status_code < 500, f"{label}: {response.status_code} {response.text}"
        for leak in LEAKS:
            assert leak not in response.text, f"{label} leaked {leak!r}"
        if response.status_code >= 400:
            assert response.headers["content-type"] == ["application/problem+json"], label

    fuzz()
