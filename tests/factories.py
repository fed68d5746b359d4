"""Builders for test data on top of the demo catalog (shared with the benchmarks)."""

from __future__ import annotations

from bench.support import family_configuration, load_demo_catalog

# What a buyer sends to place an order (a PO number and the confirmation of the terms).
PLACE_ORDER = {"po_number": "PO-4711", "terms_accepted": True}


def priced_quote(configuration, *, user=None, currency: str = "KRW", **request):
    """A quote of a saved configuration, requested and priced as the worker prices it
    (`request`: QuoteRequest's other fields, e.g. annual_price_down_pct)."""
    from orders import services
    from orders.models import Quote

    quote, _ = services.quote_request(
        organization=configuration.organization, user=user,
        request=services.QuoteRequest(configuration_id=configuration.pk, currency=currency, **request))
    quote = services.quote_generate(quote_id=quote.pk)
    assert quote.status == Quote.Status.READY, quote.failure_reason
    return quote


def accept(quote, user=None):
    """Accept a quote as a buyer would: with a PO number and the terms confirmed."""
    from orders.services import quote_accept

    return quote_accept(quote=quote, user=user, **PLACE_ORDER)


__all__ = ["PLACE_ORDER", "accept", "family_configuration", "load_demo_catalog", "priced_quote"]
