"""Test settings: the same stack as base, with fast hashing and captured e-mail."""

import os
from pathlib import Path
from urllib.parse import urlparse

from .base import *  # noqa: F403
from .base import BASE_DIR, env, env_bool

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The test client's host, which the test runner allows in its own process only: worker
# processes started by the tests check the reset links the forms record against it too.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405
# Worker processes started by the tests write mail to files the tests can read.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# pytest-xdist runs the suite in several processes (gw0, gw1, ...): each one gets its own
# media folder, redis-server port and (pytest-django adds the suffix) test database.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / "var" / "test-mail" / XDIST_WORKER))
MEDIA_ROOT = Path(env("COREKIT_MEDIA_ROOT", str(BASE_DIR / "var" / "test-media" / XDIST_WORKER)))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECRET_KEY = env("DJANGO_SECRET_KEY", "test-secret-key")
# seed_demo is exercised by the tests.
COREKIT_ALLOW_DEMO_DATA = True

# Tests own a Redis of their own (started by the fixtures on this port) so that they can
# stop and restart it without touching a developer's running server.
REDIS_URL = env("COREKIT_TEST_REDIS_URL", "redis://127.0.0.1:6390/0")
if XDIST_WORKER.removeprefix("gw").isdigit():
    # gw0 on port + 1000, gw1 on port + 2000, ...: apart from other checkouts' base ports.
    _url = urlparse(REDIS_URL)
    _port = (_url.port or 6379) + 1000 * (int(XDIST_WORKER.removeprefix("gw")) + 1)
    REDIS_URL = _url._replace(netloc=f"{_url.hostname}:{_port}").geturl()
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL

# A real Celery worker process must see the test database: on SQLite that needs a file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-db.sqlite3")}  # noqa: F405
else:
    # Each process's sessions carry its pid: a test that drops the sessions of the gunicorn
    # or Celery process it started (tests.workers.drop_other_processes_sessions) leaves
    # every connection of its own process alone, whichever thread or context opened it.
    DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = f"corekit-test-{os.getpid()}"  # noqa: F405

# A catalog change is seen by the next request (tests that need the background swap set
# "background" themselves).
COREKIT_CATALOG_REFRESH = env("COREKIT_CATALOG_REFRESH", "sync")

# Tests rewrite catalog rows with queryset updates (which do not move the stamp) after
# loading the demo catalog, and expect the next view built to read them: an import that
# published its view would have them judged by it. The import's own publication is tested
# where it is switched on (tests/integration/test_catalog_view.py, and the production
# settings of tests/integration/test_hosts.py).
COREKIT_CATALOG_PUBLISH_WITH_IMPORT = env_bool("COREKIT_CATALOG_PUBLISH_WITH_IMPORT", False)

# Bursts in tests are not abuse; the throttling tests set their own small rates.
REST_FRAMEWORK = {**REST_FRAMEWORK,  # noqa: F405
                  "DEFAULT_THROTTLE_RATES": {"principal": "100000/min", "quote_request": "100000/min"}}

# Fault injection for the worker-crash tests (tests/faults): seconds a quote being generated
# pauses after pricing, before its PDF and its write. Never in base or production settings.
COREKIT_FAULT_QUOTE_DELAY_S = float(env("COREKIT_FAULT_QUOTE_DELAY_S", "0"))
INSTALLED_APPS = [*INSTALLED_APPS, "tests.faults.apps.FaultInjectionConfig"]  # noqa: F405
