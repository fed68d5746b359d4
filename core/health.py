"""Health endpoints for a load balancer (liveness, readiness) and a Celery monitor (workers)."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def live(request):
    """The process answers: nothing else is checked (restart it if this fails)."""
    return JsonResponse({"status": "ok"})


def _database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"


def _redis() -> tuple[bool, str]:
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1,
                                      socket_timeout=1)
        client.ping()
        return True, "ok"
    except Exception as exc:
        return False, f"{type(exc).__name__}: {exc}"


def ready(request):
    """Can this instance serve traffic: database and broker reachable (503 otherwise)."""
    checks = {"database": _database(), "redis": _redis()}
    ok = all(passed for passed, _ in checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable",
                         "checks": {k: detail for k, (_, detail) in checks.items()}},
                        status=200 if ok else 503)


def workers(request):
    """Which Celery workers answer a ping within a second (503 when none does)."""
    from config.celery_app import app

    started = time.monotonic()
    try:
        replies = app.control.ping(timeout=1.0) or []
    except Exception as exc:
        return JsonResponse({"status": "unavailable", "error": f"{type(exc).__name__}: {exc}"},
                            status=503)
    names = sorted(name for reply in replies for name in reply)
    return JsonResponse({"status": "ok" if names else "unavailable", "workers": names,
                         "elapsed_ms": round((time.monotonic() - started) * 1000)},
                        status=200 if names else 503)
