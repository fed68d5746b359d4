"""A Celery worker keeps its PostgreSQL connection between tasks, and recovers a lost one.

Celery's Django fix-up closes every connection around every task unless told otherwise: a
new PostgreSQL backend per quote. Tasks now follow CONN_MAX_AGE and the health checks, as
requests do (config/celery_app.py).
"""

from __future__ import annotations

import pytest
from django.db import connection

from orders.models import Quote
from tests.factories import family_configuration
from tests.workers import OTHER_PROCESSES_SESSIONS, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres]


def _other_backends() -> set[int]:
    """Backends on the test database held by other processes (the worker's)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pid {OTHER_PROCESSES_SESSIONS}")
        return {pid for (pid,) in cursor.fetchall()}


def _quote_ready(buyer_api, config, key: str) -> int:
    response = buyer_api.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"},
                              format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 202, response.content
    pk = response.json()["id"]
    wait_for(lambda: Quote.objects.filter(pk=pk, status="ready").exists(), timeout=60,
             what=f"quote {pk} to be ready")
    return pk


def test_the_worker_reuses_its_connection_and_replaces_a_killed_one(
        start_worker, buyer, buyer_api, settings):
    settings.COREKIT_QUOTE_RENDER_PDF = False
    config = family_configuration(buyer.membership.organization, user=buyer)
    start_worker(COREKIT_QUOTE_RENDER_PDF="0")

    _quote_ready(buyer_api, config, "conn-1")
    after_first = _other_backends()
    assert after_first, "the worker closed its connection after the task"
    _quote_ready(buyer_api, config, "conn-2")
    _quote_ready(buyer_api, config, "conn-3")
    # The same backend served the later tasks (before: a new one per task, closed after it).
    assert after_first & _other_backends()

    # PostgreSQL drops the worker's connections (a failover, a restart, an idle timeout):
    # the next task checks its connection, opens a new one and succeeds.
    with connection.cursor() as cursor:
        for pid in after_first:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_for(lambda: not (after_first & _other_backends()), timeout=10,
             what="the worker's backends to end")
    pk = _quote_ready(buyer_api, config, "conn-4")
    assert Quote.objects.get(pk=pk).failure_reason in ("", None)
    assert _other_backends() - after_first
