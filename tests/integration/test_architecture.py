"""The layers are a contract a tool checks (pyproject.toml, `[tool.importlinter]`): an app
imports only the apps below it (orders > configurator > parts > core), a `domain` package
imports only domain packages and the standard library, and no function-local import hides
an arrow that runs the wrong way."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "parts", "configurator", "orders")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(tree: Path) -> subprocess.CompletedProcess:
    # The contracts' custom type lives in tests/: importable from the real checkout,
    # while the apps are found first in `tree`.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(ROOT)])}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True,
                          text=True, timeout=300)


def _copy_of_the_apps(tmp_path: Path) -> Path:
    for app in APPS:
        shutil.copytree(ROOT / app, tmp_path / app,
                        ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    # core is the bottom layer: it may not reach up into orders (the dashboard's old arrow).
    ("core/back_import.py", "from orders.models import Quote\n",
     "core is not allowed to import orders"),
    # parts may not know sourcing policies, not even inside a function.
    ("parts/back_import.py", "def f():\n    from configurator.selectors import parts_satisfying\n",
     "parts is not allowed to import configurator"),
    # A domain package stays pure: no Django, no models.
    ("orders/domain/back_import.py", "import django\n", "orders.domain.back_import -> django"),
    ("parts/domain/back_import.py", "from parts.models import Part\n",
     "parts.domain.back_import -> parts.models"),
])
def test_a_back_import_breaks_the_contracts(tmp_path, module, line, broken):
    tree = _copy_of_the_apps(tmp_path)
    (tree / module).write_text(line)
    result = _lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken in result.stdout


# Function-local imports that are not cycle dodges: Django's AppConfig.ready() wiring (in
# apps.py), the Celery app (config/, outside the stack, built after settings), and the
# history hook Django's models module itself names (core.models -> core.history).
ALLOWED_LOCAL_IMPORTS = {
    ("core/health.py", "config.celery_app"),
    ("core/outbox.py", "config.celery_app"),
    ("core/history.py", "core.models"),
}


def _first_party_local_imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and inner.module and inner.level == 0:
                names = [inner.module]
            elif isinstance(inner, ast.Import):
                names = [a.name for a in inner.names]
            else:
                continue
            for name in names:
                if name.split(".")[0] in (*APPS, "config"):
                    yield name


def test_no_function_local_import_dodges_a_cycle():
    # configurator/domain is rebuilt by the engine issue; its own modules are checked there.
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel.endswith("/apps.py") or rel.startswith("configurator/domain/"):
                continue
            found += [(rel, name) for name in _first_party_local_imports(path)
                      if (rel, name) not in ALLOWED_LOCAL_IMPORTS]
    assert found == []
