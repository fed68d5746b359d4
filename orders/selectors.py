"""Reads for quotes and orders, and the loading of everything a quote is priced from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Max, OuterRef, Prefetch, Q, QuerySet, Subquery

from core.selectors import commercial_terms_get, commercial_terms_snapshot
from orders.domain import pricing as p
from orders.models import Order, OrderDelivery, Quote
from parts.models import ExchangeRate, Index, IndexValue, Part, PartIndexLink, PriceTier, ProvenanceStage


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


def latest_index_values(codes, on: dt.date) -> tuple[p.IndexValue, ...]:
    """Each index's latest value on or before `on`: what pricing reads of an index's history
    (one row per index, however many years of daily values the catalog holds)."""
    latest = IndexValue.objects.filter(index=OuterRef("pk"), date__lte=on).order_by("-date")
    rows = (Index.objects.filter(code__in=codes)
            .annotate(latest_date=Subquery(latest.values("date")[:1]),
                      latest_value=Subquery(latest.values("value")[:1]))
            .filter(latest_date__isnull=False).order_by("code")
            .values_list("code", "latest_date", "latest_value"))
    return tuple(p.IndexValue(index=code, date=day, value=value) for code, day, value in rows)


def latest_exchange_rates(currencies, on: dt.date) -> tuple[p.ExchangeRate, ...]:
    """The latest row on or before `on` of every direction between `currencies`: all that
    pricing can use (a direct or inverse row, or a cross through the pivot currency), in two
    queries whatever the length of the rates' history."""
    currencies = sorted(currencies)
    latest = (ExchangeRate.objects
              .filter(date__lte=on, from_currency__in=currencies, to_currency__in=currencies)
              .values_list("from_currency", "to_currency").annotate(last=Max("date"))
              .order_by())
    wanted = Q(pk__in=[])
    for from_currency, to_currency, last in latest:
        wanted |= Q(from_currency=from_currency, to_currency=to_currency, date=last)
    return tuple(
        p.ExchangeRate(date=r.date, from_currency=r.from_currency, to_currency=r.to_currency, rate=r.rate)
        for r in ExchangeRate.objects.filter(wanted).order_by("from_currency", "to_currency")
    )


def part_records(skus) -> dict[str, dict]:
    """sku -> the part as a quote freezes it (supplier, specs, tiers, index links,
    provenance), read as plain rows in four queries: no model instances, no prefetch."""
    records: dict[int, dict] = {}
    for pk, sku, name, category, currency, lead_time, specs, supplier, code, country in (
            Part.objects.filter(sku__in=list(skus)).values_list(
                "pk", "sku", "name", "category", "currency", "lead_time_days", "specs",
                "supplier__name", "supplier__code", "supplier__country")):
        records[pk] = {"sku": sku, "name": name, "category": category, "supplier": supplier,
                       "supplier_code": code, "supplier_country": country, "currency": currency,
                       "lead_time_days": lead_time, "specs": specs,
                       "tiers": [], "index_links": [], "provenance": []}
    for part_id, min_qty, unit_price in (
            PriceTier.objects.filter(part_id__in=list(records)).order_by("part_id", "min_qty")
            .values_list("part_id", "min_qty", "unit_price")):
        records[part_id]["tiers"].append({"min_qty": min_qty, "unit_price": unit_price})
    for part_id, index, base_value, kg_per_unit in (
            PartIndexLink.objects.filter(part_id__in=list(records)).order_by("part_id", "index__code")
            .values_list("part_id", "index__code", "base_value", "kg_per_unit")):
        records[part_id]["index_links"].append(
            {"index": index, "base_value": base_value, "kg_per_unit": kg_per_unit})
    for part_id, *stage in (
            ProvenanceStage.objects.filter(part_id__in=list(records)).order_by("part_id", "id")
            .values_list("part_id", "stage", "country", "company", "evidence_reference",
                         "evidence_expires")):
        records[part_id]["provenance"].append(dict(zip(
            ("stage", "country", "company", "evidence_reference", "evidence_expires"), stage,
            strict=True)))
    return {record["sku"]: record for record in records.values()}


def pricing_input(*, lines: list[dict], schedule: list[dict], currency: str,
                  annual_price_down_pct: Decimal, manual_discount_pct: Decimal,
                  pricing_date: dt.date) -> tuple[p.PricingInput, list[dict]]:
    """Load prices, index links, index values and rates (a fixed number of queries).

    A manual discount applies to catalog prices (the tiers), not to the raw-material
    pass-through: the index part of a price follows the market whatever was negotiated.
    Returns the pricing input and the kit's part records (`part_records`), in line order.
    """
    skus = [ln["sku"] for ln in lines]
    parts = part_records(skus)
    factor = (Decimal(100) - manual_discount_pct) / Decimal(100)
    priced = []
    index_codes = set()
    for ln in lines:
        part = parts[ln["sku"]]
        links = tuple(
            p.IndexLink(index=link["index"], base_value=link["base_value"],
                        kg_per_unit=link["kg_per_unit"])
            for link in part["index_links"]
        )
        index_codes.update(link.index for link in links)
        priced.append(p.PricedPart(
            sku=part["sku"], slot=ln["slot"], quantity_per_kit=ln["quantity"], currency=part["currency"],
            tiers=tuple(p.PriceTier(min_qty=t["min_qty"], unit_price=t["unit_price"] * factor)
                        for t in part["tiers"]),
            index_links=links,
        ))
    index_values = latest_index_values(index_codes, pricing_date)
    rates = latest_exchange_rates({pp.currency for pp in priced} | {currency, p.PIVOT_CURRENCY},
                                  pricing_date)
    return p.PricingInput(
        parts=tuple(priced),
        schedule=tuple(p.ScheduleYear(year=s["year"], kits=s["kits"]) for s in schedule),
        currency=currency,
        annual_price_down_pct=annual_price_down_pct,
        pricing_date=pricing_date,
        index_values=index_values,
        exchange_rates=rates,
    ), [parts[sku] for sku in skus]
