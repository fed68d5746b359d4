"""The project's tooling keeps its promises: locks match the requirement lists, benchmarks stand
apart from the tests and answer --help, each pytest-xdist worker gets its own Redis port."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH_SCRIPTS = ["engine", "http_validate", "load", "quotes", "run", "web_pages"]


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=kwargs.pop("cwd", ROOT), capture_output=True, text=True, timeout=120,
                          **kwargs)


def test_the_lock_files_match_the_requirement_lists():
    result = _run([sys.executable, "bin/check-lock"])
    assert result.returncode == 0, result.stderr


def test_a_requirement_that_is_not_locked_is_refused_with_the_fix(tmp_path):
    for name in ("requirements.txt", "requirements-dev.txt", "requirements.lock", "requirements-dev.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "bin").mkdir()
    shutil.copy(ROOT / "bin" / "check-lock", tmp_path / "bin" / "check-lock")
    with (tmp_path / "requirements.txt").open("a") as f:
        f.write("django-axes==8.0.0\n")
    result = _run([sys.executable, "bin/check-lock"], cwd=tmp_path)
    assert result.returncode == 1
    assert "requirements.txt pins django-axes==8.0.0, requirements.lock has nothing" in result.stderr
    assert "make lock" in result.stderr


def test_every_locked_requirement_carries_hashes():
    for name in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / name).read_text()
        pins = [line for line in text.splitlines() if "==" in line and not line.startswith("#")]
        assert pins and all(line.rstrip().endswith("\\") for line in pins), name
        assert text.count("--hash=sha256:") >= len(pins), name


def test_the_benchmarks_import_nothing_from_the_tests():
    for path in sorted((ROOT / "bench").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n == "tests" or n.startswith("tests.") for n in names), path.name


@pytest.mark.parametrize("script", BENCH_SCRIPTS)
def test_every_benchmark_answers_help_instead_of_starting(script):
    result = _run([sys.executable, "-m", f"bench.{script}", "--help"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:")
    assert "==" not in result.stdout  # no benchmark section started


@pytest.mark.parametrize(("worker", "port"), [("", 6400), ("gw0", 7400), ("gw1", 8400)])
def test_each_xdist_worker_gets_its_own_redis_port(worker, port):
    code = ("import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.test'; "
            "from django.conf import settings; print(settings.CELERY_BROKER_URL, settings.MEDIA_ROOT)")
    env = {"PATH": "/usr/bin:/bin", "COREKIT_TEST_REDIS_URL": "redis://127.0.0.1:6400/0",
           "PYTEST_XDIST_WORKER": worker}
    result = _run([sys.executable, "-c", code], env=env)
    assert result.returncode == 0, result.stderr
    url, media = result.stdout.split()
    assert url == f"redis://127.0.0.1:{port}/0"
    assert media.endswith(f"test-media/{worker}".rstrip("/"))
