"""A quote's verdict and the rows it prices and freezes come from one catalog.

The worker judged the kit, then read prices, tiers, provenance, index values and rates in
separate queries. A catalog change committed in between (an admin's edit, an import) gave
a `ready` quote judged "valid" by the old catalog while freezing the new one's rows: under
china-excluded, a magnet made in China, deactivated, priced as compliant.
"""

from __future__ import annotations

import pytest

from orders import services
from orders.models import Quote
from parts import services as part_services
from parts.models import Part
from tests.factories import family_configuration, load_demo_catalog


@pytest.fixture
def queued(buyer, settings):
    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    organization = buyer.membership.organization
    config = family_configuration(organization, policy="china-excluded")
    request = services.QuoteRequest(configuration_id=config.pk, currency="KRW")
    quote, _ = services.quote_request(organization=organization, user=None, request=request)
    return quote


def _magnet(quote: Quote) -> str:
    return next(ln["sku"] for ln in quote.snapshot["lines"] if ln["slot"] == "magnet")


def test_a_change_between_the_verdict_and_the_reads_is_judged_again(queued, monkeypatch):
    judged = services._validate_for_pricing
    calls = []

    def then_the_magnet_is_withdrawn(quote):
        calls.append(quote)
        verdict = judged(quote)  # the second time: refused, the magnet is inactive
        if len(calls) == 1:
            part_services.parts_set_active(parts=[Part.objects.get(sku=_magnet(quote))], active=False)
        return verdict

    monkeypatch.setattr(services, "_validate_for_pricing", then_the_magnet_is_withdrawn)
    quote = services.quote_generate(quote_id=queued.pk)
    assert len(calls) == 2
    assert quote.status == Quote.Status.FAILED and "PART_INACTIVE" in quote.failure_reason
    assert quote.pricing in ({}, None)


def test_an_unmoved_catalog_is_read_once(queued, monkeypatch):
    judged = services._validate_for_pricing
    calls = []
    monkeypatch.setattr(services, "_validate_for_pricing", lambda q: calls.append(q) or judged(q))
    assert services.quote_generate(quote_id=queued.pk).status == Quote.Status.READY
    assert len(calls) == 1


def test_a_catalog_that_keeps_moving_leaves_the_quote_to_the_task_s_retry(queued, monkeypatch):
    judged = services._validate_for_pricing
    calls = []

    def and_another_part_is_edited(quote):
        calls.append(quote)
        verdict = judged(quote)
        kit = {ln["sku"] for ln in quote.snapshot["lines"]}
        other = Part.objects.exclude(sku__in=kit).first()
        part_services.parts_set_active(parts=[other], active=not other.active)  # moves the stamp
        return verdict

    monkeypatch.setattr(services, "_validate_for_pricing", and_another_part_is_edited)
    with pytest.raises(services.CatalogMoving):
        services.quote_generate(quote_id=queued.pk)
    from orders.tasks import TRANSIENT

    assert issubclass(services.CatalogMoving, TRANSIENT)
    assert len(calls) == services.CONSISTENT_READ_ATTEMPTS
    assert Quote.objects.get(pk=queued.pk).status == Quote.Status.PRICING  # the retry picks it up
