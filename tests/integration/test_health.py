"""Health endpoints: workers only for staff or a token, cached; no exception text anywhere."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from core import health

pytestmark = pytest.mark.django_db

TOKEN = "health-token-for-tests-0123456789"
SECRET_DETAIL = "db-primary.internal:5432 password authentication failed for user corekit"


@pytest.fixture
def pings(monkeypatch, settings):
    """Count the broadcasts instead of sending them; one worker answers."""
    from config.celery_app import app

    settings.COREKIT_HEALTH_TOKEN = TOKEN
    health.reset_workers_cache()
    calls = []

    def ping(timeout=1.0, **kwargs):
        calls.append(timeout)
        return [{"w1@host": {"ok": "pong"}}]

    monkeypatch.setattr(app.control, "ping", ping)
    yield calls
    health.reset_workers_cache()


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_workers_refuses_anonymous_callers_and_buyers_without_pinging(pings, client, buyer):
    assert client.get("/health/workers/").status_code == 403
    assert client.get("/health/workers/", **_bearer("wrong-token")).status_code == 403
    client.force_login(buyer)
    assert client.get("/health/workers/").status_code == 403
    assert pings == []


def test_workers_answers_staff_and_the_token(pings, client, sales_rep):
    response = Client().get("/health/workers/", **_bearer(TOKEN))
    assert response.status_code == 200 and response.json()["workers"] == ["w1@host"]
    client.force_login(sales_rep)
    assert client.get("/health/workers/").json()["workers"] == ["w1@host"]


def test_no_token_configured_means_staff_only(pings, settings):
    settings.COREKIT_HEALTH_TOKEN = ""
    assert Client().get("/health/workers/", **_bearer("")).status_code == 403
    assert pings == []


def test_workers_answer_is_cached_so_calls_do_not_each_broadcast(pings, settings):
    settings.COREKIT_HEALTH_WORKERS_CACHE_SECONDS = 60
    client = Client()
    answers = [client.get("/health/workers/", **_bearer(TOKEN)) for _ in range(10)]
    assert {a.status_code for a in answers} == {200}
    assert len(pings) == 1
    health.reset_workers_cache()
    settings.COREKIT_HEALTH_WORKERS_CACHE_SECONDS = 0
    client.get("/health/workers/", **_bearer(TOKEN))
    assert len(pings) == 2


def test_a_failed_worker_ping_shows_no_exception_text(pings, monkeypatch):
    from config.celery_app import app

    def broken(**kwargs):
        raise ConnectionError(f"Error 111 connecting to {SECRET_DETAIL}")

    monkeypatch.setattr(app.control, "ping", broken)
    response = Client().get("/health/workers/", **_bearer(TOKEN))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "workers": []}


def test_readiness_says_failed_without_exception_text(monkeypatch, settings):
    from tests.workers import _free_port

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_free_port()}/0"  # nothing listens

    class Unreachable:
        def cursor(self):
            raise RuntimeError(SECRET_DETAIL)

    monkeypatch.setattr(health, "connection", Unreachable())
    response = Client().get("/health/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body == {"status": "unavailable", "checks": {"database": "failed", "redis": "failed"}}
    text = json.dumps(body)
    assert "Error" not in text and "5432" not in text and "127.0.0.1" not in text
