"""Celery tasks: take ids, call one service, own their retries. All are idempotent."""

from __future__ import annotations

from contextlib import suppress

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError

from orders import notifications, services
from orders.models import WebhookDelivery

TRANSIENT = (DatabaseError, InterfaceError, OSError, services.CatalogMoving)


@shared_task(name="orders.generate_quote", bind=True, acks_late=True, max_retries=5,
             autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=60, retry_jitter=True)
def generate_quote(self, quote_id: int) -> str:
    try:
        return services.quote_generate(quote_id=quote_id).status
    except TRANSIENT as exc:
        if self.request.retries >= self.max_retries:
            # Out of retries: the quote says why, retryable, rather than "pricing" for ever
            # (the outbox's republishing, twenty times over, ended with it stuck there).
            # If the database itself is away, the outbox publishes the task again later.
            with suppress(*TRANSIENT):
                services.quote_fail(quote_id=quote_id, reason=(
                    f"pricing could not complete after {self.request.retries + 1} attempts: "
                    f"{type(exc).__name__}: {exc}"))
        raise
    except Exception as exc:
        # A bug or bad data will not fix itself: fail the quote with the reason, retryable.
        services.quote_fail(quote_id=quote_id, reason=f"internal error: {type(exc).__name__}: {exc}")
        raise


@shared_task(name="orders.render_quote_document", acks_late=True, max_retries=5,
             autoretry_for=TRANSIENT, retry_backoff=2)
def render_quote_document(quote_id: int) -> str:
    return services.quote_document_render(quote_id=quote_id).document.name


@shared_task(name="orders.send_quote_email", acks_late=True, max_retries=5,
             autoretry_for=(OSError,), retry_backoff=5)
def send_quote_email(quote_id: int, event: str, attempt: int | None = None) -> bool:
    return notifications.quote_email_send(quote_id=quote_id, event=event, attempt=attempt)


@shared_task(name="orders.deliver_webhook", bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> str:
    """One attempt per run; failed attempts are retried with backoff, counted on the delivery
    (not by Celery), so a run published again by the outbox relay continues the same count."""
    try:
        delivery = notifications.webhook_deliver(delivery_id=delivery_id)
        return delivery.status if delivery is not None else "endpoint deleted"
    except notifications.DeliveryBusy as exc:
        raise self.retry(exc=exc, countdown=exc.wait) from exc
    except notifications.DeliveryFailed as exc:
        attempts = (WebhookDelivery.objects.filter(pk=delivery_id)
                    .values_list("attempts", flat=True).first() or 0)
        if attempts > settings.COREKIT_WEBHOOK_MAX_RETRIES:
            notifications.webhook_give_up(delivery_id=delivery_id)
            return "failed"
        raise self.retry(exc=exc, countdown=webhook_retry_countdown(attempts)) from exc


def webhook_retry_countdown(attempts: int) -> float:
    """Seconds before the next attempt: doubling from COREKIT_WEBHOOK_BACKOFF_S, at most
    COREKIT_LONGEST_COUNTDOWN_S (which the broker's visibility timeout outlasts)."""
    return min(settings.COREKIT_WEBHOOK_BACKOFF_S * 2 ** max(attempts - 1, 0),
               settings.COREKIT_LONGEST_COUNTDOWN_S)


@shared_task(name="orders.expire_quotes")
def expire_quotes() -> int:
    return services.quote_expire_due()
