"""What the contract fuzzing (tests/test_contract.py) and the stateful run (tests/test_stateful.py)
share: how Schemathesis reads our API, and what no response may ever contain."""

import os
from typing import Any

import schemathesis
from schemathesis.config import SchemathesisConfig

LEAKS = ("Traceback", 'File "', "SELECT ", "INSERT ", "UPDATE ", "sqlalchemy", "psycopg", "sqlite3")

# Every run sends the same requests; `WAYMARK_FUZZ_SEED` explores elsewhere.
SEED = int(os.environ.get("WAYMARK_FUZZ_SEED", "20261123"))

# The rules OpenAPI cannot state, by operation. A request that fits the schema may still break
# one of them, and then 422 (or 412 for a failed precondition) is the right answer, so the
# check that schema-valid requests are accepted allows these statuses here and nowhere else.
RULES_OPENAPI_CANNOT_STATE: dict[str, tuple[tuple[int, ...], str]] = {
    "POST /v1/auth/register": ((422,), "time zone in the tz database; guessable passwords"),
    "POST /v1/auth/recover": ((422,), "guessable passwords, or the password holds the handle"),
    "PATCH /v1/me": (
        (422,),
        "time zone in the tz database; email- or phone-like handles; a new handle needs the "
        "current password",
    ),
    "POST /v1/me/password": ((422,), "guessable passwords, or the password holds the handle"),
    "GET /v1/auth/sessions": ((422,), "cursors are opaque and signed"),
    "GET /v1/checkins": ((422,), "opaque cursors; `from` after `to`"),
    "PUT /v1/me/tracks": ((422,), "track slugs unique within the list"),
    "PUT /v1/checkins/{date}": (
        (412, 422),
        "days up to the member's today; lapses name own tracks",
    ),
    "PATCH /v1/checkins/{date}": (
        (412, 422),
        "days up to the member's today; lapses name own tracks; the day must still say something",
    ),
    "GET /v1/checkins/{date}": ((422,), "a real calendar day (30 February is not)"),
    "DELETE /v1/checkins/{date}": ((412, 422), "a real calendar day; If-Match preconditions"),
    "GET /v1/progress": ((422,), "as_of a real day, not after the member's today"),
    "GET /v1/progress/weekly": ((422,), "as_of a real day, not after the member's today"),
    "GET /v1/resources": ((422,), "lat and lng come together; known categories; opaque cursors"),
    "GET /v1/crisis": ((422,), "lat and lng come together"),
    "GET /hsds/services": ((422,), "lat/lng/radius together; end_time after start_time; day names"),
    "GET /hsds/service_at_locations": ((422,), "as /hsds/services; a known postcode for proximity"),
    "POST /v1/resources/import": ((422,), "every line a JSON record that fits HSDS"),
    # An Idempotency-Key sent again with another body is refused; the schema cannot say so.
    "POST /v1/groups": ((422,), "Idempotency-Key reused with another body"),
    "POST /v1/groups/join": ((422,), "Idempotency-Key reused with another body"),
    "POST /v1/groups/{group_id}/meetings": ((422,), "Idempotency-Key reused; time zones"),
    "POST /v1/groups/{group_id}/reach-out": ((422,), "Idempotency-Key reused with another body"),
    "GET /v1/me/reach-out": ((422,), "cursors are opaque and signed"),
    "PATCH /v1/groups/{group_id}/meetings/{meeting_id}": ((422,), "time zones in the tz database"),
    "POST /v1/resources": ((422,), "Idempotency-Key reused; known categories and time zones"),
    "PATCH /v1/resources/{resource_id}": ((422,), "known categories and time zones"),
}


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_context: Any, value: Any) -> bytes:
    """The import's NDJSON body is documented as text, so it is sent as the text generated."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogatepass")


def fuzz_config(max_examples: int) -> SchemathesisConfig:
    """All phases, valid and invalid data, every check; a fixed seed.

    Unknown query parameters are ignored by the API (clients add cache busters), so they are
    not negative cases; the token is the test's to send, so it is neither generated nor dropped.
    """
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "generation": {
                "mode": "all",
                "max-examples": max_examples,
                "allow-extra-parameters": False,
                "with-security-parameters": False,
                # JSON allows NUL in text and the API refuses it (PostgreSQL cannot store it), a
                # rule OpenAPI cannot state; tests/test_contract.py sends NULs on purpose.
                "allow-x00": False,
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True},
            },
            "operations": [
                {
                    "include-name": label,
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": ["2xx", "401", "403", "404", "409", "429"]
                            + [str(status) for status in statuses]
                        }
                    },
                }
                for label, (statuses, _why) in RULES_OPENAPI_CANNOT_STATE.items()
            ],
        }
    )


def assert_no_leak(label: str, response: Any) -> None:
    assert response.status_code < 500, f"{label}: {response.status_code} {response.text}"
    for leak in LEAKS:
        assert leak not in response.text, f"{label} leaked {leak!r}"
    if response.status_code >= 400:
        # Schemathesis keeps every value of a header, in a list.
        assert response.headers["content-type"] == ["application/problem+json"], label
