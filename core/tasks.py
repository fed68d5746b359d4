from celery import shared_task

from core import outbox, services


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


@shared_task(name="core.send_password_reset", acks_late=True, max_retries=8,
             autoretry_for=(OSError,), retry_backoff=5)
def send_password_reset(**message) -> bool:
    """A password-reset e-mail recorded by the reset form (the mail server's failures retried)."""
    return services.password_reset_email_send(**message)
