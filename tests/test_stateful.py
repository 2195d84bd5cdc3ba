"""Schemathesis' stateful phase: chains of calls that follow the links between operations
(create a group, read it, add a meeting, change it, delete it...), each scenario on a database
reset to the reference data, signed in as an admin who also facilitates (SECURITY 36)."""

import os
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from sqlalchemy import text

from app.core.db import new_session
from app.models import metadata
from app.seed.service import seed
from tests.factories import auth, make_admin
from tests.fuzzing import assert_no_leak, fuzz_config

# `make fuzz` raises both for a deeper run.
SCENARIOS = int(os.environ.get("WAYMARK_FUZZ_SCENARIOS", "100"))
STEPS = int(os.environ.get("WAYMARK_FUZZ_STEPS", "8"))


def reset(app: FastAPI) -> None:
    """Every table emptied and the reference data seeded again."""
    database = app.state.runtime.database
    with database.writer.begin() as connection:
        if database.is_sqlite:
            for table in reversed(metadata.sorted_tables):
                connection.execute(text(f'DELETE FROM "{table.name}"'))
        else:
            tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    with new_session(database.writer) as session:
        seed(session)


def test_linked_calls_keep_every_promise(app: FastAPI, client: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=fuzz_config(SCENARIOS))
    machine = schema.as_state_machine()

    class SignedIn(machine):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            reset(app)
            self.headers = auth(make_admin(client, app))

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {**(case.headers or {}), **self.headers}}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            case.validate_response(
                response,
                additional_checks=additional_checks,
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )
            assert_no_leak(case.operation.label, response)

    SignedIn.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.generate],
        )
    )
