"""The package as the container installs it: a wheel in a fresh virtual environment, run from
outside the source tree, migrates, seeds and serves on its own."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BACKEND, create_pg_database, drop_pg_database

ROOT = Path(__file__).resolve().parents[2]
BUILD_INPUTS = ("app", "migrations", "alembic.ini", "pyproject.toml", "README.md")


def run(command: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 (our own commands)
        command, capture_output=True, text=True, check=False, timeout=600, **options
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `waymark` command of a fresh virtual environment holding only the built wheel; the
    dependencies come from the test environment's own site-packages (a plain path, so its
    editable install of the source tree is not seen)."""
    work = tmp_path_factory.mktemp("package")
    source = work / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--quiet", "--no-deps", str(source), "--wheel-dir", str(work / "dist")])
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "dependencies.pth").write_text(
        "\n".join(path for path in sys.path if path.endswith("site-packages")) + "\n"
    )
    wheel = next((work / "dist").glob("waymark-*.whl"))
    venv_pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    run([*venv_pip, "install", "--quiet", "--no-deps", str(wheel)])
    shutil.rmtree(source)  # nothing of the source tree is left to lean on
    return venv / "bin" / "waymark"


@pytest.fixture
def database_url_for_package(tmp_path: Path) -> Iterator[str | None]:
    """An empty database: SQLite in the data folder (None), or a new PostgreSQL database."""
    if BACKEND == "sqlite":
        yield None
        return
    url = create_pg_database("waymark_package")
    yield url
    drop_pg_database(url)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_installed_package_migrates_seeds_and_serves(
    installed: Path, database_url_for_package: str | None, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "WAYMARK_DATA_DIR": str(tmp_path / "data"),
        "WAYMARK_PORT": str(port),
        "WAYMARK_ARGON2_MEMORY_KIB": "1024",
    }
    if database_url_for_package:
        env["WAYMARK_DATABASE_URL"] = database_url_for_package
        env["WAYMARK_MASTER_KEY"] = run([str(installed), "new-key"], env=env).stdout.strip()
    elsewhere = {"env": env, "cwd": tmp_path}
    assert "latest revision" in run([str(installed), "migrate"], **elsewhere).stdout
    assert "reference data" in run([str(installed), "seed"], **elsewhere).stdout
    server = subprocess.Popen(  # noqa: S603
        [str(installed), "serve"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **elsewhere
    )
    try:
        deadline, status = time.monotonic() + 30, None
        while time.monotonic() < deadline and status != 200:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                    status = reply.status
            except OSError:
                time.sleep(0.2)
        assert status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as reply:
            assert reply.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/resources/categories") as reply:
            assert b"shelter" in reply.read()
        # The translations travel with the package (they are read when a language is first used).
        venv = installed.parent.parent
        assert list(venv.glob("lib/python*/site-packages/app/locales/es/LC_MESSAGES/messages.po"))
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_image_runs_waymark_serve() -> None:
    """Run any other way (uvicorn itself), WAYMARK_PORT, WAYMARK_WORKERS and
    WAYMARK_FORWARDED_ALLOW_IPS are ignored, and behind a proxy every client shares one address:
    twenty failed logins from anyone would block everyone."""
    commands = [
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    ]
    assert commands == ['CMD ["waymark", "serve"]']
