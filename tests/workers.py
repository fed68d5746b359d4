"""Real infrastructure for integration tests: a redis-server and Celery worker processes.

No eager mode and no fake Redis: the worker is a separate `celery worker` process on the
test database, talking to a real redis-server that the tests can stop and start.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest

from bench.support import ROOT, RedisServer, Worker, port_open, wait_for
from bench.support import free_port as _free_port
from bench.support import port_open as _port_open

__all__ = ["ROOT", "RedisServer", "Worker", "_free_port", "_port_open", "database_url", "wait_for"]


# Sessions on the test database held by other processes (a gunicorn or Celery process the
# test started): config/settings/test.py names each process's sessions after its pid, so
# none of this process's own connections is among them, whichever thread opened it (one
# ended under another thread's feet failed a later test with "terminating connection").
OTHER_PROCESSES_SESSIONS = (
    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_type = 'client backend' AND application_name <> current_setting('application_name')")


def drop_other_processes_sessions() -> list[int]:
    """End the sessions of the processes the test started (a failover, as they see it)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pid, pg_terminate_backend(pid) {OTHER_PROCESSES_SESSIONS}")
        return [pid for pid, _ in cursor.fetchall()]


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{host}:{port}/{s['NAME']}"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    from django.conf import settings

    # One per test process: under pytest-xdist the test settings give each worker its own port.
    port = urlparse(settings.CELERY_BROKER_URL).port or 6390
    server = RedisServer(port, tmp_path_factory.mktemp("redis"))
    if port_open(port):
        pytest.fail(f"port {port} is taken; the tests start their own redis-server there")
    try:
        server.start()
    except RuntimeError as exc:  # redis-server missing: say what to install
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def redis(redis_server):
    """A running, empty Redis for this test (restarted if a previous test stopped it)."""
    redis_server.start()
    redis_server.flush()
    return redis_server


@pytest.fixture
def start_worker(redis, transactional_db, tmp_path):
    """Start real worker processes on the test database; stopped after the test."""
    from django.conf import settings

    workers: list[Worker] = []

    def start(name: str = "w1", *, beat: bool = False, nice: int = 0, **env_overrides: str) -> Worker:
        # The URL and folders below are this test process's own already: drop the xdist worker
        # id so that the test settings do not move the Redis port a second time.
        inherited = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
        env = {**inherited, "DJANGO_SETTINGS_MODULE": "config.settings.test",
               "DATABASE_URL": database_url(), "COREKIT_TEST_REDIS_URL": redis.url,
               "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
               "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
               "COREKIT_MEDIA_ROOT": str(settings.MEDIA_ROOT), **env_overrides}
        worker = Worker(f"{name}-{len(workers)}", env, tmp_path / f"{name}.log", beat=beat, nice=nice)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
