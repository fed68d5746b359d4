"""The Celery app: Redis broker, JSON only, late acks so a killed worker's task runs again."""

import os

from celery import Celery, Task, signals
from celery.worker.request import Request

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")


class OwnLimitsRequest(Request):
    """A task run under its own time limits (CELERY_TASK_TIME_LIMIT, the task's), never the
    ones its message carries. The product sets none per message; whoever can write to the
    broker could, and a copy of a quote's message with a soft limit of half a second failed
    the quote ("internal error: SoftTimeLimitExceeded"), while a huge one would have let a
    task outlive the broker's visibility timeout and run on a second worker as well."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.time_limits = (None, None)  # the task's and the worker's limits apply


class ProductTask(Task):
    Request = OwnLimitsRequest


app = Celery("corekit", task_cls=ProductTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect(weak=False, dispatch_uid="corekit-db-prerun")
@signals.task_postrun.connect(weak=False, dispatch_uid="corekit-db-postrun")
def recycle_database_connections(sender=None, **_) -> None:
    """Treat a task like a request: keep the connection unless it broke or is too old.

    Celery's Django fix-up would close every connection around every task (a new
    PostgreSQL backend per task, ~6 ms of both sides' CPU); settings set
    CELERY_DB_REUSE_MAX so it does not, and this applies CONN_MAX_AGE and
    CONN_HEALTH_CHECKS instead, as Django does between requests. A task run eagerly, or
    inside a transaction, is part of its caller's unit of work: its connection is left be.
    """
    from django.db import close_old_connections, connections

    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    if any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        return
    close_old_connections()


@signals.worker_init.connect(weak=False, dispatch_uid="corekit-no-builtin-tasks")
def refuse_celery_builtin_tasks(sender=None, **_) -> None:
    """A worker runs the product's tasks only. Celery's own (`celery.starmap`, `celery.map`,
    `celery.chunks`, `celery.chord_unlock`, ...) would run any registered task many times
    over from one message, or re-queue themselves for good; the product uses none of them
    (no groups, chords or chains), and whoever can write to the broker could. A message for
    one is now refused as an unregistered task."""
    for name in [name for name in app.tasks if name.startswith("celery.")]:
        app.tasks.unregister(name)


#: Remote-control commands a worker answers: /health/workers/ pings, `celery inspect` reads.
#: Those that act (shutdown, pool_restart, revoke, rate_limit, time_limit, cancel_consumer,
#: ...) are a Redis PUBLISH away for whoever can write to it, and nothing in the product
#: uses them; workers are stopped and scaled by their process manager (SIGTERM: a warm
#: shutdown), as docs/deployment.md says.
#: Not `hello` either: mingle's greeting, it merges the revoked task ids it carries (a
#: `revoke` by another name), and workers run without mingle (Procfile).
REMOTE_CONTROL_ANSWERED = frozenset({
    "ping", "heartbeat", "clock", "stats", "report", "active", "active_queues",
    "reserved", "scheduled", "registered", "revoked", "query_task",
})


@signals.worker_init.connect(weak=False, dispatch_uid="corekit-read-only-remote-control")
def answer_read_only_remote_control(sender=None, **_) -> None:
    from celery.worker.control import Panel

    for name in [name for name in Panel.data if name not in REMOTE_CONTROL_ANSWERED]:
        del Panel.data[name]
