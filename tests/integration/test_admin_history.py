"""The admin's history pages are a record to read: no past version can be posted back as the
current object, by a read-only auditor (who could otherwise rewrite a customer's terms) or by
a sales rep (who could bring a closed quote back past the quote's state machine)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import CommercialTerms
from orders import services
from orders.domain import quote_states as S
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db


def _version_page(admin_name: str, obj, version) -> str:
    return reverse(f"admin:{admin_name}_simple_history", args=[obj.pk, version.history_id])


def test_an_auditor_reads_a_past_version_of_the_terms_and_cannot_post_it_back(client, auditor, buyer):
    terms = CommercialTerms.objects.create(organization=buyer.membership.organization,
                                           agreed_price_down_pct=Decimal("1.00"))
    version = terms.history.get()
    url = _version_page("core_commercialterms", terms, version)
    client.force_login(auditor)
    page = client.get(url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content and b"Revert" not in page.content
    form = {"organization": terms.organization_id, "legal_name": "", "address": "",
            "default_currency": "EUR", "agreed_price_down_pct": "10",
            "discount_approval_threshold_pct": "99.99", "incoterms": "FCA",
            "incoterms_place": "", "payment_terms_days": "60"}
    assert client.post(url, form).status_code == 403
    terms.refresh_from_db()
    assert terms.agreed_price_down_pct == Decimal("1.00")
    assert terms.discount_approval_threshold_pct == Decimal("5.00")
    assert terms.history.count() == 1


def test_a_sales_rep_cannot_bring_a_rejected_quote_back_through_its_history(client, sales_rep, buyer):
    load_demo_catalog()
    configuration = family_configuration(buyer.membership.organization, user=buyer)
    quote, _ = services.quote_request(
        organization=buyer.membership.organization, user=buyer,
        request=services.QuoteRequest(configuration_id=configuration.pk, currency="EUR"))
    quote = services.quote_generate(quote_id=quote.pk)
    quote = services.quote_send(quote=quote, user=sales_rep)
    sent = quote.history.filter(status=S.SENT).first()
    services.quote_reject(quote=quote, user=buyer)
    client.force_login(sales_rep)
    url = _version_page("orders_quote", quote, sent)
    assert client.get(url).status_code == 200
    assert client.post(url, {"status": S.SENT, "_save": "Revert"}).status_code == 403
    quote.refresh_from_db()
    assert quote.status == S.REJECTED
    # The history list offers no revert either.
    listing = client.get(reverse("admin:orders_quote_history", args=[quote.pk]))
    assert b"revert" not in listing.content.lower()
