"""A quote reads the latest index value and exchange rates, not their whole history.

Pricing uses each index's latest value on or before the pricing date and the latest rate
of each currency pair (direct, inverse or through USD). Years of daily values used to be
loaded into every quote; the quote's price must not change now that they are not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.domain import pricing as p
from orders.selectors import pricing_input
from parts.models import ExchangeRate, Index, IndexValue
from parts.signals import catalog_changed
from tests.factories import family_configuration, load_demo_catalog

PRICING_DATE = dt.date(2026, 11, 2)


def _history(days: int) -> None:
    """Daily values and rates for `days` days before the pricing date, a few after it
    (not yet valid), and inverse rows on some days."""
    start = PRICING_DATE - dt.timedelta(days=days)
    values, rates = [], []
    for n, index in enumerate(Index.objects.order_by("code")):
        for d in range(days + 5):
            day = start + dt.timedelta(days=d)
            values.append(IndexValue(index=index, date=day, value=Decimal(100 + n * 7 + d % 13)))
    for d in range(days + 5):
        day = start + dt.timedelta(days=d)
        rates.append(ExchangeRate(date=day, from_currency="USD", to_currency="KRW",
                                  rate=Decimal(1300 + d % 17)))
        rates.append(ExchangeRate(date=day, from_currency="EUR", to_currency="USD",
                                  rate=Decimal("1.08") + Decimal(d % 5) / 100))
        if d % 3 == 0:  # an inverse row the same day: the direct one wins
            rates.append(ExchangeRate(date=day, from_currency="KRW", to_currency="USD",
                                      rate=Decimal("0.00075")))
        if d % 4 == 0:
            rates.append(ExchangeRate(date=day, from_currency="USD", to_currency="EUR",
                                      rate=Decimal("0.93")))
    IndexValue.objects.bulk_create(values, ignore_conflicts=True)
    ExchangeRate.objects.bulk_create(rates, ignore_conflicts=True)
    catalog_changed.send(sender=IndexValue)  # as an import does after its bulk writes


def _inputs(config, currency: str) -> tuple[p.PricingInput, p.PricingInput]:
    lines = [{"slot": ln.slot, "sku": ln.part.sku, "quantity": ln.quantity}
             for ln in config.lines.select_related("part")]
    schedule = [{"year": s.year, "kits": s.kits} for s in config.schedule.all()]
    inp, _parts = pricing_input(lines=lines, schedule=schedule, currency=currency,
                                annual_price_down_pct=Decimal("2"), manual_discount_pct=Decimal(0),
                                pricing_date=PRICING_DATE)
    everything = replace(
        inp,
        index_values=tuple(p.IndexValue(index=v.index.code, date=v.date, value=v.value)
                           for v in IndexValue.objects.select_related("index")),
        exchange_rates=tuple(p.ExchangeRate(date=r.date, from_currency=r.from_currency,
                                            to_currency=r.to_currency, rate=r.rate)
                             for r in ExchangeRate.objects.all()),
    )
    return inp, everything


@pytest.mark.django_db
@pytest.mark.parametrize("currency", ["KRW", "EUR", "USD"])
def test_the_price_from_the_latest_rows_is_the_price_from_the_whole_history(buyer, currency):
    load_demo_catalog()
    _history(400)
    config = family_configuration(buyer.membership.organization)
    inp, everything = _inputs(config, currency)

    linked = {link.index for part in inp.parts for link in part.index_links}
    assert linked, "the demo kit has index-linked parts"
    # One value per linked index, each the latest on or before the pricing date.
    assert sorted(v.index for v in inp.index_values) == sorted(linked)
    assert all(v.date == PRICING_DATE for v in inp.index_values)
    # At most one row per direction between the currencies involved.
    pairs = [(r.from_currency, r.to_currency) for r in inp.exchange_rates]
    assert len(pairs) == len(set(pairs)) and all(r.date <= PRICING_DATE for r in inp.exchange_rates)
    assert len(everything.index_values) > 1000 and len(everything.exchange_rates) > 800

    assert p.price(inp) == p.price(everything)


@pytest.mark.django_db
def test_the_pricing_reads_do_not_grow_with_the_history(buyer):
    load_demo_catalog()
    config = family_configuration(buyer.membership.organization)
    _history(20)
    with CaptureQueriesContext(connection) as short:
        _inputs(config, "KRW")
    _history(900)
    with CaptureQueriesContext(connection) as long:
        inp, _ = _inputs(config, "KRW")
    assert len(long.captured_queries) == len(short.captured_queries)
    assert len(inp.index_values) == len({link.index for part in inp.parts for link in part.index_links})


def _frozen_from_models(sku: str) -> dict:
    """A part's data as the quote froze it before part records: from model instances."""
    from parts.models import Part

    part = Part.objects.select_related("supplier").get(sku=sku)
    return {
        "sku": part.sku, "name": part.name, "category": part.category,
        "supplier": part.supplier.name, "supplier_code": part.supplier.code,
        "supplier_country": part.supplier.country, "currency": part.currency,
        "lead_time_days": part.lead_time_days, "specs": part.specs,
        "tiers": [{"min_qty": t.min_qty, "unit_price": str(t.unit_price)}
                  for t in part.price_tiers.all()],
        "index_links": [{"index": link.index.code, "base_value": str(link.base_value),
                         "kg_per_unit": str(link.kg_per_unit)} for link in part.index_links.all()],
        "provenance": [{"stage": s.stage, "country": s.country, "company": s.company,
                        "evidence_reference": s.evidence_reference,
                        "evidence_expires": s.evidence_expires and s.evidence_expires.isoformat()}
                       for s in part.provenance.all()],
    }


@pytest.mark.django_db
def test_a_quote_freezes_each_part_as_the_catalog_holds_it(buyer, settings):
    from orders import services
    from orders.models import Quote

    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    config = family_configuration(buyer.membership.organization)
    quote, _ = services.quote_request(
        organization=config.organization, user=None,
        request=services.QuoteRequest(configuration_id=config.pk, currency="KRW"))
    quote = services.quote_generate(quote_id=quote.pk)
    assert quote.status == Quote.Status.READY, quote.failure_reason
    frozen = quote.pricing["parts"]
    assert [row["sku"] for row in frozen] == [line["sku"] for line in quote.snapshot["lines"]]
    assert any(row["index_links"] for row in frozen) and all(row["provenance"] for row in frozen)
    for row in frozen:
        expected = _frozen_from_models(row["sku"])
        assert {k: v for k, v in row.items() if k not in ("slot", "quantity")} == expected
