"""A change of an order's status reaches its buyer: page, API, webhook and e-mail.

Before, sales could cancel an order (its capacity released for other buyers) and the buyer
learned nothing: the order page said "Cancelled" with no date or reason, no webhook was
sent (partners kept planning deliveries), no e-mail reached the requester.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.models import OutboxMessage
from orders import notifications, services
from orders.models import Order, WebhookDelivery, WebhookEndpoint
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog, priced_quote

REASON = "program stopped by the customer's board <b>on 2026-11-20</b>"


@pytest.fixture
def order(buyer, settings):
    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer,
                                  schedule=[(2028, 1_000), (2029, 1_200)])
    placed, _ = services.quote_accept(quote=priced_quote(config, user=buyer), user=buyer, **PLACE_ORDER)
    return placed


def test_each_change_of_status_is_a_webhook_to_the_endpoints_that_want_it(order, sales_rep):
    everything = WebhookEndpoint.objects.create(organization=order.organization, secret="s" * 40,
                                                url="https://erp.example/all", events=[])
    created_only = WebhookEndpoint.objects.create(organization=order.organization, secret="s" * 40,
                                                  url="https://erp.example/new", events=["order.created"])
    services.order_status_change(order=order, status=Order.Status.IN_DELIVERY, user=sales_rep)
    services.order_status_change(order=order, status=Order.Status.CANCELLED, user=sales_rep,
                                 reason=REASON)

    sent = list(WebhookDelivery.objects.filter(endpoint=everything).order_by("id"))
    assert [d.event_id for d in sent] == [f"order.status_changed:{order.pk}:in_delivery",
                                          f"order.status_changed:{order.pk}:cancelled"]
    data = sent[1].payload["data"]
    assert (data["number"], data["status"], data["previous_status"]) == (order.number, "cancelled",
                                                                         "in_delivery")
    assert data["status_reason"] == REASON and data["status_changed_at"]
    assert sent[0].payload["data"]["status_reason"] == ""
    assert not WebhookDelivery.objects.filter(endpoint=created_only).exists()
    assert OutboxMessage.objects.filter(task="orders.deliver_webhook").count() == 2


def test_the_requester_is_mailed_once_per_change_with_the_reason(order, sales_rep, mailoutbox):
    services.order_status_change(order=order, status=Order.Status.CANCELLED, user=sales_rep,
                                 reason=REASON)
    queued = OutboxMessage.objects.get(task="orders.send_quote_email", kwargs__event="order.cancelled")
    assert queued.kwargs["quote_id"] == order.quote_id
    assert notifications.quote_email_send(**queued.kwargs)
    assert not notifications.quote_email_send(**queued.kwargs)  # a re-run sends nothing
    [mail] = mailoutbox
    assert mail.to == [order.quote.requested_by.email]
    assert mail.subject == f"Order {order.number} is cancelled"
    assert REASON in mail.body and "PO PO-4711" in mail.body


def test_the_buyer_sees_when_and_why_on_the_page_and_in_the_api(order, buyer, sales_rep, client):
    client.force_login(buyer)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert "cancel-reason" not in page
    services.order_status_change(order=order, status=Order.Status.CANCELLED, user=sales_rep,
                                 reason=REASON)
    order.refresh_from_db()
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert f"Cancelled since {order.status_changed_at:%Y-%m-%d}" in page
    assert "program stopped by the customer&#x27;s board &lt;b&gt;on 2026-11-20&lt;/b&gt;" in page

    from core.services import api_key_create

    key = api_key_create(organization=order.organization, name="erp")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key.raw_key}")
    body = api.get(f"/api/v1/orders/{order.pk}/").json()
    assert (body["status"], body["status_reason"]) == ("cancelled", REASON)
    assert body["status_changed_at"].startswith(f"{order.status_changed_at:%Y-%m-%d}")


def test_a_refused_change_sends_nothing(order, sales_rep):
    WebhookEndpoint.objects.create(organization=order.organization, secret="s" * 40,
                                   url="https://erp.example/all", events=[])
    services.order_status_change(order=order, status=Order.Status.CANCELLED, user=sales_rep,
                                 reason="duplicate order")
    from core.errors import Conflict

    with pytest.raises(Conflict):
        services.order_status_change(order=order, status=Order.Status.IN_DELIVERY, user=sales_rep)
    assert WebhookDelivery.objects.count() == 1
    assert OutboxMessage.objects.filter(task="orders.send_quote_email",
                                        kwargs__event__startswith="order.").count() == 1


def test_each_mail_tells_its_own_change_even_when_sent_after_the_next_one(order, sales_rep, mailoutbox):
    """Built from the order's status when the worker sent it: marked in delivery, then
    cancelled before the first mail went (outbox delay, Redis away), the buyer got two
    "cancelled" mails and never "in delivery"."""
    services.order_status_change(order=order, status=Order.Status.IN_DELIVERY, user=sales_rep)
    services.order_status_change(order=order, status=Order.Status.CANCELLED, user=sales_rep,
                                 reason=REASON)
    for message in OutboxMessage.objects.filter(task="orders.send_quote_email").order_by("id"):
        notifications.quote_email_send(**message.kwargs)
    assert [m.subject for m in mailoutbox][-2:] == [f"Order {order.number} is in delivery",
                                                    f"Order {order.number} is cancelled"]
    assert REASON not in mailoutbox[-2].body and REASON in mailoutbox[-1].body


def test_the_home_page_says_an_order_was_cancelled(order, buyer, sales_rep, client):
    client.force_login(buyer)
    assert "was cancelled" not in client.get("/").content.decode()
    services.order_status_change(order=order, status=Order.Status.CANCELLED, user=sales_rep,
                                 reason=REASON)
    home = client.get("/").content.decode()
    assert f"Order {order.number} was cancelled by corekit sales on" in home


def test_the_quote_page_of_a_cancelled_order_says_so(order, buyer, sales_rep, client):
    services.order_status_change(order=order, status=Order.Status.CANCELLED, user=sales_rep,
                                 reason="Supplier plant fire; program re-sourced.")
    order.refresh_from_db()
    client.force_login(buyer)
    when = f"{order.status_changed_at:%Y-%m-%d}"
    quote_page = client.get(f"/quotes/{order.quote_id}/").content.decode()
    assert f"Order {order.number} (cancelled {when})" in quote_page
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert (f"Cancelled by corekit sales on {when}. Reason given: Supplier plant fire; "
            "program re-sourced.<br>") in page
    assert "re-sourced.." not in page
