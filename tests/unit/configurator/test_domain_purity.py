"""Domain packages stay importable without Django (style.md habit 2)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOMAIN_PACKAGES = ("configurator/domain", "parts/domain", "orders/domain")


def _django_imports(source: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"), filename=str(source))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [
            f"{source.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.split(".")[0] == "django"
        ]
    return found


def _domain_sources() -> list[Path]:
    return sorted(p for package in DOMAIN_PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_configurator_domain_exists_to_be_scanned():
    assert (ROOT / "configurator/domain/engine.py").is_file()


@pytest.mark.parametrize("source", _domain_sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_domain_module_imports_django(source):
    assert _django_imports(source) == []


def test_the_scanner_catches_both_import_forms(tmp_path):
    sample = ROOT / "configurator/domain/__init__.py"
    assert _django_imports(sample) == []
    parsed = ast.parse("import django.conf\nfrom django.db import models\nfrom djangox import y\n")
    modules = [
        n.names[0].name if isinstance(n, ast.Import) else n.module
        for n in ast.walk(parsed)
        if isinstance(n, ast.Import | ast.ImportFrom)
    ]
    assert [m for m in modules if m.split(".")[0] == "django"] == ["django.conf", "django.db"]
