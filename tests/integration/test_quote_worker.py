"""Quotes end to end on a real redis-server and real Celery worker processes.

No eager mode: requests go through the API, tasks through Redis, work through
`celery worker` processes on the test database. Failures are real too: a worker
killed with SIGKILL mid-quote, Redis stopped while a quote is requested.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from core.models import CommercialTerms, OutboxMessage
from orders.models import Order, Quote, QuoteEvent, WebhookDelivery
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog
from tests.workers import wait_for

pytestmark = pytest.mark.worker


def _quote_status(pk: int) -> str:
    return Quote.objects.filter(pk=pk).values_list("status", flat=True).first()


def test_request_to_ready_to_order(start_worker, buyer, buyer_api, tmp_path):
    config = family_configuration(buyer.membership.organization, user=buyer)
    # The supply agreement grants 2 % a year: asking for it needs no approval.
    CommercialTerms.objects.create(organization=config.organization,
                                   agreed_price_down_pct=Decimal("2"))
    start_worker()
    request = {"configuration": config.pk, "currency": "KRW", "annual_price_down_pct": "2"}
    response = buyer_api.post("/api/v1/quotes/", request, format="json",
                              HTTP_IDEMPOTENCY_KEY="req-1")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["dispatch"] == "dispatched"
    assert body["approval"] == "not_needed"
    assert response["Location"] == f"/api/v1/quotes/{body['id']}/"
    again = buyer_api.post("/api/v1/quotes/", request, format="json", HTTP_IDEMPOTENCY_KEY="req-1")
    assert again.json()["id"] == body["id"]
    other_body = buyer_api.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "KRW"},
                                format="json", HTTP_IDEMPOTENCY_KEY="req-1")
    assert other_body.status_code == 409

    wait_for(lambda: _quote_status(body["id"]) == "ready", timeout=60, what="the quote to be ready")
    quote = buyer_api.get(response["Location"]).json()
    assert [y["year"] for y in quote["years"]] == [2028, 2029, 2030, 2031, 2032]
    assert quote["total"] == f"{sum(int(y['amount']) for y in quote['years'])}.00"
    assert quote["compliance"]["policy"]["code"] == "china-excluded"
    pdf = buyer_api.get(f"/api/v1/quotes/{body['id']}/document/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content)[:4] == b"%PDF"
    # The requester is told by e-mail, once.
    wait_for(lambda: QuoteEvent.objects.filter(quote_id=body["id"], kind="email:quote.ready").exists(),
             what="the ready e-mail")
    mails = list((tmp_path / "mail").glob("*.log"))
    assert len(mails) == 1 and "is ready" in mails[0].read_text()

    accepted = buyer_api.post(f"/api/v1/quotes/{body['id']}/accept/", PLACE_ORDER, format="json")
    assert accepted.status_code == 201
    order = accepted.json()
    assert [d["year"] for d in order["deliveries"]] == [2028, 2029, 2030, 2031, 2032]
    repeat = buyer_api.post(f"/api/v1/quotes/{body['id']}/accept/", PLACE_ORDER, format="json")
    assert repeat.status_code == 200 and repeat.json()["id"] == order["id"]
    assert buyer_api.get("/api/v1/orders/").json()["count"] == 1


def test_worker_killed_mid_quote_completes_once_on_a_new_worker(start_worker, buyer):
    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    fast_recovery = {"COREKIT_BROKER_VISIBILITY_TIMEOUT": "3", "COREKIT_OUTBOX_STALE_SECONDS": "3",
                     "COREKIT_OUTBOX_RELAY_SECONDS": "1"}
    slow = start_worker("slow", COREKIT_FAULT_QUOTE_DELAY_S="60", **fast_recovery)
    from orders.services import QuoteRequest, quote_request

    quote, _ = quote_request(organization=config.organization, user=buyer,
                             request=QuoteRequest(configuration_id=config.pk, currency="USD"))
    wait_for(lambda: _quote_status(quote.pk) == "pricing", timeout=60, what="pricing to start")
    slow.kill()  # SIGKILL: no ack, no cleanup; the quote is left in 'pricing'
    assert _quote_status(quote.pk) == "pricing"

    start_worker("rescue", beat=True, **fast_recovery)
    wait_for(lambda: _quote_status(quote.pk) == "ready", timeout=90, what="the quote to complete")
    quote.refresh_from_db()
    assert quote.attempts >= 2
    assert quote.events.filter(kind="ready").count() == 1
    assert quote.document.read(4) == b"%PDF"
    assert Quote.objects.filter(number=quote.number).count() == 1


def test_redis_down_at_request_time_is_dispatched_when_it_returns(start_worker, buyer, buyer_api, redis):
    config = family_configuration(buyer.membership.organization, user=buyer)
    redis.stop()
    started = time.monotonic()
    response = buyer_api.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "EUR"},
                              format="json")
    assert time.monotonic() - started < 10, "the request must not hang on a dead broker"
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["dispatch"] == "deferred"
    pending = OutboxMessage.objects.get(kwargs__quote_id=body["id"])
    assert pending.dispatched_at is None and pending.last_error

    redis.start()
    start_worker("after-outage", beat=True, COREKIT_OUTBOX_RELAY_SECONDS="0.5")
    wait_for(lambda: _quote_status(body["id"]) == "ready", timeout=90, what="the deferred quote")
    assert buyer_api.get(f"/api/v1/quotes/{body['id']}/").json()["dispatch"] == "dispatched"


class _Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(204 if len(self.received) > 1 else 503)  # first attempt fails
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhooks_are_signed_retried_and_logged(start_worker, buyer, buyer_api, settings):
    settings.COREKIT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the receiver is local
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hook = buyer_api.post("/api/v1/webhooks/", {
            "url": f"http://127.0.0.1:{server.server_port}/hooks", "events": ["quote.ready"],
        }, format="json").json()
        config = family_configuration(buyer.membership.organization, user=buyer)
        start_worker(COREKIT_WEBHOOK_BACKOFF_S="0.5", COREKIT_WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
        quote = buyer_api.post("/api/v1/quotes/", {"configuration": config.pk, "currency": "USD"},
                               format="json").json()
        delivery = wait_for(
            lambda: WebhookDelivery.objects.filter(status="delivered").first(), timeout=60,
            what="the webhook to be delivered",
        )
    finally:
        server.shutdown()
    assert delivery.attempts == 2 and delivery.event == "quote.ready"
    headers, body = _Receiver.received[-1]
    expected = hmac.new(hook["secret"].encode(),
                        headers["X-Corekit-Timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Corekit-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["event"] == "quote.ready" and payload["data"]["id"] == quote["id"]
    assert payload["id"] == f"quote.ready:{quote['id']}"


@pytest.mark.postgres
def test_twenty_concurrent_accepts_make_one_order(transactional_db, buyer):
    from django.db import connection

    from orders import services

    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = services.quote_request(organization=config.organization, user=buyer,
                                      request=services.QuoteRequest(configuration_id=config.pk,
                                                                    currency="KRW"))
    services.quote_generate(quote_id=quote.pk)
    barrier = threading.Barrier(20)
    results, errors = [], []

    def accept():
        try:
            barrier.wait()
            order, created = services.quote_accept(quote=quote, user=buyer, **PLACE_ORDER)
            results.append((order.pk, created))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 20
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Order.objects.count() == 1
