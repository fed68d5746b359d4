"""Four eyes on terms below the agreement: the sales rep who sets them does not approve them.

Found by attacking the rule: a rep raised the customer's discount threshold to 60 % in the
admin, then re-quoted at 50 %, and the quote was offered with no one else looking; a second
rep re-pricing the first rep's 20 % unchanged handed the approval back to the first; a rep
re-pricing a buyer's own price-down was told they had set it, and could not approve it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from core.errors import Conflict
from core.models import TermsChange
from core.services import terms_change_approve
from orders import services
from orders.models import Quote
from tests.integration.quote_desk import desk_action

pytestmark = pytest.mark.django_db

TERMS_FORM = {"legal_name": "Aurora Motors, Inc.", "address": "1200 Innovation Drive",
              "default_currency": "KRW", "agreed_price_down_pct": "0", "incoterms": "FCA",
              "incoterms_place": "", "payment_terms_days": "60"}


def _set_threshold(client, organization, threshold: str, approver) -> None:
    """A rep raises the threshold in the admin, and another rep approves the raise."""
    response = client.post(reverse("admin:core_commercialterms_add"),
                           {**TERMS_FORM, "organization": organization.pk,
                            "discount_approval_threshold_pct": threshold})
    assert response.status_code == 302
    terms_change_approve(change=TermsChange.objects.get(organization=organization, status="pending"),
                         user=approver)


def test_a_rep_who_raised_the_threshold_cannot_use_the_raise_alone(desk, buyer, sales_rep, second_rep):
    client, quote = desk
    _set_threshold(client, buyer.membership.organization, "60", approver=second_rep)
    desk_action(client, "requote", [quote], manual_discount_pct="50", annual_price_down_pct="", apply="1")
    v2 = services.quote_generate(quote_id=Quote.objects.get(number=quote.number, version=2).pk)
    assert v2.approval_required and v2.status == Quote.Status.READY
    assert "above the 5.00 % approval threshold (as it stood before sales raised it)" in v2.approval_reason
    with pytest.raises(Conflict, match="another sales rep approves them"):
        services.quote_approve(quote=v2, user=sales_rep)
    with pytest.raises(Conflict, match="approval"):
        services.quote_send(quote=v2, user=sales_rep)
    services.quote_approve(quote=v2, user=second_rep)


def test_a_threshold_another_rep_set_stands(desk, buyer, sales_rep, second_rep):
    client, quote = desk
    client.force_login(second_rep)
    # The agreement, entered by another rep (and approved by this one).
    _set_threshold(client, buyer.membership.organization, "60", approver=sales_rep)
    v2 = services.quote_generate(quote_id=services.quote_requote(
        quote=quote, user=sales_rep, manual_discount_pct=Decimal("50")).pk)
    assert not v2.approval_required and v2.discount_set_by is None


def test_re_pricing_unchanged_terms_leaves_them_with_the_rep_who_set_them(desk, sales_rep, second_rep):
    _client, quote = desk
    v2 = services.quote_generate(quote_id=services.quote_requote(
        quote=quote, user=sales_rep, manual_discount_pct=Decimal("20")).pk)
    assert v2.discount_set_by == sales_rep
    v3 = services.quote_generate(quote_id=services.quote_requote(  # to refresh its indices, say
        quote=v2, user=second_rep, manual_discount_pct=Decimal("20")).pk)
    assert v3.approval_required and v3.discount_set_by == sales_rep
    with pytest.raises(Conflict, match="another sales rep approves them"):
        services.quote_approve(quote=v3, user=sales_rep)
    services.quote_approve(quote=v3, user=second_rep)


def test_a_buyers_own_price_down_re_priced_by_a_rep_is_approved_by_that_rep(desk, buyer, sales_rep):
    _client, quote = desk
    asked, _ = services.quote_request(
        organization=quote.organization, user=buyer, request=services.QuoteRequest(
            configuration_id=quote.configuration_id, currency="KRW", annual_price_down_pct=Decimal("8")))
    asked = services.quote_generate(quote_id=asked.pk)
    assert asked.approval_required and asked.price_down_set_by is None
    v2 = services.quote_generate(quote_id=services.quote_requote(quote=asked, user=sales_rep).pk)
    assert v2.approval_required and v2.price_down_set_by is None  # the buyer's terms, kept
    assert services.quote_approve(quote=v2, user=sales_rep).approved_by == sales_rep


def test_a_rep_re_quoting_their_own_re_quote_still_needs_another_rep(desk, buyer, sales_rep, second_rep):
    """Review 2: the kept discount was judged against today's threshold only, which the rep
    had raised: v3 went out at 50 % with nobody else looking."""
    client, quote = desk
    _set_threshold(client, buyer.membership.organization, "60", approver=second_rep)
    v2 = services.quote_requote(quote=quote, user=sales_rep, manual_discount_pct=Decimal("50"))
    v3 = services.quote_generate(quote_id=services.quote_requote(quote=v2, user=sales_rep).pk)
    assert v3.approval_required and v3.discount_set_by == sales_rep
    with pytest.raises(Conflict, match="another sales rep approves them"):
        services.quote_approve(quote=v3, user=sales_rep)
    services.quote_approve(quote=v3, user=second_rep)


def test_another_reps_change_to_another_term_leaves_the_discount_with_its_rep(desk, sales_rep, second_rep):
    """Review 2: the whole quote went to whoever changed any one term, so the rep who set the
    discount could approve it once another rep had moved the price-down."""
    _client, quote = desk
    v2 = services.quote_requote(quote=quote, user=sales_rep, manual_discount_pct=Decimal("20"))
    v3 = services.quote_generate(quote_id=services.quote_requote(
        quote=v2, user=second_rep, annual_price_down_pct=Decimal("1")).pk)
    assert (v3.discount_set_by, v3.price_down_set_by) == (sales_rep, second_rep)
    for rep in (sales_rep, second_rep):
        with pytest.raises(Conflict, match="another sales rep approves them"):
            services.quote_approve(quote=v3, user=rep)


@pytest.mark.django_db(transaction=True)
def test_re_quotes_pending_when_the_rule_ships_are_attributed_to_their_rep(desk, sales_rep):
    _client, quote = desk
    v2 = services.quote_requote(quote=quote, user=sales_rep, manual_discount_pct=Decimal("20"))
    Quote.objects.filter(pk=v2.pk).update(discount_set_by=None)  # as before orders.0008
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("orders", "0007_order_status_changed")])
        executor.loader.build_graph()
        executor.migrate([("orders", "0008_quote_terms_set_by")])
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    migrated = Quote.objects.get(pk=v2.pk)
    assert (migrated.discount_set_by, migrated.price_down_set_by) == (sales_rep, None)
    assert Quote.objects.get(pk=quote.pk).discount_set_by is None
