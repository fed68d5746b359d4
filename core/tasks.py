from celery import shared_task

from core import outbox


@shared_task(name="core.ping", ignore_result=False)
def ping() -> str:
    """A no-op round trip: the baseline the quote benchmark is measured against."""
    return "pong"


@shared_task(name="core.relay_outbox")
def relay_outbox() -> dict[str, int]:
    """Publish the outbox messages recorded while the broker was unreachable, and publish
    again those whose task has not finished in time (lost by the broker, or by
    a worker that died)."""
    return outbox.relay()
