"""Real infrastructure for integration tests: a redis-server and Celery worker processes.

No eager mode and no fake Redis: the worker is a separate `celery worker` process on the
test database, talking to a real redis-server that the tests can stop and start.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):
    """Poll until predicate() is truthy; fail the test after the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class RedisServer:
    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if self.process and self.process.poll() is None:
            return
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: _port_open(self.port), timeout=10, what="redis-server to listen")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        wait_for(lambda: not _port_open(self.port), timeout=10, what="redis-server to stop")

    def flush(self) -> None:
        import redis

        redis.Redis.from_url(self.url).flushall()


class Worker:
    """A `celery worker` process on the test database."""

    def __init__(self, name: str, env: dict, log: Path, *, beat: bool = False) -> None:
        self.name = name
        self.log = log
        args = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
                "--pool", "prefork", "--concurrency", "1", "-n", f"{name}@%h",
                "--without-gossip", "--without-mingle"]
        if beat:  # embedded beat: the relay and stale-quote schedules run in this process
            args += ["-B", "--schedule", str(log.with_suffix(".beat"))]
        self.process = subprocess.Popen(
            args,
            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._ready, timeout=60, interval=0.1, what=f"worker {name} to be ready")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"worker {self.name} exited:\n{self.log.read_text()[-3000:]}")
        return "ready." in self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group: the pool child dies mid-task, nothing is acked."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


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

    port = urlparse(settings.CELERY_BROKER_URL).port or 6390
    server = RedisServer(port, tmp_path_factory.mktemp("redis"))
    if _port_open(port):
        pytest.fail(f"port {port} is taken; the tests start their own redis-server there")
    server.start()
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

    def start(name: str = "w1", *, beat: bool = False, **env_overrides: str) -> Worker:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
               "DATABASE_URL": database_url(), "COREKIT_TEST_REDIS_URL": redis.url,
               "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
               "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
               "COREKIT_MEDIA_ROOT": str(settings.MEDIA_ROOT), **env_overrides}
        worker = Worker(f"{name}-{len(workers)}", env, tmp_path / f"{name}.log", beat=beat)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
