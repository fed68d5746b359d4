"""The outbox keeps every side effect until its task has finished, not until it is published.

These tests use the real Redis of the test suite as the broker (no worker): they look at
what is published, drop it as a Redis restart would, and drive the signals a worker
sends when it starts, retries, fails or finishes a task.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import redis as redis_lib
from celery.exceptions import Retry

from core import clock, outbox
from core import tasks as core_tasks
from core.models import OutboxMessage


def _queued(server) -> list[dict]:
    """The task messages waiting in Redis (Celery's default queue)."""
    client = redis_lib.Redis.from_url(server.url)
    return [json.loads(raw)["headers"] for raw in client.lrange("celery", 0, -1)]


def _later(seconds: float):
    return clock.frozen(clock.now() + clock.dt.timedelta(seconds=seconds))


@pytest.fixture(autouse=True)
def _empty_outbox(db):
    """The relay publishes every unfinished message in the table, and these tests count what
    it publishes: they start from an empty outbox. Once in CI (PostgreSQL, two test
    processes) a `configurator.publish_catalog_view` message committed outside any test's
    transaction, by a process of an earlier test on the same database, was counted by all
    five tests here that count."""
    OutboxMessage.objects.all().delete()


@pytest.fixture
def stale(settings):
    settings.COREKIT_OUTBOX_STALE_SECONDS = 60
    settings.COREKIT_OUTBOX_MAX_PUBLISHES = 3
    return 60


def test_a_published_message_stays_unfinished_until_its_task_returns(db, redis, stale):
    message = outbox.enqueue("core.ping")
    assert message.state == "pending"
    assert outbox.publish(message.pk)
    message.refresh_from_db()
    assert message.state == "running" and message.completed_at is None
    [headers] = _queued(redis)
    assert headers["task"] == "core.ping"
    assert outbox.message_id_of(headers["id"]) == message.pk

    # What a worker does with it: run the task under the id it was published with.
    core_tasks.ping.apply(task_id=headers["id"])
    message.refresh_from_db()
    assert message.state == "done" and message.completed_at is not None


def test_the_relay_publishes_again_what_the_broker_lost(db, redis, stale):
    message = outbox.enqueue("orders.deliver_webhook", delivery_id=41)
    outbox.publish(message.pk)
    first_id = _queued(redis)[0]["id"]
    redis.flush()  # Redis restarted without persistence: the task message is gone

    assert outbox.relay() == {"published": 0, "requeued": 0}  # not stale yet
    with _later(stale + 1):
        assert outbox.relay() == {"published": 0, "requeued": 1}
    message.refresh_from_db()
    assert message.publish_count == 2 and message.completed_at is None
    [headers] = _queued(redis)
    assert headers["task"] == "orders.deliver_webhook" and headers["id"] != first_id
    assert outbox.message_id_of(headers["id"]) == message.pk


def test_finished_messages_are_never_published_again(db, redis, stale):
    message = outbox.enqueue("core.ping")
    outbox.publish(message.pk)
    core_tasks.ping.apply(task_id=_queued(redis)[0]["id"])
    redis.flush()
    with _later(stale * 10):
        assert outbox.relay() == {"published": 0, "requeued": 0}
    assert _queued(redis) == []


def test_a_message_that_never_finishes_is_given_up_after_the_limit(db, redis, stale):
    message = outbox.enqueue("core.ping")
    outbox.publish(message.pk)
    for step in range(1, 5):
        with _later((stale + 1) * step):
            outbox.relay()
    message.refresh_from_db()
    assert message.publish_count == 3  # COREKIT_OUTBOX_MAX_PUBLISHES
    assert list(outbox.given_up_queryset()) == [message]


def test_started_and_retried_tasks_are_not_stale(db, redis, stale):
    message = outbox.enqueue("orders.deliver_webhook", delivery_id=1)
    outbox.publish(message.pk)
    task_id = _queued(redis)[0]["id"]
    with _later(stale - 1):
        # a worker started it just before it went stale
        outbox.on_task_prerun(sender=SimpleNamespace(name=message.task), task_id=task_id,
                              kwargs=message.kwargs)
    with _later(stale + 1):
        assert outbox.relay()["requeued"] == 0
    with _later(2 * stale):
        assert outbox.relay()["requeued"] == 1  # started, then silent for the stale time

    # A webhook waiting 1 hour for its next attempt is not stale during that hour.
    outbox.on_task_retry(sender=SimpleNamespace(name=message.task),
                         request=SimpleNamespace(id=task_id, kwargs=message.kwargs),
                         reason=Retry(exc=ValueError("HTTP 503"), when=3600))
    message.refresh_from_db()
    assert message.progress_at >= clock.now() + clock.dt.timedelta(seconds=3595)
    assert "HTTP 503" in message.last_error
    with _later(3600):
        assert outbox.relay()["requeued"] == 0
    with _later(3600 + stale + 5):
        assert outbox.relay()["requeued"] == 1


def test_a_failed_task_keeps_its_message_for_the_relay(db, redis, stale):
    message = outbox.enqueue("orders.send_quote_email", quote_id=1, event="quote.ready")
    outbox.publish(message.pk)
    task_id = _queued(redis)[0]["id"]
    outbox.on_task_failure(sender=SimpleNamespace(name=message.task), task_id=task_id,
                           kwargs=message.kwargs, exception=ConnectionRefusedError("SMTP down"))
    message.refresh_from_db()
    assert message.completed_at is None and "SMTP down" in message.last_error
    with _later(stale + 1):
        assert outbox.relay()["requeued"] == 1


def test_tasks_not_sent_through_the_outbox_are_ignored(db, redis):
    message = outbox.enqueue("core.ping")
    outbox.publish(message.pk)
    core_tasks.ping.apply(task_id="not-from-the-outbox")
    outbox.on_task_failure(task_id=None, exception=ValueError("x"))
    message.refresh_from_db()
    assert message.completed_at is None
    assert outbox.message_id_of("outbox-12-abc") == 12
    assert outbox.message_id_of("outbox-x-abc") is None


def test_the_beat_schedule_has_one_relay_and_no_quote_only_requeue(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "core.relay_outbox" in tasks
    assert "orders.requeue_stale_quotes" not in tasks


def test_the_relay_task_publishes_pending_and_stale_messages(db, redis, stale):
    waiting = outbox.enqueue("core.ping")  # never published (Redis was down at the time)
    lost = outbox.enqueue("core.ping")
    outbox.publish(lost.pk)
    redis.flush()
    with _later(stale + 1):
        assert core_tasks.relay_outbox.apply().get() == {"published": 1, "requeued": 1}
    assert {outbox.message_id_of(h["id"]) for h in _queued(redis)} == {waiting.pk, lost.pk}
    assert OutboxMessage.objects.filter(completed_at__isnull=True).count() == 2


def test_an_operator_can_publish_a_given_up_message_again(admin_client, redis, stale, settings):
    message = outbox.enqueue("core.ping")
    outbox.publish(message.pk)
    done = outbox.enqueue("core.ping")
    OutboxMessage.objects.filter(pk=message.pk).update(publish_count=settings.COREKIT_OUTBOX_MAX_PUBLISHES)
    OutboxMessage.objects.filter(pk=done.pk).update(completed_at=clock.now())
    redis.flush()
    response = admin_client.post(f"/{settings.COREKIT_ADMIN_PATH}core/outboxmessage/", {
        "action": "publish_again", "_selected_action": [message.pk, done.pk]})
    assert response.status_code == 302
    assert [outbox.message_id_of(h["id"]) for h in _queued(redis)] == [message.pk]


@pytest.mark.postgres
def test_concurrent_runs_of_an_email_task_send_it_once(transactional_db, buyer, settings, mailoutbox):
    """The relay may publish a message again while its first run is still queued: when both
    runs of the e-mail task meet, one sends and the other finds it sent."""
    import threading

    from django.db import connection

    from orders import notifications, services
    from orders.models import QuoteEvent
    from tests.factories import family_configuration, load_demo_catalog

    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = services.quote_request(organization=config.organization, user=buyer,
                                      request=services.QuoteRequest(configuration_id=config.pk,
                                                                    currency="USD"))
    services.quote_generate(quote_id=quote.pk)
    mailoutbox.clear()
    barrier, results, errors = threading.Barrier(8), [], []

    def run():
        try:
            barrier.wait()
            results.append(notifications.quote_email_send(quote_id=quote.pk, event="quote.ready"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and sorted(results) == [False] * 7 + [True]
    assert len(mailoutbox) == 1
    assert QuoteEvent.objects.filter(quote=quote, kind="email:quote.ready").count() == 1
