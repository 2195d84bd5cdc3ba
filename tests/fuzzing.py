"""What the contract fuzzing (tests/test_contract.py) and the stateful run (tests/test_stateful.py)
share: how Schemathesis reads our API, and what no response may ever contain."""

from schemathesis.config import SchemathesisConfig

LEAKS = ("Traceback", 'File "', "SELECT ", "INSERT ", "UPDATE ", "sqlalchemy", "psycopg", "sqlite3")


def fuzz_config() -> SchemathesisConfig:
    """Unknown query parameters are ignored by the API (clients add cache busters), so they are
    not negative cases; the token is the test's to send, so it is neither generated nor dropped."""
    return SchemathesisConfig.from_dict(
        {"generation": {"allow-extra-parameters": False, "with-security-parameters": False}}
    )
