"""Builders for test data on top of the demo catalog (shared with the benchmarks)."""

from __future__ import annotations

from bench.support import family_configuration, load_demo_catalog

# What a buyer sends to place an order (a PO number and the confirmation of the terms).
PLACE_ORDER = {"po_number": "PO-4711", "terms_accepted": True}


def accept(quote, user=None):
    """Accept a quote as a buyer would: with a PO number and the terms confirmed."""
    from orders.services import quote_accept

    return quote_accept(quote=quote, user=user, **PLACE_ORDER)


__all__ = ["PLACE_ORDER", "accept", "family_configuration", "load_demo_catalog"]
