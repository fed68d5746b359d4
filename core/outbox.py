"""Transactional outbox: a task is recorded with the change that needs it, then sent.

`enqueue` writes an OutboxMessage in the caller's transaction and, after commit, tries
to publish it at once. If Redis is down the message stays pending; `relay_pending`
(run by beat, and opportunistically after each successful send) publishes it when the
broker answers again. Tasks are idempotent, so a message published twice is harmless.
"""

from __future__ import annotations

import logging

from django.db import transaction

from core import clock
from core.models import OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(task: str, **kwargs) -> OutboxMessage:
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(lambda: publish(message.pk))
    return message


def _send(message: OutboxMessage) -> None:
    from config.celery_app import app

    # retry=False: with the broker down, fail now and leave the message to the relay
    # rather than holding the request while kombu retries. ignore_result: nobody waits on
    # these results, and subscribing to the result channel costs a Redis round trip per
    # message (and retries of its own while Redis is away).
    app.send_task(message.task, kwargs=message.kwargs, retry=False, ignore_result=True)


def publish(message_id: int) -> bool:
    """Publish one pending message; True if it is (now or already) dispatched."""
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None or message.dispatched_at is not None:
        return True
    try:
        _send(message)
    except Exception as exc:  # the broker is unreachable: keep it for the relay
        OutboxMessage.objects.filter(pk=message_id).update(
            attempts=message.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        logger.warning("outbox: %s not dispatched (%s); will retry", message, exc)
        return False
    OutboxMessage.objects.filter(pk=message_id).update(
        dispatched_at=clock.now(), attempts=message.attempts + 1, last_error=""
    )
    return True


def relay_pending(limit: int = 500) -> int:
    """Publish what is still pending, oldest first; stops at the first broker failure."""
    sent = 0
    ids = list(OutboxMessage.objects.filter(dispatched_at__isnull=True)
               .order_by("id").values_list("pk", flat=True)[:limit])
    for pk in ids:
        if not publish(pk):
            break
        sent += 1
    return sent


def pending_count() -> int:
    return OutboxMessage.objects.filter(dispatched_at__isnull=True).count()
