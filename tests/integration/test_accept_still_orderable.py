"""Acceptance places an order only for a kit that can still be built, sourced and delivered.

The quote's price is frozen (domain.md section 6), but acceptance judged nothing but
capacity: a part discontinued since pricing, or a supplier marked restricted (UFLPA) since,
still became an order with capacity booked, while the same kit could no longer be quoted.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.errors import Conflict
from orders import services
from orders.models import Order, Quote
from parts import services as part_services
from parts.models import CapacityBooking, Part
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog, priced_quote


@pytest.fixture
def ready(buyer, settings):
    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()

    def make(policy=None) -> Quote:
        return priced_quote(family_configuration(buyer.membership.organization, policy=policy,
                                                 schedule=[(2029, 1_000)]), user=buyer)

    return make


def _part(quote: Quote, slot: str) -> Part:
    return Part.objects.get(sku=next(ln["sku"] for ln in quote.snapshot["lines"] if ln["slot"] == slot))


def _refused(quote: Quote, code: str) -> str:
    with pytest.raises(Conflict) as refused:
        services.quote_accept(quote=quote, **PLACE_ORDER)
    assert refused.value.code == "kit_no_longer_valid"
    assert code in refused.value.message and "Request a new quote" in refused.value.message
    assert not Order.objects.filter(quote_id=quote.pk).exists()
    assert not CapacityBooking.objects.filter(reference=f"O-{quote.number[2:]}").exists()
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.READY  # still there, as priced
    return refused.value.message


def test_a_part_discontinued_since_pricing_is_not_ordered(ready):
    quote = ready()
    shaft = _part(quote, "shaft")
    part_services.parts_set_active(parts=[shaft], active=False)
    assert shaft.sku in _refused(quote, "PART_INACTIVE")
    part_services.parts_set_active(parts=[shaft], active=True)  # back in the catalog: orderable
    order, created = services.quote_accept(quote=quote, **PLACE_ORDER)
    assert created and order.total == quote.total


def test_a_supplier_marked_restricted_since_pricing_is_not_ordered_under_uflpa(ready):
    quote = ready(policy="uflpa")
    part_services.suppliers_set_restricted(suppliers=[_part(quote, "magnet").supplier], restricted=True)
    _refused(quote, "ENTITY_RESTRICTED")


def test_a_price_change_since_pricing_does_not_stop_the_order_or_change_its_price(ready):
    quote = ready()
    magnet = _part(quote, "magnet")
    for tier in magnet.price_tiers.all():
        tier.unit_price *= 3
        tier.save()  # a catalog write: the stamp moves
    order, created = services.quote_accept(quote=quote, **PLACE_ORDER)
    assert created and order.total == quote.total


def test_the_api_answers_409_with_the_reason(ready, buyer):
    quote = ready()
    part_services.parts_set_active(parts=[_part(quote, "resolver")], active=False)
    api = APIClient()
    api.force_login(buyer)
    response = api.post(f"/api/v1/quotes/{quote.pk}/accept/", PLACE_ORDER, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "kit_no_longer_valid" and "PART_INACTIVE" in error["message"]


@pytest.mark.django_db(transaction=True)
def test_a_web_process_still_on_the_previous_view_judges_from_the_kit_s_rows(buyer, settings, ready):
    """Production refreshes views in the background: right after any catalog write, a web
    process answers from its previous view for seconds. The first version of this check
    judged with that view, saw the stamp move, and answered 503 until the new view arrived."""
    from configurator import catalog

    quote, other = ready(), ready()  # priced as a worker prices (with the newest catalog)
    settings.COREKIT_CATALOG_REFRESH = "background"
    settings.COREKIT_CATALOG_ARTIFACT_WAIT_SECONDS = 5
    try:
        catalog.view_publish()
        previous = catalog.catalog_view()
        for tier in _part(quote, "magnet").price_tiers.all():
            tier.unit_price *= 3
            tier.save()  # the stamp moves
        shaft = _part(quote, "shaft")
        assert catalog.catalog_view() is previous  # this process answers from it meanwhile
        order, created = services.quote_accept(quote=quote, **PLACE_ORDER)
        assert created and order.total == quote.total
        part_services.parts_set_active(parts=[shaft], active=False)
        assert catalog.catalog_view().index.get(shaft.sku).active  # the view still has it active
        _refused(other, "PART_INACTIVE")  # the rows decide, not the view
    finally:
        catalog.reset()


def test_the_days_passing_within_the_validity_change_nothing(ready):
    """Judged on today's date, a quote priced on the last day its longest lead time still
    made the first delivery (1 January 2029) was refused the next day for LEAD_TIME, inside
    its validity, saying "the catalog changed" though nothing had. A lead time lengthened
    since pricing is still refused."""
    import datetime as dt

    from core import clock

    first_delivery = dt.date(2029, 1, 1)
    with clock.frozen(first_delivery - dt.timedelta(days=300)):
        probe = ready()
    skus = [ln["sku"] for ln in probe.snapshot["lines"]]
    slowest = max(Part.objects.filter(sku__in=skus).values_list("lead_time_days", flat=True))
    last_day = first_delivery - dt.timedelta(days=slowest)
    with clock.frozen(last_day):
        quote, again = ready(), ready()
    with clock.frozen(last_day + dt.timedelta(days=1)):
        _, created = services.quote_accept(quote=quote, **PLACE_ORDER)
    assert created
    Part.objects.filter(sku=skus[0]).update(lead_time_days=slowest + 30)  # the catalog did change
    with clock.frozen(last_day + dt.timedelta(days=1)):
        _refused(again, "LEAD_TIME")


def test_the_buyer_s_accept_page_says_why_keeps_the_po_and_offers_the_way_on(ready, buyer, client):
    """Redirected to the quote with a lower-case message, the PO number lost, and the
    'Accept' button beside it: the buyer could only try again and fail again."""
    quote = ready()
    part_services.parts_set_active(parts=[_part(quote, "resolver")], active=False)
    client.force_login(buyer)
    page = client.post(f"/quotes/{quote.pk}/accept/", {"po_number": "PO-2026-0042", "terms_accepted": "on"})
    assert page.status_code == 409
    text = page.content.decode()
    assert "This quote can no longer be accepted: the kit is no longer valid (PART_INACTIVE" in text
    assert 'value="PO-2026-0042"' in text
    assert 'id="place-order"' not in text and f'href="/configurations/{quote.configuration_id}/"' in text
    assert not Order.objects.exists()


def test_a_closed_quote_s_refusal_reads_as_a_sentence(ready, buyer, client):
    quote = ready()
    services.quote_reject(quote=quote, user=buyer, reason="")
    client.force_login(buyer)
    page = client.get(f"/quotes/{quote.pk}/accept/", follow=True).content.decode()
    assert "This quote cannot be accepted: it is rejected." in page
