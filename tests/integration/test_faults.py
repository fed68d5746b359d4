"""Faults on real infrastructure: nothing is lost, nothing is done twice, nothing stays stuck."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from orders.models import Quote, QuoteEvent
from tests.factories import family_configuration, load_demo_catalog
from tests.workers import drop_other_processes_sessions, wait_for

pytestmark = pytest.mark.worker

FAST = {"COREKIT_QUOTE_RENDER_PDF": "0", "COREKIT_BROKER_VISIBILITY_TIMEOUT": "3",
        "COREKIT_OUTBOX_STALE_SECONDS": "3", "COREKIT_OUTBOX_RELAY_SECONDS": "0.5"}


def _settled(ids) -> bool:
    return not Quote.objects.filter(pk__in=ids, status__in=["queued", "pricing"]).exists()


def _exactly_once(ids) -> None:
    ready = QuoteEvent.objects.filter(quote_id__in=ids, kind="ready")
    assert ready.count() == len(ids), "every quote is made ready exactly once"
    assert len(set(ready.values_list("quote_id", flat=True))) == len(ids)


@pytest.fixture
def setup(buyer, settings):
    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    client = APIClient()
    client.force_login(buyer)
    return client, family_configuration(buyer.membership.organization, user=buyer)


def test_two_workers_on_one_broker_process_a_burst_exactly_once(start_worker, setup):
    client, config = setup
    start_worker("a", **FAST)
    start_worker("b", **FAST)
    ids = [client.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "USD"},
                       format="json").json()["id"] for _ in range(40)]
    wait_for(lambda: _settled(ids), timeout=120, what="the burst to drain")
    assert set(Quote.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"ready"}
    _exactly_once(ids)
    assert Quote.objects.filter(pk__in=ids, attempts=1).count() == len(ids)


def test_redis_restart_during_a_burst_of_100_requests_loses_nothing(start_worker, setup, redis):
    client, config = setup
    start_worker("steady", beat=True, **FAST)
    ids, deferred = [], 0
    for i in range(100):
        if i == 30:
            redis.stop()  # everything queued in Redis is gone with it (no persistence)
        if i == 60:
            redis.start()
        response = client.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"},
                               format="json")
        assert response.status_code == 202
        ids.append(response.json()["id"])
        deferred += response.json()["dispatch"] == "deferred"
    assert deferred >= 30  # the outage was real, and the API said so
    wait_for(lambda: _settled(ids), timeout=180, what="every quote to settle")
    statuses = dict(Quote.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert len(statuses) == 100 and set(statuses.values()) == {"ready"}
    _exactly_once(ids)


@pytest.mark.postgres
def test_database_connections_dropped_mid_quote_are_retried(start_worker, setup):
    client, config = setup
    start_worker("fragile", **{**FAST, "COREKIT_FAULT_QUOTE_DELAY_S": "2"})
    quote_id = client.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "EUR"},
                           format="json").json()["id"]
    wait_for(lambda: Quote.objects.filter(pk=quote_id, status="pricing").exists(), timeout=60,
             what="pricing to start")
    drop_other_processes_sessions()  # the worker's, mid-quote
    wait_for(lambda: _settled([quote_id]), timeout=90, what="the quote to settle")
    quote = Quote.objects.get(pk=quote_id)
    assert quote.status == "ready" and quote.attempts >= 1
    _exactly_once([quote_id])



@pytest.mark.postgres
def test_a_dropped_database_connection_does_not_fail_the_next_request(transactional_db, partner_key,
                                                                        tmp_path):
    """gunicorn keeps a persistent, health-checked connection: one killed between two requests
    (failover, idle timeout, pg_terminate_backend) is replaced, not turned into a 500."""
    import json
    import os
    import subprocess
    import sys
    import urllib.request

    from tests.workers import ROOT, _free_port, _port_open, database_url

    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url()}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=env, stdout=(tmp_path / "gunicorn.log").open("wb"), stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _port_open(port), timeout=30, what="gunicorn to listen")

        def get() -> int:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/kit-templates/",
                headers={"Authorization": f"Api-Key {partner_key.raw_key}"})
            with urllib.request.urlopen(request, timeout=10) as response:
                assert len(json.loads(response.read())) == 3
                return response.status

        assert get() == 200
        assert drop_other_processes_sessions(), "gunicorn's persistent connection was there to drop"
        assert get() == 200
        assert get() == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
