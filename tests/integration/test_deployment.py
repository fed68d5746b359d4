"""Deployment checks: the production profile passes check --deploy; health endpoints answer."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.workers import wait_for

ROOT = Path(__file__).resolve().parents[2]


def test_production_profile_passes_check_deploy_with_no_warning(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "DJANGO_SECRET_KEY": "p" * 20 + "-not-a-real-secret-" + "k" * 30,
           "DJANGO_ALLOWED_HOSTS": "corekit.example.com", "DATABASE_URL": f"sqlite:///{tmp_path}/db"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level",
                             "WARNING"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_a_missing_secret(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "DJANGO_SECRET_KEY": "", "DJANGO_ALLOWED_HOSTS": "corekit.example.com"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_content_security_policy_header_when_configured():
    with override_settings(COREKIT_CONTENT_SECURITY_POLICY="default-src 'self'"):
        response = Client().get("/accounts/login/")
    assert response["Content-Security-Policy"] == "default-src 'self'"


@pytest.mark.django_db
def test_liveness_and_readiness(redis):
    client = Client()
    assert client.get("/health/live/").json() == {"status": "ok"}
    ready = client.get("/health/ready/")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "redis": "ok"}
    redis.stop()
    down = client.get("/health/ready/")
    assert down.status_code == 503 and down.json()["checks"]["redis"] != "ok"
    redis.start()


@pytest.mark.worker
def test_worker_heartbeat(start_worker, settings):
    from core import health

    settings.COREKIT_HEALTH_TOKEN = "heartbeat-token"
    settings.COREKIT_HEALTH_WORKERS_CACHE_SECONDS = 0
    health.reset_workers_cache()
    client = Client(HTTP_AUTHORIZATION="Bearer heartbeat-token")
    assert client.get("/health/workers/").status_code == 503  # none running yet
    start_worker("beat-check")
    response = wait_for(lambda: (r := client.get("/health/workers/")).status_code == 200 and r,
                        timeout=30, what="a worker to answer the ping")
    assert any(name.startswith("beat-check") for name in response.json()["workers"])


def _resolves(settings_module: str, paths: list[str], tmp_path, **extra) -> list[str]:
    """Where each path resolves under a settings module, asked in one fresh process."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, "DATABASE_URL": f"sqlite:///{tmp_path}/db",
           "DJANGO_SECRET_KEY": "b" * 50, "DJANGO_ALLOWED_HOSTS": "127.0.0.1", **extra}
    code = ("import django; django.setup()\n"
            "from django.urls import Resolver404, resolve\n"
            f"for path in {paths!r}:\n"
            "    try: print(resolve(path).func.__module__)\n"
            "    except Resolver404: print('404')\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_benchmark_view_exists_only_under_the_bench_settings(tmp_path):
    paths = ["/bench/bare-validate/", "/bench/orm-parts/", "/api/v1/parts/"]
    # No environment switch mounts it in the product: COREKIT_BENCH was one, and is ignored now.
    bench, orm, parts = _resolves("config.settings.production", paths, tmp_path, COREKIT_BENCH="1")
    assert (bench, orm) == ("404", "404") and parts.startswith("configurator.")
    for profile in ("production", "local"):
        bench, orm, parts = _resolves("config.settings.bench", paths, tmp_path,
                                      COREKIT_BENCH_SETTINGS=profile)
        # ... around the whole product, unchanged.
        assert (bench, orm) == ("bench.views", "bench.views") and parts.startswith("configurator."), profile


def test_server_side_cursors_can_be_turned_off_for_pgbouncer_transaction_mode():
    probe = ("from django.conf import settings; "
             "print(settings.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False))")
    answers = []
    for value in ("0", "1"):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
               "DATABASE_DISABLE_SERVER_SIDE_CURSORS": value}
        result = subprocess.run([sys.executable, "manage.py", "shell", "-c", probe], cwd=ROOT,
                                env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        answers.append(result.stdout.strip().splitlines()[-1])
    assert answers == ["False", "True"]
