"""Transactional outbox: every side effect is recorded with the change that needs it,
and kept until its task has finished.

`enqueue` writes an OutboxMessage in the caller's transaction and, after commit, tries
to publish it at once. A message goes through three states:

    pending (never published) → running (published, not finished) → done (task finished)

If Redis is down at request time the message stays pending; if Redis loses it after
publishing (a restart without persistence) or a worker dies with it, it stays running
with no sign of progress. `relay` (run by beat) publishes both kinds: the never-published
ones, and those published or last seen progressing more than COREKIT_OUTBOX_STALE_SECONDS
ago (judged by the relay's own setting) — the one stale-requeue for quotes, e-mails,
webhook deliveries, document re-renders and catalog re-validations. Workers report back
through Celery's task signals (the message's id travels in the task id): a started task
records progress, a retried one the time its retry is due, a task that returns marks its
message done. Tasks are idempotent, so a message run twice does its work once.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from core import clock
from core.models import OutboxMessage

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"


def enqueue(task: str, **kwargs) -> OutboxMessage:
    message = OutboxMessage.objects.create(task=task, kwargs=kwargs)
    # Published from the instance just written (not read back): nothing else has published
    # it before its own commit.
    transaction.on_commit(lambda: publish(message.pk, message=message))
    return message


def _stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.COREKIT_OUTBOX_STALE_SECONDS)


def task_id_for(message_id: int) -> str:
    """A fresh Celery task id that names its message (retries keep it, re-publishes do not)."""
    return f"{TASK_ID_PREFIX}{message_id}-{uuid.uuid4().hex[:12]}"


def message_id_of(task_id: str | None) -> int | None:
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    head = task_id[len(TASK_ID_PREFIX):].split("-", 1)[0]
    return int(head) if head.isascii() and head.isdigit() else None


def _send(message: OutboxMessage) -> None:
    from config.celery_app import app

    # retry=False: with the broker down, fail now and leave the message to the relay
    # rather than holding the request while kombu retries. ignore_result: nobody waits on
    # these results, and subscribing to the result channel costs a Redis round trip per
    # message (and retries of its own while Redis is away).
    app.send_task(message.task, kwargs=message.kwargs, retry=False, ignore_result=True,
                  task_id=task_id_for(message.pk))


def publish(message_id: int, *, again: bool = False, message: OutboxMessage | None = None) -> bool:
    """Publish one message; True if it is (now or already) with the broker or done.

    Without `again` a message already published is left alone; with it (the relay's
    stale-requeue) a message still unfinished is published once more. `message`: the
    instance `enqueue` just wrote (saves reading it back).
    """
    if message is None:
        message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None or message.completed_at is not None:
        return True
    if message.dispatched_at is not None and not again:
        return True
    try:
        _send(message)
    except Exception as exc:  # the broker is unreachable: keep it for the relay
        OutboxMessage.objects.filter(pk=message_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        logger.warning("outbox: %s not dispatched (%s); will retry", message, exc)
        return False
    now = message.dispatched_at = clock.now()
    OutboxMessage.objects.filter(pk=message_id, completed_at__isnull=True).update(
        dispatched_at=now, progress_at=None, attempts=F("attempts") + 1,
        publish_count=F("publish_count") + 1,
    )
    if again:
        logger.warning("outbox: %s had not finished in time; published again", message)
    return True


def stale_queryset():
    """Published, unfinished, no progress within the stale time, and not yet given up on."""
    cutoff = clock.now() - _stale_after()
    return OutboxMessage.objects.filter(
        Q(progress_at__isnull=True) | Q(progress_at__lt=cutoff),
        completed_at__isnull=True, dispatched_at__lt=cutoff,
        publish_count__lt=settings.COREKIT_OUTBOX_MAX_PUBLISHES,
    )


def relay_pending(limit: int = 500) -> int:
    """Publish what was never published, oldest first; stops at the first broker failure."""
    sent = 0
    ids = list(OutboxMessage.objects.filter(dispatched_at__isnull=True, completed_at__isnull=True)
               .order_by("id").values_list("pk", flat=True)[:limit])
    for pk in ids:
        if not publish(pk):
            break
        sent += 1
    return sent


def requeue_stale(limit: int = 500) -> int:
    """Publish again what was published but has shown no progress within the stale time."""
    sent = 0
    for pk in list(stale_queryset().order_by("id").values_list("pk", flat=True)[:limit]):
        if not publish(pk, again=True):
            break
        sent += 1
    return sent


def relay(limit: int = 500) -> dict[str, int]:
    """The beat job: never-published messages first, then stale ones."""
    return {"published": relay_pending(limit), "requeued": requeue_stale(limit)}


def pending_count() -> int:
    return OutboxMessage.objects.filter(dispatched_at__isnull=True, completed_at__isnull=True).count()


def unfinished_count() -> int:
    return OutboxMessage.objects.filter(completed_at__isnull=True).count()


def given_up_queryset():
    return OutboxMessage.objects.filter(
        completed_at__isnull=True, publish_count__gte=settings.COREKIT_OUTBOX_MAX_PUBLISHES
    )


# --- what workers report (connected in CoreConfig.ready) ------------------------------

# A worker's report names its message by the task id, which the broker's message carries:
# whoever can write to Redis can choose it. A report therefore counts only for the message
# whose task it ran, with the same arguments: a forged task naming another message's id
# (a ping "finishing" a quote's generation, which the relay would then never publish again)
# changes nothing, and one that names its own is the message's work done twice (tasks are
# idempotent), which is what it reports.

def _open(message_id: int, task: str, kwargs: dict):
    return OutboxMessage.objects.filter(pk=message_id, task=task, kwargs=kwargs, completed_at__isnull=True)


def task_started(message_id: int, *, task: str, kwargs: dict) -> None:
    """A worker took the task: it has the full stale time from now to finish."""
    _open(message_id, task, kwargs).update(progress_at=clock.now())


def task_retrying(message_id: int, *, task: str, kwargs: dict, countdown: float | None,
                  error: str) -> None:
    """The task will run again after `countdown` seconds: not stale while it waits."""
    _open(message_id, task, kwargs).update(
        progress_at=clock.now() + dt.timedelta(seconds=countdown or 0), last_error=error[:2000])


def task_finished(message_id: int, *, task: str, kwargs: dict) -> None:
    _open(message_id, task, kwargs).update(completed_at=clock.now(), last_error="")


def task_failed(message_id: int, *, task: str, kwargs: dict, error: str) -> None:
    """The task raised: keep the message; the relay publishes it again once it is stale."""
    _open(message_id, task, kwargs).update(last_error=error[:2000])


def _countdown(when) -> float | None:
    if when is None:
        return None
    if isinstance(when, dt.datetime):
        return max((when - clock.now()).total_seconds(), 0.0)
    try:
        return float(when)
    except (TypeError, ValueError):
        return None


def _report(task, task_id: str | None, kwargs: dict | None, action, **details) -> None:
    """Record `action` for the outbox message the running task was published for."""
    message_id = message_id_of(task_id)
    if message_id is None:
        return
    try:
        action(message_id, task=getattr(task, "name", None), kwargs=kwargs or {}, **details)
    except Exception:  # reporting must never break the task itself
        logger.exception("outbox: could not record %s for message %s", action.__name__, message_id)


def on_task_prerun(sender=None, task_id=None, kwargs=None, **_) -> None:
    _report(sender, task_id, kwargs, task_started)


def on_task_success(sender=None, **_) -> None:
    request = getattr(sender, "request", None)
    _report(sender, getattr(request, "id", None), getattr(request, "kwargs", None), task_finished)


def on_task_retry(sender=None, request=None, reason=None, **_) -> None:
    exc = getattr(reason, "exc", None) or reason
    _report(sender, getattr(request, "id", None), getattr(request, "kwargs", None), task_retrying,
            countdown=_countdown(getattr(reason, "when", None)),
            error=f"retrying: {type(exc).__name__}: {exc}")


def on_task_failure(sender=None, task_id=None, kwargs=None, exception=None, **_) -> None:
    _report(sender, task_id, kwargs, task_failed, error=f"{type(exception).__name__}: {exception}")


def connect_signals() -> None:
    from celery import signals

    signals.task_prerun.connect(on_task_prerun, weak=False, dispatch_uid="outbox-prerun")
    signals.task_success.connect(on_task_success, weak=False, dispatch_uid="outbox-success")
    signals.task_retry.connect(on_task_retry, weak=False, dispatch_uid="outbox-retry")
    signals.task_failure.connect(on_task_failure, weak=False, dispatch_uid="outbox-failure")
