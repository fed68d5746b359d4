"""No task waits longer for its countdown than Redis keeps it unacknowledged: a task held
past the visibility timeout is delivered again, and would run twice (a webhook's retry
chain doubled, and again every timeout)."""

from __future__ import annotations

from django.conf import settings

from config.celery_app import app


def _visibility_timeout() -> int:
    return settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]


def test_the_visibility_timeout_outlasts_the_longest_countdown_and_a_run():
    assert _visibility_timeout() >= settings.COREKIT_LONGEST_COUNTDOWN_S + settings.CELERY_TASK_TIME_LIMIT


def test_every_retry_schedule_stays_within_the_longest_countdown():
    from orders.tasks import webhook_retry_countdown

    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert "orders.deliver_webhook" in ours
    for name, task in ours.items():
        if getattr(task, "retry_backoff", False):  # Celery's own default cap: 600 s
            assert getattr(task, "retry_backoff_max", 600) <= settings.COREKIT_LONGEST_COUNTDOWN_S, name
        assert (task.default_retry_delay or 0) <= settings.COREKIT_LONGEST_COUNTDOWN_S, name
    # The webhook's own schedule: past the old 600 s timeout from its seventh attempt on.
    waits = [webhook_retry_countdown(n) for n in range(1, settings.COREKIT_WEBHOOK_MAX_RETRIES + 1)]
    assert max(waits) > 600
    assert max(waits) + settings.CELERY_TASK_TIME_LIMIT <= _visibility_timeout()
