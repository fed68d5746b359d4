"""E-mail to the requester and signed webhooks to the organization's endpoints."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q

from core import clock, outbox, ssrf
from core.compiled import CompiledQuery
from core.domain.money import format_money
from orders.models import Order, Quote, QuoteEvent, WebhookDelivery, WebhookEndpoint, order_event_kind

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Corekit-Signature"
TIMESTAMP_HEADER = "X-Corekit-Timestamp"
EVENT_HEADER = "X-Corekit-Event"
DELIVERY_HEADER = "X-Corekit-Delivery"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over "<timestamp>.<body>"; receivers recompute it and reject stale timestamps."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


# Read on every quote event (the worker's too): its SQL built once per process.
_ACTIVE_ENDPOINTS = CompiledQuery(
    lambda organization: WebhookEndpoint.objects.filter(organization=organization, active=True))


def queue_webhooks(*, organization, event: str, event_id: str, payload: dict) -> list[WebhookDelivery]:
    """One delivery per subscribed endpoint, recorded now and sent by a task after commit."""
    deliveries = []
    for endpoint in _ACTIVE_ENDPOINTS.rows(organization=organization):
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
    """The attempt failed (no 2xx answer, refused address, network error); retried with backoff."""


class DeliveryBusy(Exception):
    """Another run is attempting this delivery right now; try again after `wait` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"another attempt is under way; retry in {wait:.0f}s")
        self.wait = wait


def _claim(delivery_id: int) -> bool:
    """Take the delivery for one attempt, so two runs of its task never POST at once."""
    now = clock.now()
    hold = dt.timedelta(seconds=settings.COREKIT_WEBHOOK_TIMEOUT_S * 2 + 10)
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        .filter(Q(in_flight_until__isnull=True) | Q(in_flight_until__lt=now))
        .update(in_flight_until=now + hold)
    )


def webhook_deliver(*, delivery_id: int, resolver: ssrf.Resolver | None = None) -> WebhookDelivery | None:
    """One attempt. Idempotent: a delivered (or given-up) delivery is never sent again.

    The URL is checked again here (the SSRF guard at delivery: the host's addresses are
    resolved now and the connection goes to the address that was checked); a redirect is
    a failed attempt, never followed.
    """
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:  # its endpoint was deleted, and its deliveries with it: nothing to send
        return None
    if delivery.status != WebhookDelivery.Status.PENDING:
        return delivery
    if not _claim(delivery_id):
        delivery.refresh_from_db()
        if delivery.status != WebhookDelivery.Status.PENDING:
            return delivery
        wait = (delivery.in_flight_until - clock.now()).total_seconds() if delivery.in_flight_until else 1
        raise DeliveryBusy(max(wait, 1.0))
    delivery.refresh_from_db()
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(clock.now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "corekit-webhooks/1",
        EVENT_HEADER: delivery.event,
        DELIVERY_HEADER: delivery.event_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(delivery.endpoint.secret, timestamp, body),
    }
    delivery.attempts += 1
    delivery.response_code = None
    try:
        target = ssrf.check_url(delivery.endpoint.url, resolver=resolver)
        status, reason = ssrf.post(target, body=body, headers=headers,
                                   timeout=settings.COREKIT_WEBHOOK_TIMEOUT_S)
    except ssrf.UnsafeURL as exc:
        delivery.last_error = f"refused: {exc}"[:2000]
    except (OSError, http.client.HTTPException) as exc:
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    else:
        delivery.response_code = status
        if 300 <= status < 400:
            delivery.last_error = f"HTTP {status} {reason}: redirects are not followed"
        elif not 200 <= status < 300:
            delivery.last_error = f"HTTP {status} {reason}"[:2000]
    if delivery.response_code and 200 <= delivery.response_code < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = clock.now()
        delivery.last_error = ""
    delivery.in_flight_until = None
    delivery.save(update_fields=["attempts", "response_code", "last_error", "status",
                                 "delivered_at", "in_flight_until"])
    if delivery.status != WebhookDelivery.Status.DELIVERED:
        raise DeliveryFailed(delivery.last_error)
    return delivery


def webhook_give_up(*, delivery_id: int) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id).exclude(
        status=WebhookDelivery.Status.DELIVERED
    ).update(status=WebhookDelivery.Status.FAILED, in_flight_until=None)


def _order_status_mail(order, status: str) -> tuple[str, str]:
    """The mail for the change to `status` (the event's, not the order's status when the
    worker sends it: in delivery then cancelled before the first mail went gave two
    "cancelled" mails and no "in delivery")."""
    label = order.Status(status).label.lower()
    subject = f"Order {order.number} is {label}"
    body = f"Your order {order.number} (PO {order.po_number or '—'}) is {label}"
    if status == order.Status.CANCELLED:
        body += (f".\nReason given by corekit sales: {order.status_reason}\n"
                 "The capacity it had booked is released; your sales contact can tell you more.")
    else:
        body += ".\nOpen it in corekit to see its delivery schedule."
    return subject, body


#: The quote trail's record of what each e-mail announces (orders.services records them).
_TRAIL_KIND = {"quote.ready": "ready", "quote.approved": "approved", "quote.failed": "failed"}


def _trail_records(quote: Quote, event: str, attempt) -> bool:
    """Whether the quote's trail records what the e-mail would announce. The task's
    arguments come from the broker, which whoever can write to Redis can forge: an
    "approved" mail for a quote still awaiting approval showed the buyer the price sales had
    not yet agreed, and any made-up event or attempt number mailed again and again."""
    if event.startswith("order."):
        status = event.removeprefix("order.")
        kind = order_event_kind(status) if status in Order.Status.values else None
    else:
        kind = _TRAIL_KIND.get(event)
    if kind is None:
        return False
    if event == "quote.failed":  # one mail per pricing attempt that failed (0: it failed
        # before its first attempt was counted, e.g. the database away for every run)
        if not (type(attempt) is int and 0 <= attempt <= quote.attempts):
            return False
    elif attempt is not None:
        return False
    return QuoteEvent.objects.filter(quote=quote, kind=kind).exists()


def quote_email_send(*, quote_id: int, event: str, attempt: int | None = None) -> bool:
    """E-mail the requester once per quote and event (a re-run of the task sends nothing);
    a failure once per pricing attempt that failed. `order.<status>`: its order's change of
    status (each status is reached at most once). Only what the quote's trail records is
    announced (`_trail_records`)."""
    quote = Quote.objects.select_related("requested_by").get(pk=quote_id)
    user = quote.requested_by
    if user is None or not user.email:
        return False
    if not _trail_records(quote, event, attempt):
        logger.warning("quote %s: no %r%s in its trail; e-mail not sent", quote_id, event,
                       f" (attempt {attempt!r})" if attempt is not None else "")
        return False
    kind = f"email:{event}" + (f"#{attempt}" if attempt else "")
    with transaction.atomic():
        # Two runs of the task (the outbox publishes again what has not finished) must not
        # both find "not sent yet": a no-op write locks the quote row (PostgreSQL) or the
        # database (SQLite) until this transaction ends, so the second run waits, then sees
        # the first one's record.
        Quote.objects.filter(pk=quote_id).update(number=F("number"))
        if QuoteEvent.objects.filter(quote=quote, kind=kind).exists():
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
                    f"(version {quote.version}): {format_money(quote.total, quote.currency)}, valid until "
                    f"{quote.valid_until}.\nOpen it in corekit to download the PDF and accept it.")
        elif event == "quote.ready":
            subject = f"Quote {quote.number} v{quote.version} is ready"
            body = (f"Your quote {quote.number} (version {quote.version}) is ready: "
                    f"{format_money(quote.total, quote.currency)}, valid until {quote.valid_until}.\n"
                    f"Open it in corekit to download the PDF and accept it.")
        elif event.startswith("order."):
            subject, body = _order_status_mail(quote.order, event.removeprefix("order."))
        else:
            subject = f"Quote {quote.number} v{quote.version} could not be produced"
            body = (f"We could not produce quote {quote.number} (version {quote.version}):\n"
                    f"{quote.failure_reason}\nYou can fix the configuration and retry.")
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True
