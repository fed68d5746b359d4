"""What the admin shows to staff who may look but not act.

Found by attacking the admin as a read-only auditor, a sales rep and a staff account in no
group: each saw something its permissions were meant to keep from it.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import OutboxMessage
from orders import webhooks

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(buyer, fake_dns):
    return webhooks.webhook_create(organization=buyer.membership.organization,
                                   url="https://erp.example/hooks")


def test_a_webhook_s_signing_secret_is_shown_only_to_who_may_change_the_endpoint(
        client, auditor, sales_rep, endpoint):
    """An auditor read any customer's secret: enough to sign forged deliveries (an
    `order.created` the customer's ERP would trust)."""
    page = reverse("admin:orders_webhookendpoint_change", args=[endpoint.pk])
    client.force_login(auditor)
    shown = client.get(page)
    assert shown.status_code == 200 and "erp.example/hooks" in shown.content.decode()
    assert endpoint.secret not in shown.content.decode()
    assert "hidden: shown to those who may change this endpoint" in shown.content.decode()
    client.force_login(sales_rep)  # hands it to the customer's IT
    assert endpoint.secret in client.get(page).content.decode()


def test_the_outbox_hides_whose_password_is_reset_from_all_but_superusers(
        client, buyer, sales_rep, auditor, admin_user):
    client.post("/accounts/password_reset/", {"email": admin_user.email or buyer.email})
    message = OutboxMessage.objects.get(task="core.send_password_reset")
    address = message.kwargs["to_email"]
    for who in (sales_rep, auditor):
        client.force_login(who)
        listing = client.get(reverse("admin:core_outboxmessage_changelist")).content.decode()
        detail = client.get(reverse("admin:core_outboxmessage_change", args=[message.pk])).content.decode()
        assert "core.send_password_reset" in listing
        assert address not in listing and address not in detail
        assert "(hidden)" in listing and "(hidden)" in detail
    client.force_login(admin_user)
    assert address in client.get(reverse("admin:core_outboxmessage_changelist")).content.decode()


def test_the_admin_index_shows_the_sales_figures_only_to_who_may_view_quotes_and_orders(
        client, make_user, make_org, auditor, desk):
    assert desk[1].total  # a priced quote this month: the figures have something to show
    bare = make_user("ops", org=make_org("corekit", "internal"), role="buyer")
    bare.is_staff = True
    bare.save()
    client.force_login(bare)
    page = client.get("/admin/").content.decode()
    assert "sales-dashboard" not in page and "Ready this month" not in page
    client.force_login(auditor)
    assert "Ready this month" in client.get("/admin/").content.decode()


def test_a_failure_naming_an_address_is_shown_without_it_to_all_but_superusers(
        client, sales_rep, auditor, admin_user, buyer):
    """A mail server refusing the recipient fails the task with the address in its text
    (SMTPRecipientsRefused), kept as the message's last error, which reps and auditors read."""
    message = OutboxMessage.objects.create(
        task="core.send_password_reset", kwargs={"user_id": buyer.pk, "to_email": buyer.email},
        last_error=f"retrying: SMTPRecipientsRefused: {{'{buyer.email}': (550, b'no such user')}}")
    for who in (sales_rep, auditor):
        client.force_login(who)
        for page in (reverse("admin:core_outboxmessage_changelist"),
                     reverse("admin:core_outboxmessage_change", args=[message.pk])):
            shown = client.get(page).content.decode()
            assert "SMTPRecipientsRefused" in shown and buyer.email not in shown
            assert "(address hidden)" in shown
    client.force_login(admin_user)
    assert buyer.email in client.get(reverse("admin:core_outboxmessage_changelist")).content.decode()
