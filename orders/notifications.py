"""E-mail to the requester and signed webhooks to the organization's endpoints."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from core import clock, outbox
from orders.models import Quote, QuoteEvent, WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "X-Corekit-Signature"
TIMESTAMP_HEADER = "X-Corekit-Timestamp"
EVENT_HEADER = "X-Corekit-Event"
DELIVERY_HEADER = "X-Corekit-Delivery"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>"; receivers recompute it and reject stale timestamps."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def queue_webhooks(*, organization, event: str, event_id: str, payload: dict) -> list[WebhookDelivery]:
    """One delivery per subscribed endpoint, recorded now and sent by a task after commit."""
    deliveries = []
    for endpoint in WebhookEndpoint.objects.filter(organization=organization, active=True):
        if not endpoint.wants(event):
            continue
        delivery, created = WebhookDelivery.objects.get_or_create(
            endpoint=endpoint, event_id=event_id,
            defaults={"event": event, "payload": {"id": event_id, "event": event, "data": payload}},
        )
        if created:
            outbox.enqueue("orders.deliver_webhook", delivery_id=delivery.pk)
            deliveries.append(delivery)
    return deliveries


class DeliveryFailed(Exception):
    """The endpoint did not answer 2xx; the task retries with backoff."""


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status == WebhookDelivery.Status.DELIVERED:
        return delivery
    if not delivery.endpoint.url.lower().startswith(("https://", "http://")):
        # URLField also admits ftp(s); a webhook is an HTTP POST and nothing else.
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.last_error = "only http(s) webhook URLs are delivered"
        delivery.save(update_fields=["status", "last_error"])
        return delivery
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(clock.now().timestamp()))
    request = urllib.request.Request(
        delivery.endpoint.url, data=body, method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "corekit-webhooks/1",
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: delivery.event_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(delivery.endpoint.secret, timestamp, body),
        },
    )
    delivery.attempts += 1
    try:
        # The scheme was checked above: http or https only.
        with urllib.request.urlopen(request, timeout=settings.COREKIT_WEBHOOK_TIMEOUT_S) as response:  # nosec B310
            delivery.response_code = response.status
    except urllib.error.HTTPError as exc:
        delivery.response_code = exc.code
        delivery.last_error = f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        delivery.response_code = None
        delivery.last_error = str(getattr(exc, "reason", exc))[:2000]
    if delivery.response_code and 200 <= delivery.response_code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = clock.now()
        delivery.last_error = ""
    delivery.save()
    if delivery.status != WebhookDelivery.Status.DELIVERED:
        raise DeliveryFailed(delivery.last_error)
    return delivery


def webhook_give_up(*, delivery_id: int) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id).exclude(
        status=WebhookDelivery.Status.DELIVERED
    ).update(status=WebhookDelivery.Status.FAILED)


def quote_email_send(*, quote_id: int, event: str) -> bool:
    """E-mail the requester once per quote and event (a re-run of the task sends nothing)."""
    quote = Quote.objects.select_related("requested_by").get(pk=quote_id)
    user = quote.requested_by
    if user is None or not user.email:
        return False
    kind = f"email:{event}"
    with transaction.atomic():
        if QuoteEvent.objects.select_for_update().filter(quote=quote, kind=kind).exists():
            return False
        QuoteEvent.objects.create(quote=quote, at=clock.now(), kind=kind, actor="worker",
                                  detail=user.email)
        if event == "quote.ready" and quote.approval_pending:
            # Terms below the agreement: no final price until sales approves them.
            subject = f"Quote {quote.number} v{quote.version} is awaiting approval"
            body = (f"Your quote {quote.number} (version {quote.version}) is priced and awaiting "
                    f"approval by corekit sales ({quote.approval_reason}).\n"
                    f"We will tell you when it is approved; until then it cannot be accepted.")
        elif event == "quote.approved":
            subject = f"Quote {quote.number} v{quote.version} is approved"
            body = (f"corekit sales approved the terms of your quote {quote.number} "
                    f"(version {quote.version}): {quote.total} {quote.currency}, valid until "
                    f"{quote.valid_until}.\nOpen it in corekit to download the PDF and accept it.")
        elif event == "quote.ready":
            subject = f"Quote {quote.number} v{quote.version} is ready"
            body = (f"Your quote {quote.number} (version {quote.version}) is ready: "
                    f"{quote.total} {quote.currency}, valid until {quote.valid_until}.\n"
                    f"Open it in corekit to download the PDF and accept it.")
        else:
            subject = f"Quote {quote.number} v{quote.version} could not be produced"
            body = (f"We could not produce quote {quote.number} (version {quote.version}):\n"
                    f"{quote.failure_reason}\nYou can fix the configuration and retry.")
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
