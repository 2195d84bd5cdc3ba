"""The package order of docs/architecture.md holds, and the check that enforces it really bites.

`make lint` runs the same contracts on the real tree; here they also run on a copy with one
import planted against the order, which must be refused by name.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own tool and arguments)
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": str(LINT_IMPORTS.parent)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def copy_of_the_code(destination: Path) -> Path:
    shutil.copytree(ROOT / "app", destination / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def plant(tree: Path, module: str, line: str) -> None:
    path = tree / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_the_code_keeps_the_package_order(tmp_path: Path) -> None:
    done = lint_imports(copy_of_the_code(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "named"),
    [
        # A table that reaches up into a domain: models import nothing of the app.
        ("app/models/base.py", "import app.checkins.service", "app.models is not allowed"),
        # A lower domain that reaches up: progress sits below check-ins.
        ("app/progress/summary.py", "import app.checkins.support", "app.progress is not allowed"),
        # Two siblings of one layer: steps and progress import neither way.
        ("app/steps/service.py", "import app.progress.engine", "app.steps is not allowed"),
        # A cycle inside one package.
        ("app/core/clock.py", "import app.core.logging", "No cycles are allowed in app.core"),
    ],
)
def test_an_import_against_the_order_is_refused(
    tmp_path: Path, module: str, line: str, named: str
) -> None:
    tree = copy_of_the_code(tmp_path)
    plant(tree, module, line)
    done = lint_imports(tree)
    assert done.returncode != 0
    assert named in done.stdout, done.stdout
