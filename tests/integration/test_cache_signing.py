"""The shared cache never unpickles a value it did not sign.

Django's Redis cache pickles values and unpickles whatever it reads back. Anyone who could
write to that Redis (an open port, a shared instance, a stolen password) could plant a
pickle that runs code in every web process and worker at its next cache read. Values are
now signed with a key derived from SECRET_KEY, and a value whose signature does not
verify is read as a miss, logged, and never unpickled. Tested on a real redis-server.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import override_settings

from core.cache import RefusedValue, SignedSerializer


class _Planted:
    """Unpickling this creates a file: the stand-in for code an attacker wants run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


@pytest.fixture
def shared_cache(redis, settings):
    from core import cache as fail_open

    settings.CACHES = {"default": {"BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": redis.url}}
    fail_open.reset()
    import redis as redis_py

    yield redis_py.Redis.from_url(redis.url)
    fail_open.reset()


def test_values_round_trip_and_integers_stay_plain_for_incr(shared_cache):
    cache.set("page", {"results": [1, 2], "body": b"{}"}, 60)
    assert cache.get("page") == {"results": [1, 2], "body": b"{}"}
    assert cache.get_many(["page", "absent"]) == {"page": {"results": [1, 2], "body": b"{}"}}
    cache.set("hits", 5, 60)
    assert shared_cache.get(cache.make_key("hits")) == b"5"  # incr works on the plain integer
    assert cache.incr("hits") == 6 and cache.get("hits") == 6
    assert shared_cache.get(cache.make_key("page")).startswith(SignedSerializer.PREFIX)


def test_a_pickle_planted_in_redis_is_never_unpickled(shared_cache, tmp_path, caplog):
    ran = tmp_path / "code-ran"
    shared_cache.set(cache.make_key("page"), pickle.dumps(_Planted(ran)))
    shared_cache.set(cache.make_key("other"), pickle.dumps(_Planted(ran)))
    cache.set("good", "kept", 60)
    with caplog.at_level(logging.ERROR, logger="core.cache"):
        assert cache.get("page", "miss") == "miss"
        assert cache.get_many(["other", "good"]) == {"good": "kept"}
    assert not ran.exists()
    assert [r.getMessage() for r in caplog.records if "refused" in r.getMessage()] == [
        f"cache: value of {cache.make_key('page')!r} refused (not signed); read as a miss",
        f"cache: value of {cache.make_key('other')!r} refused (not signed); read as a miss",
    ]
    cache.set("page", "fresh", 60)  # a miss is filled again as usual
    assert cache.get("page") == "fresh"


def test_a_signed_value_changed_in_redis_is_refused(shared_cache, tmp_path):
    cache.set("page", "honest", 60)
    key = cache.make_key("page")
    stored = shared_cache.get(key)
    head = len(SignedSerializer.PREFIX) + 32
    ran = tmp_path / "code-ran"
    # The signature of the honest value kept, its pickle swapped for the planted one.
    shared_cache.set(key, stored[:head] + pickle.dumps(_Planted(ran)))
    assert cache.get("page") is None
    assert not ran.exists()
    shared_cache.set(key, stored[:-1] + bytes([stored[-1] ^ 1]))  # one bit flipped
    assert cache.get("page") is None


def test_a_signed_value_moved_to_another_key_is_refused(shared_cache):
    """The signature covers the key: one organization's or catalog stamp's page copied under
    another key is not served."""
    cache.set("page-for-org-a", {"results": "org A's page"}, 60)
    shared_cache.set(cache.make_key("page-for-org-b"), shared_cache.get(cache.make_key("page-for-org-a")))
    assert cache.get("page-for-org-b") is None
    assert cache.get_many(["page-for-org-a", "page-for-org-b"]) == {
        "page-for-org-a": {"results": "org A's page"}}
    cache.set_many({"x": [1], "y": [2]}, 60)
    shared_cache.set(cache.make_key("x"), shared_cache.get(cache.make_key("y")))
    assert cache.get_many(["x", "y"]) == {"y": [2]}


def test_signed_values_live_apart_from_what_django_s_own_cache_reads(shared_cache, settings):
    """During a rolling deploy, a process still on code that unpickles whatever it reads
    (Django's RedisCache) never meets a signed value (it would fail on it with a 500), and
    the signed cache never meets the unsigned values written before."""
    from django.core.cache import caches

    location = settings.CACHES["default"]["LOCATION"]
    settings.CACHES = {**settings.CACHES, "unsigned": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}}

    caches["unsigned"].set("page", "written before the deploy", 60)
    cache.set("page", "signed", 60)
    assert caches["unsigned"].get("page") == "written before the deploy"
    assert cache.get("page") == "signed"
    assert cache.make_key("page") != caches["unsigned"].make_key("page")


def test_a_value_signed_under_a_retired_key_is_refused_even_as_a_fallback(tmp_path):
    """An old key is usually retired because it leaked: whoever holds it must not get code run
    during the rotation. Cached values are not worth keeping across it (a miss)."""
    ran = tmp_path / "code-ran"
    with override_settings(SECRET_KEY="old-" + "k" * 60):
        written = SignedSerializer().dumps(_Planted(ran), ":1:page")
    with (override_settings(SECRET_KEY="new-" + "k" * 60, SECRET_KEY_FALLBACKS=["old-" + "k" * 60]),
          pytest.raises(RefusedValue, match="signature does not match")):
        SignedSerializer().loads(written, ":1:page")
    assert not ran.exists()
    with pytest.raises(RefusedValue, match="not signed"):
        SignedSerializer().loads(SignedSerializer.PREFIX + b"short")


def test_production_reads_the_old_keys_and_signs_its_cache_values(tmp_path):
    """DJANGO_SECRET_KEY_FALLBACKS (comma-separated) keeps sessions and reset links valid
    through a key rotation, and the production cache signs without being told to."""
    code = ("from django.conf import settings; from django.core.cache import cache; "
            "print(settings.SECRET_KEY_FALLBACKS); print(type(cache._cache._serializer).__name__)")
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "COREKIT_CACHE_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", "DJANGO_SECRET_KEY": "n" * 60,
                "DJANGO_SECRET_KEY_FALLBACKS": "o" * 60 + ", " + "p" * 60 + ",",
                "DJANGO_ALLOWED_HOSTS": "corekit.example.com", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                            cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.stdout.splitlines() == [str(["o" * 60, "p" * 60]), "SignedSerializer"], result.stderr


@pytest.fixture
def full_redis(shared_cache):
    """The shared Redis at its memory limit, with the default policy (noeviction): every
    write is refused with an out-of-memory error."""
    shared_cache.config_set("maxmemory-policy", "noeviction")
    filler = b"x" * 100_000
    shared_cache.config_set("maxmemory", int(shared_cache.info("memory")["used_memory"]) + 2_000_000)
    n = 0
    for value in (filler, b"y" * 100):  # large values, then small ones: nothing fits any more
        while True:
            try:
                shared_cache.set(f"filler:{n}", value)
            except Exception:
                break
            n += 1
    shared_cache.config_set("maxmemory", int(shared_cache.info("memory")["used_memory"]) - 500_000)
    yield shared_cache
    shared_cache.config_set("maxmemory", 0)
    shared_cache.flushall()


def test_a_full_redis_costs_caching_never_the_answer(partner_client, full_redis, caplog):
    """Review: Redis's out-of-memory error was not among the failures the cache fails open
    on: with a full Redis every API request answered 500 (the rate limiter writes to it)."""
    from tests.factories import load_demo_catalog

    load_demo_catalog()
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        for path in ("/api/v1/parts/", "/api/v1/parts/?page=2", "/api/v1/sourcing-policies/"):
            assert partner_client.get(path).status_code == 200, path
    assert cache.get("page", "miss") == "miss" and not cache.set("page", "x", 60)
    assert [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()] == [
        "cache: Redis unavailable during set (OutOfMemoryError); failing open for 5 s"]


def test_with_a_full_redis_rate_limits_and_password_resets_still_hold(
        partner_client, client, buyer, full_redis, monkeypatch):
    """Review: had a full Redis only dropped writes, the rate limiter would have kept reading
    an empty history (no limit at all), and a password reset would have read its refused
    marker as "sent a moment ago" (no e-mail). A full Redis counts as away: both fall back."""
    from core.api import throttling
    from core.api.throttling import PrincipalRateThrottle
    from core.forms import PASSWORD_RESET_TASK
    from core.models import OutboxMessage

    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES",
                        {"principal": "3/min", "quote_request": "1/min"})
    throttling._process_counters.clear()
    codes = [partner_client.get("/api/v1/kit-templates/").status_code for _ in range(6)]
    # The request that found Redis full is not counted (its write was refused); from then on
    # the process counts on its own, as for an outage.
    assert codes[:4] == [200, 200, 200, 200] and codes[4:] == [429, 429]
    assert client.post("/accounts/password_reset/", {"email": buyer.email}).status_code == 302
    assert OutboxMessage.objects.filter(task=PASSWORD_RESET_TASK).count() == 1


def test_pages_expire_with_the_window_that_counted_them(partner_client, shared_cache):
    """Review: a page stored late in a window outlived the count that admitted it (Redis then
    held up to twice the budget), and a count created by a bare INCRBY kept no expiry."""
    import datetime as dt

    from core import clock
    from tests.factories import load_demo_catalog

    load_demo_catalog()
    with clock.frozen(dt.datetime(2026, 11, 29, 10, 50, 0, tzinfo=dt.UTC)):  # 600 s before the hour
        assert partner_client.get("/api/v1/parts/").status_code == 200
    pages = shared_cache.keys("*parts-list:*")
    counts = shared_cache.keys("*parts-list-bytes:*")
    assert len(pages) == 1 and len(counts) == 1
    assert 0 < shared_cache.ttl(pages[0]) <= 600 and 0 < shared_cache.ttl(counts[0]) <= 601
    assert int(shared_cache.get(counts[0])) > 30_000  # the page's results and its overhead
