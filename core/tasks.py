from celery import shared_task


@shared_task(name="core.ping")
def ping() -> str:
    """A no-op round trip: the baseline the quote benchmark is measured against."""
    return "pong"
