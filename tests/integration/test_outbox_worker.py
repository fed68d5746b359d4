"""Side effects survive a Redis restart without persistence (real redis-server, real worker).

The outside probe found a webhook delivery left `pending` with 0 attempts for ever after
Redis restarted: the outbox counted a message done once published. Here a ready quote's
e-mail and webhook, and an approved quote's PDF re-render, are published to Redis with
no worker running; Redis restarts empty; a worker with beat then finishes all of them,
each exactly once.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import redis as redis_lib

from core.models import OutboxMessage
from orders import services, webhooks
from orders.models import Quote, QuoteEvent, WebhookDelivery
from tests.factories import family_configuration, load_demo_catalog
from tests.workers import wait_for

pytestmark = pytest.mark.worker

LEASE_S = 2


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _queue_length(server) -> int:
    return redis_lib.Redis.from_url(server.url).llen("celery")


def _all_finished() -> bool:
    return not OutboxMessage.objects.filter(completed_at__isnull=True).exists()


def test_redis_restart_without_persistence_loses_no_side_effect(
        start_worker, redis, buyer, sales_rep, receiver, settings, tmp_path):
    settings.COREKIT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    load_demo_catalog()
    org = buyer.membership.organization
    endpoint = webhooks.webhook_create(organization=org, events=["quote.ready"],
                                       url=f"http://127.0.0.1:{receiver.server_port}/hooks")
    config = family_configuration(org, user=buyer)
    quote, _ = services.quote_request(organization=org, user=buyer,
                                      request=services.QuoteRequest(configuration_id=config.pk,
                                                                    currency="USD"))
    # Priced here (no worker yet): its e-mail and webhook are recorded and published.
    quote = services.quote_generate(quote_id=quote.pk)
    assert quote.status == "ready"
    Quote.objects.filter(pk=quote.pk).update(approval_required=True,
                                             manual_discount_pct=Decimal("8"))
    services.quote_approve(quote=quote, user=sales_rep)  # the approved PDF is to be re-rendered
    first_document = Quote.objects.get(pk=quote.pk).document.name

    tasks = set(OutboxMessage.objects.values_list("task", flat=True))
    assert {"orders.send_quote_email", "orders.deliver_webhook",
            "orders.render_quote_document"} <= tasks
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()  # all published
    assert _queue_length(redis) >= 4
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == "pending" and delivery.attempts == 0

    redis.stop()
    redis.start()  # --save '' --appendonly no: it comes back empty
    assert _queue_length(redis) == 0

    start_worker("after-restart", beat=True, COREKIT_OUTBOX_STALE_SECONDS=str(LEASE_S),
                 COREKIT_OUTBOX_RELAY_SECONDS="0.5", COREKIT_WEBHOOK_ALLOWED_HOSTS="127.0.0.1")
    wait_for(_all_finished, timeout=120, what="every outbox message to finish")

    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    expected = hmac.new(endpoint.secret.encode(), headers["X-Corekit-Timestamp"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    assert headers["X-Corekit-Signature"] == f"sha256={expected}"
    assert QuoteEvent.objects.filter(quote=quote, kind="email:quote.ready").count() == 1
    assert QuoteEvent.objects.filter(quote=quote, kind="email:quote.approved").count() == 1
    mails = sorted(m.read_text() for m in (tmp_path / "mail").glob("*.log"))
    assert len(mails) == 2  # "ready" and, after the approval, "approved": each exactly once
    assert sum("is ready" in m for m in mails) == 1 and sum("is approved" in m for m in mails) == 1
    rendered = Quote.objects.get(pk=quote.pk).document
    assert rendered.name != first_document and rendered.read(4) == b"%PDF"

    # Run every task once more (as a second stale-requeue would): nothing is sent twice.
    OutboxMessage.objects.update(completed_at=None)
    wait_for(_all_finished, timeout=120, what="the re-runs to finish")
    assert len(receiver.received) == 1
    assert len(list((tmp_path / "mail").glob("*.log"))) == 2
    assert QuoteEvent.objects.filter(quote=quote, kind="email:quote.ready").count() == 1
