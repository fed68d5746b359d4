"""The worker keeps the catalog rows it prices from, per catalog stamp.

Found under load: the worker read a kit's parts, tiers, index links, provenance, index
values and exchange rates again for every quote (seven queries, a third of a quote's
generation), though they only change with the catalog stamp. A second quote of the same
parts reads none of them; a change to any of them is priced from at once.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from core import clock
from orders import services
from orders.selectors import pricing_input
from parts.models import ExchangeRate, Index, PriceTier
from tests.factories import family_configuration, load_demo_catalog

pytestmark = pytest.mark.django_db

CATALOG_TABLES = ('"parts_pricetier"', '"parts_partindexlink"', '"parts_provenancestage"',
                  '"parts_indexvalue"', '"parts_exchangerate"', '"parts_supplier"."name"',
                  '"parts_index"."unit"')


@pytest.fixture
def config(buyer, settings):
    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    return family_configuration(buyer.membership.organization)


def _generate(config, currency: str = "KRW"):
    quote, _ = services.quote_request(
        organization=config.organization, user=None,
        request=services.QuoteRequest(configuration_id=config.pk, currency=currency))
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        quote = services.quote_generate(quote_id=quote.pk)
    assert quote.status == "ready", quote.failure_reason
    catalog_reads = [s for s in statements
                     if s.lstrip().startswith("SELECT") and any(t in s for t in CATALOG_TABLES)]
    return quote, catalog_reads


def test_a_second_quote_of_the_same_parts_reads_no_catalog_rows_and_is_priced_the_same(config):
    first, reads = _generate(config)
    # parts, tiers, links, provenance, index values, rates (two queries), index units
    assert len(reads) == 8
    again, reads = _generate(config)
    assert reads == []
    assert again.total == first.total and again.pricing == first.pricing


def test_a_new_tier_price_is_priced_from_at_once(config):
    first, _ = _generate(config)
    magnet = next(ln.part for ln in config.lines.select_related("part") if ln.slot == "magnet")
    for tier in PriceTier.objects.filter(part=magnet):
        tier.unit_price = tier.unit_price * 2  # as a rep saves it in the admin
        tier.save()
    second, reads = _generate(config)
    assert reads  # the stamp moved: read again
    assert second.total > first.total
    part = next(p for p in second.pricing["parts"] if p["sku"] == magnet.sku)
    assert [Decimal(t["unit_price"]) for t in part["tiers"]] == [
        t.unit_price for t in PriceTier.objects.filter(part=magnet).order_by("min_qty")]


def test_a_new_exchange_rate_is_priced_from_at_once(config):
    first, _ = _generate(config, currency="EUR")
    used = first.pricing["exchange_rates_used"]
    assert used
    day, source = used[0]["date"], used[0]
    ExchangeRate.objects.filter(date=day, from_currency=source["from"], to_currency=source["to"]).update(
        rate=Decimal(source["rate"]) * 2)
    # A bulk update does not move the stamp by itself; the admin and the import send the
    # change signal, as here.
    from parts.signals import catalog_changed

    catalog_changed.send(sender=ExchangeRate)
    second, reads = _generate(config, currency="EUR")
    assert reads
    assert second.pricing["exchange_rates_used"][0]["rate"] == str(Decimal(source["rate"]) * 2)
    assert second.total != first.total


def test_an_index_unit_edited_in_the_admin_is_frozen_into_the_next_quote(config):
    first, _ = _generate(config)
    code = first.pricing["index_values_used"][0]["index"]
    index = Index.objects.get(code=code)
    index.unit = "EUR/kg"
    index.save()  # editing an index moves the catalog stamp
    second, _ = _generate(config)
    assert {v["index"]: v["unit"] for v in second.pricing["index_values_used"]}[code] == "EUR/kg"


def test_the_records_a_quote_freezes_are_copies_of_the_kept_ones(config):
    lines = [{"slot": ln.slot, "sku": ln.part.sku, "quantity": ln.quantity}
             for ln in config.lines.select_related("part")]
    kwargs = dict(lines=lines, schedule=[{"year": 2028, "kits": 1000}], currency="KRW",
                  annual_price_down_pct=Decimal(0), manual_discount_pct=Decimal(0),
                  pricing_date=clock.today())
    _inp, parts = pricing_input(**kwargs)
    expected = [(p["sku"], list(p["tiers"]), dict(p["specs"])) for p in parts]
    for record in parts:  # whatever a caller does with its records
        record["tiers"].clear()
        record["specs"]["tampered"] = True
    _inp, again = pricing_input(**kwargs)
    assert [(p["sku"], p["tiers"], p["specs"]) for p in again] == expected
