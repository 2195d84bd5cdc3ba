"""Probes and the master key (SECURITY 22)."""

import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.crypto import GENERATED_KEY_NAME, MasterKeyError, encode_key, load_master_key
from app.main import create_app
from tests.conftest import FakeClock, make_settings


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_readyz_is_503_when_the_database_does_not_answer(
    backend: str, tmp_path: Path, clock: FakeClock
) -> None:
    if backend == "postgresql":
        url = "postgresql+psycopg://postgres@127.0.0.1:9/none"  # nothing listens on port 9
    else:
        (tmp_path / "a-file").write_text("not a folder")
        url = f"sqlite:///{tmp_path / 'a-file' / 'waymark.db'}"
    app = create_app(make_settings(url, tmp_path), clock=clock)
    with TestClient(app) as client:  # starts anyway, so the probe can say why it is not ready
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"]
        assert client.get("/healthz").status_code == 200
        login = client.post("/v1/auth/login", json={"handle": "someone", "password": "x" * 20})
        assert login.status_code == 503
        assert login.headers["retry-after"]


def test_production_refuses_to_start_without_a_master_key(tmp_path: Path) -> None:
    settings = make_settings(
        "postgresql+psycopg://postgres@127.0.0.1:5432/test", tmp_path, master_key=None
    )
    with pytest.raises(MasterKeyError, match="no master key"):
        create_app(settings)


def test_malformed_master_key_is_refused(tmp_path: Path, database_url: str) -> None:
    with pytest.raises(MasterKeyError):
        create_app(make_settings(database_url, tmp_path, master_key="too-short"))


def test_master_key_file_is_read(tmp_path: Path, database_url: str) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(encode_key(b"k" * 32) + "\n")
    settings = make_settings(database_url, tmp_path, master_key=None, master_key_file=key_file)
    assert load_master_key(settings) == b"k" * 32


def test_wrong_master_key_is_not_ready_and_does_not_start(
    tmp_path: Path, database_url: str, clock: FakeClock
) -> None:
    with TestClient(create_app(make_settings(database_url, tmp_path), clock=clock)) as client:
        assert client.get("/readyz").status_code == 200  # records the key's check value

    wrong = make_settings(database_url, tmp_path, master_key=encode_key(b"w" * 32))
    probe_only = TestClient(create_app(wrong, clock=clock))  # no lifespan: just the probe
    response = probe_only.get("/readyz")
    assert response.status_code == 503
    assert "master key" in response.json()["detail"]
    with pytest.raises(MasterKeyError), TestClient(create_app(wrong, clock=clock)):
        pass


def test_local_sqlite_generates_a_private_key_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = make_settings(None, data_dir, master_key=None)  # type: ignore[arg-type]
    first = load_master_key(settings)
    key_file = data_dir / GENERATED_KEY_NAME
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert load_master_key(settings) == first
    assert len(first) == 32
