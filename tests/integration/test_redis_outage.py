"""Production settings with Redis down: the app degrades, it does not fail.

A gunicorn process runs `config.settings.production` against the test database, with its
broker and cache pointed at a Redis port where nothing listens. API calls answer (and are
still rate limited, per process), sign-in works (its throttle counts in the database), and a quote
request is accepted with `"dispatch": "deferred"`: its task waits in the outbox.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from http.cookies import SimpleCookie

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from core.models import OutboxMessage
from orders.models import Quote
from tests.factories import family_configuration, load_demo_catalog
from tests.workers import ROOT, _free_port, _port_open, database_url, wait_for

PASSWORD = "pw-for-tests-2026"
CSRF = "a" * 32  # any 32-character secret: the cookie and the form carry the same one
API_RATE = 4  # requests a minute per API key


class Production:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {"csrftoken": CSRF}

    def request(self, method: str, path: str, *, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        base = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https",
                "Referer": f"https://127.0.0.1:{self.port}/accounts/login/",
                "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        conn.request(method, path, body=body, headers={**base, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, dict(response.headers), data


@pytest.fixture
def production(transactional_db, tmp_path):
    redis_port = _free_port()  # nothing listens here: Redis is down
    assert not _port_open(redis_port)
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "COREKIT_CACHE_URL")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "outage-" + "x" * 60, "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(), "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "COREKIT_QUOTE_RENDER_PDF": "0", "DJANGO_LOG_LEVEL": "WARNING", "COREKIT_API_RATE": f"{API_RATE}/min",
    })
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--no-control-socket"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _port_open(port) or server.poll() is not None, timeout=60,
                 what="gunicorn to listen")
        assert server.poll() is None, log.read_text()
        yield Production(port), log
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_with_redis_down_api_sign_in_and_quote_requests_still_work(production, make_user,
                                                                   partner_key):
    app, log = production
    load_demo_catalog()
    buyer = make_user("outage.buyer")
    # The tests hash with MD5 for speed; production verifies with its own hashers.
    hasher = PBKDF2PasswordHasher()
    buyer.password = hasher.encode(PASSWORD, hasher.salt())
    buyer.save(update_fields=["password"])
    configuration = family_configuration(buyer.membership.organization, user=buyer)

    # API calls: served, and still rate limited, by counters kept in the process while the
    # shared cache is away (they used to fail open: no limit at all).
    key = {"Authorization": f"Api-Key {partner_key.raw_key}"}
    for _ in range(API_RATE):
        status, _, body = app.request("GET", "/api/v1/parts/?category=magnet", headers=key)
        assert status == 200, log.read_text()[-3000:]
        assert json.loads(body)["count"] > 0
    status, headers, _ = app.request("GET", "/api/v1/parts/?category=magnet", headers=key)
    assert status == 429 and int(headers["Retry-After"]) > 0

    # Sign-in: the form post answers with the redirect home and a session.
    form = f"username=outage.buyer&password={PASSWORD}&csrfmiddlewaretoken={CSRF}".encode()
    status, headers, _ = app.request("POST", "/accounts/login/", body=form,
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302 and headers["Location"] == "/", log.read_text()[-3000:]
    assert "sessionid" in app.cookies

    # A quote request with the session: accepted, its task deferred to the outbox. (Signing
    # in rotated the CSRF secret: send the new one.)
    status, _, body = app.request(
        "POST", "/api/v1/quotes/",
        body=json.dumps({"configuration": configuration.pk, "currency": "USD"}).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": app.cookies["csrftoken"]})
    assert status == 202, body[:2000]
    quote = json.loads(body)
    assert quote["status"] == "queued" and quote["dispatch"] == "deferred"
    assert Quote.objects.filter(pk=quote["id"]).exists()
    assert OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()

    # Readiness tells the load balancer what is missing, and nothing more.
    status, _, body = app.request("GET", "/health/ready/")
    assert status == 503
    assert json.loads(body) == {"status": "unavailable",
                                "checks": {"database": "ok", "redis": "failed"}}
    # The degraded cache was logged, not hidden.
    assert "failing open" in log.read_text()


def _cache(url: str):
    from core.cache import FailOpenRedisCache

    return FailOpenRedisCache(url, {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})


def test_the_cache_fails_open_logs_once_and_recovers(redis, settings, caplog):
    from core import cache as fail_open

    settings.COREKIT_CACHE_RETRY_SECONDS = 0.2
    fail_open.reset()
    up = _cache(redis.url)
    up.set("k", 41, 60)
    assert up.incr("k") == 42 and up.get("k") == 42

    down = _cache(f"redis://127.0.0.1:{_free_port()}/0")
    with caplog.at_level("WARNING", logger="core.cache"):
        assert down.get("k", "miss") == "miss"
        down.set("k", 1, 60)  # dropped, no exception
        assert down.add("k", 1) is False and down.incr("k", 3) == 3
        assert down.get_many(["k"]) == {} and down.has_key("k") is False
        assert down.set_many({"a": 1}) == ["a"] and down.delete("k") is False
    warnings = [r for r in caplog.records if "failing open" in r.getMessage()]
    assert len(warnings) == 1  # one line per outage, not one per call
    # While the breaker is open even the healthy cache is skipped; then it is tried again.
    assert up.get("k", "skipped") == "skipped"
    wait_for(lambda: up.get("k") == 42, timeout=5, what="the cache to be tried again")
    fail_open.reset()


def test_the_cache_reuses_one_client_object_and_survives_a_redis_restart(redis, settings):
    from core import cache as fail_open

    settings.COREKIT_CACHE_RETRY_SECONDS = 0.2
    fail_open.reset()
    cache = _cache(redis.url)
    cache.set("k", 1, 60)
    # One client object for every call (Django's own client builds one per call).
    assert cache._cache.get_client("k") is cache._cache.get_client("other", write=True)

    redis.stop()
    assert cache.get("k", "miss") == "miss"  # fails open while Redis is away
    redis.start()
    # The pooled connections died with the server; the same client reconnects.
    wait_for(lambda: cache.add("k2", 7, 60) and cache.get("k2") == 7, timeout=5,
             what="the cache to answer again after the restart")
    fail_open.reset()
