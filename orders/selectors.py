"""Reads for quotes and orders, and the loading of everything a quote is priced from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from core.selectors import commercial_terms_get, commercial_terms_snapshot
from orders.domain import pricing as p
from orders.models import Order, OrderDelivery, Quote
from parts.models import ExchangeRate, IndexValue, Part, PartIndexLink, PriceTier


def quote_queryset(organization) -> QuerySet[Quote]:
    """The caller's quotes only; another organization's quote answers 404."""
    return Quote.objects.for_organization(organization).select_related("organization", "requested_by")


def quote_get(*, organization, pk: int) -> Quote | None:
    return quote_queryset(organization).filter(pk=pk).first()


def quote_versions(quote: Quote) -> QuerySet[Quote]:
    return Quote.objects.filter(number=quote.number, organization=quote.organization).order_by("version")


def quote_terms(quote: Quote) -> dict:
    """The commercial terms frozen with the quote (the organization's current ones for older quotes)."""
    return quote.snapshot.get("terms") or commercial_terms_snapshot(
        commercial_terms_get(organization=quote.organization))


def quote_terms_summary(quote: Quote) -> dict:
    """What the buyer confirms when it places the order, as the order records it."""
    terms = quote_terms(quote)
    return {
        "quote": f"{quote.number} v{quote.version}",
        "currency": quote.currency,
        "total": None if quote.total is None else str(quote.total),
        "incoterms": f"{terms['incoterms']} {terms.get('incoterms_place', '')}".strip(),
        "payment_terms": terms["payment_terms"],
        "valid_until": quote.valid_until.isoformat() if quote.valid_until else None,
        "annual_price_down_pct": str(quote.annual_price_down_pct),
        "manual_discount_pct": str(quote.manual_discount_pct),
        "customer": terms["legal_name"],
    }


def order_queryset(organization) -> QuerySet[Order]:
    return (
        Order.objects.for_organization(organization)
        .select_related("quote")
        .prefetch_related(Prefetch("deliveries", queryset=OrderDelivery.objects.order_by("year")))
    )


def order_get(*, organization, pk: int) -> Order | None:
    return order_queryset(organization).filter(pk=pk).first()


def pricing_input(*, lines: list[dict], schedule: list[dict], currency: str,
                  annual_price_down_pct: Decimal, manual_discount_pct: Decimal,
                  pricing_date: dt.date) -> tuple[p.PricingInput, list[Part]]:
    """Load prices, index links, index values and rates (a fixed number of queries).

    A manual discount applies to catalog prices (the tiers), not to the raw-material
    pass-through: the index part of a price follows the market whatever was negotiated.
    """
    skus = [ln["sku"] for ln in lines]
    parts = {
        part.sku: part for part in Part.objects.filter(sku__in=skus).select_related("supplier")
        .prefetch_related(
            Prefetch("price_tiers", queryset=PriceTier.objects.order_by("min_qty")),
            Prefetch("index_links", queryset=PartIndexLink.objects.select_related("index")),
            "provenance",
        )
    }
    factor = (Decimal(100) - manual_discount_pct) / Decimal(100)
    priced = []
    index_codes = set()
    for ln in lines:
        part = parts[ln["sku"]]
        links = tuple(
            p.IndexLink(index=link.index.code, base_value=link.base_value, kg_per_unit=link.kg_per_unit)
            for link in part.index_links.all()
        )
        index_codes.update(link.index for link in links)
        priced.append(p.PricedPart(
            sku=part.sku, slot=ln["slot"], quantity_per_kit=ln["quantity"], currency=part.currency,
            tiers=tuple(p.PriceTier(min_qty=t.min_qty, unit_price=t.unit_price * factor)
                        for t in part.price_tiers.all()),
            index_links=links,
        ))
    index_values = tuple(
        p.IndexValue(index=v.index.code, date=v.date, value=v.value)
        for v in IndexValue.objects.filter(index__code__in=index_codes, date__lte=pricing_date)
        .select_related("index")
    )
    rates = tuple(
        p.ExchangeRate(date=r.date, from_currency=r.from_currency, to_currency=r.to_currency, rate=r.rate)
        for r in ExchangeRate.objects.filter(date__lte=pricing_date)
    )
    return p.PricingInput(
        parts=tuple(priced),
        schedule=tuple(p.ScheduleYear(year=s["year"], kits=s["kits"]) for s in schedule),
        currency=currency,
        annual_price_down_pct=annual_price_down_pct,
        pricing_date=pricing_date,
        index_values=index_values,
        exchange_rates=rates,
    ), [parts[sku] for sku in skus]
