"""Health endpoints for a load balancer (liveness, readiness) and a Celery monitor (workers).

They say ok or failed, never why: exception text (host names, ports, driver messages) goes
to the log, not to whoever asks.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)


def live(request):
    """The process answers: nothing else is checked (restart it if this fails)."""
    return JsonResponse({"status": "ok"})


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.warning("health: database check failed", exc_info=True)
        return False


def _redis() -> bool:
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1,
                                      socket_timeout=1)
        client.ping()
        return True
    except Exception:
        logger.warning("health: broker check failed", exc_info=True)
        return False


def ready(request):
    """Can this instance serve traffic: database and broker reachable (503 otherwise)."""
    checks = {"database": _database(), "redis": _redis()}
    ok = all(checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable",
                         "checks": {k: "ok" if passed else "failed" for k, passed in checks.items()}},
                        status=200 if ok else 503)


# The workers' answer is kept for COREKIT_HEALTH_WORKERS_CACHE_SECONDS per process: a ping
# is a broadcast that holds the request for its whole timeout, so a monitor (or anyone)
# calling often must not turn into one broadcast per call. One caller pings at a time.
_workers_lock = threading.Lock()
_workers_cached: tuple[float, dict, int] | None = None


def reset_workers_cache() -> None:
    global _workers_cached
    _workers_cached = None


def _ping_workers() -> tuple[dict, int]:
    from config.celery_app import app

    started = time.monotonic()
    try:
        replies = app.control.ping(timeout=1.0) or []
    except Exception:
        logger.warning("health: worker ping failed", exc_info=True)
        return {"status": "unavailable", "workers": []}, 503
    names = sorted(name for reply in replies for name in reply)
    body = {"status": "ok" if names else "unavailable", "workers": names,
            "elapsed_ms": round((time.monotonic() - started) * 1000)}
    return body, 200 if names else 503


def _workers_answer() -> tuple[dict, int]:
    global _workers_cached
    ttl = settings.COREKIT_HEALTH_WORKERS_CACHE_SECONDS
    with _workers_lock:
        cached = _workers_cached
        if cached is not None and time.monotonic() - cached[0] < ttl:
            return {**cached[1], "cached": True}, cached[2]
        body, status = _ping_workers()
        _workers_cached = (time.monotonic(), body, status)
        return body, status


def _may_see_workers(request) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active and user.is_staff:
        return True
    token = settings.COREKIT_HEALTH_TOKEN
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                              token.encode())


def workers(request):
    """Which Celery workers answered a ping (503 when none did): staff or the health token."""
    if not _may_see_workers(request):
        return JsonResponse({"status": "forbidden"}, status=403)
    body, status = _workers_answer()
    return JsonResponse(body, status=status)
