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
from tests.factories import PLACE_ORDER, family_configuration, load_demo_catalog


@pytest.fixture
def ready(buyer, settings):
    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()

    def make(policy=None) -> Quote:
        organization = buyer.membership.organization
        config = family_configuration(organization, policy=policy, schedule=[(2029, 1_000)])
        request = services.QuoteRequest(configuration_id=config.pk, currency="KRW")
        quote, _ = services.quote_request(organization=organization, user=buyer, request=request)
        quote = services.quote_generate(quote_id=quote.pk)
        assert quote.status == Quote.Status.READY, quote.failure_reason
        return quote

    return make


def _part(quote: Quote, slot: str) -> Part:
    return Part.objects.get(sku=next(ln["sku"] for ln in quote.snapshot["lines"] if ln["slot"] == slot))


def _refused(quote: Quote, code: str) -> str:
    with pytest.raises(Conflict) as refused:
        services.quote_accept(quote=quote, **PLACE_ORDER)
    assert refused.value.code == "kit_no_longer_valid"
    assert code in refused.value.message and "Request a new quote" in refused.value.message
    assert not Order.objects.exists() and not CapacityBooking.objects.exists()
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
