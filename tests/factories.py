"""Small helpers that create what tests need through the API, and look at the raw database."""

import random
import string
import uuid
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from app.models import metadata

# Four ordinary words: what the password rules are meant to let through.
PASSWORD = "lantern orchard pebble harbor"
OTHER_PASSWORD = "violet canyon teapot meadow"


def new_handle(prefix: str = "member") -> str:
    # Letters only: a run of seven digits would rightly be refused as a phone number.
    return f"{prefix}-{''.join(random.choices(string.ascii_lowercase, k=10))}"


def register(
    client: TestClient, handle: str | None = None, password: str = PASSWORD, **extra: Any
) -> dict[str, Any]:
    response = client.post(
        "/v1/auth/register",
        json={"handle": handle or new_handle(), "password": password, **extra},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    body["password"] = password
    return body


def auth(member_or_token: dict[str, Any] | str) -> dict[str, str]:
    if isinstance(member_or_token, str):
        token = member_or_token
    else:
        token = member_or_token["token"]["access_token"]
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, handle: str, password: str = PASSWORD) -> str:
    response = client.post("/v1/auth/login", json={"handle": handle, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def pasted(code: str) -> str:
    """A code as it arrives from a note or a photo's text: a tab, a line break, misread letters."""
    first, second, *rest = code.split("-")
    return (
        "\t" + first.lower().replace("0", "o").replace("1", "l") + "\n" + second + " -".join(rest)
    )


def without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "request_id"}


def database_dump(app: FastAPI) -> str:
    """Every value of every row of every table, as one string, for "appears nowhere" checks."""
    engine = app.state.runtime.database.reader
    names = set(inspect(engine).get_table_names())
    parts = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in names:
                for row in connection.execute(text(f'SELECT * FROM "{table.name}"')):
                    parts.append(" ".join(str(value) for value in row))
    return "\n".join(parts)


def rows_referencing(app: FastAPI, account_id: str) -> list[str]:
    """Tables holding a row that mentions the account id in any column."""
    wanted = {account_id, uuid.UUID(account_id).hex}
    found = []
    engine = app.state.runtime.database.reader
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(text(f'SELECT * FROM "{table.name}"')):
                if any(str(value) in wanted for value in row):
                    found.append(table.name)
    return found


def assert_absent_from_sqlite_files(database_url: str, canaries: list[str]) -> None:
    """None of the canaries in the SQLite database file or its write-ahead log."""
    path = Path(database_url.removeprefix("sqlite:///"))
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            content = file.read_bytes()
            for canary in canaries:
                assert canary.encode() not in content, (file.name, canary)


def make_admin(client: TestClient, app: FastAPI) -> dict[str, Any]:
    """A registered account promoted to admin directly in the database."""
    member = register(client, handle=new_handle("admin"))
    engine = app.state.runtime.database.writer
    account = uuid.UUID(member["account"]["id"])
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE account SET role = 'admin' WHERE id = :id"),
            {"id": account.hex if engine.dialect.name == "sqlite" else account},
        )
    return member
