"""Safe by default: production settings unless development is asked for, no default secret,
no demo data outside development."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s" * 20 + "-for-this-test-only-" + "k" * 30
UNSET = ("DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")


def _env(tmp_path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", **extra}


def _run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_manage_py_runs_production_when_nothing_else_is_asked_for(tmp_path):
    refused = _run([sys.executable, "manage.py", "check"], _env(tmp_path))
    assert refused.returncode != 0 and "DJANGO_SECRET_KEY" in refused.stderr
    shown = _run([sys.executable, "manage.py", "shell", "-c",
                  "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"],
                 _env(tmp_path, DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="corekit.example.com"))
    assert shown.stdout.splitlines()[-1].split() == ["config.settings.production", "False"], shown.stderr


def test_wsgi_and_celery_default_to_production(tmp_path):
    code = ("import os; from config.celery_app import app; print(os.environ['DJANGO_SETTINGS_MODULE']); "
            "del os.environ['DJANGO_SETTINGS_MODULE']; "
            "import config.wsgi; from django.conf import settings; print(settings.SETTINGS_MODULE)")
    result = _run([sys.executable, "-c", code],
                  _env(tmp_path, DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="corekit.example.com"))
    assert result.stdout.split() == ["config.settings.production"] * 2, result.stderr


def test_base_has_debug_off_and_no_secret_and_local_is_development(tmp_path):
    code = ("import importlib, sys; m = importlib.import_module(sys.argv[1]); "
            "print(m.DEBUG, bool(m.SECRET_KEY), m.COREKIT_ALLOW_DEMO_DATA)")
    base = _run([sys.executable, "-c", code, "config.settings.base"], _env(tmp_path))
    assert base.stdout.split() == ["False", "False", "False"], base.stderr
    local = _run([sys.executable, "-c", code, "config.settings.local"], _env(tmp_path))
    assert local.stdout.split() == ["True", "True", "True"], local.stderr


def test_make_run_selects_the_development_settings():
    probe = ["--eval", "run: probe-settings", "--eval",
             "probe-settings: ; @echo DSM=$(DJANGO_SETTINGS_MODULE)"]
    result = _run(["make", "-n", "-s", *probe, "run"], {**os.environ, "DJANGO_SETTINGS_MODULE": ""})
    assert "echo DSM=config.settings.local" in result.stdout, result.stdout + result.stderr
    other = _run(["make", "-n", "-s", "--eval", "probe-settings: ; @echo DSM=$(DJANGO_SETTINGS_MODULE)",
                  "probe-settings"], {**os.environ, "DJANGO_SETTINGS_MODULE": ""})
    assert "echo DSM=\n" in other.stdout or other.stdout.strip() == "echo DSM="


def test_seed_demo_refuses_under_production_settings(tmp_path):
    env = _env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.production",
               DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS="corekit.example.com")
    result = _run([sys.executable, "manage.py", "seed_demo"], env)
    assert result.returncode != 0
    assert "refuses to run under config.settings.production" in result.stderr
    assert "Traceback" not in result.stderr  # a clear CommandError, not a crash


@pytest.mark.django_db
def test_seed_demo_writes_nothing_when_demo_data_is_not_allowed(settings):
    from core.models import Organization, User

    settings.COREKIT_ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError, match="published passwords"):
        call_command("seed_demo")
    assert not User.objects.exists() and not Organization.objects.exists()
