"""One table per fact: currencies (minor units, rounding, formatting), countries and stage
labels each live in one place, and every other module reads that one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from configurator.domain import sourcing
from core.domain import countries, money
from orders import documents
from orders.domain import pricing
from parts.domain import provenance


def test_every_module_reads_the_one_currency_table():
    assert pricing.CURRENCY_MINOR_UNITS is money.CURRENCIES
    assert provenance.CURRENCIES is money.CURRENCIES
    assert money.CURRENCIES == {"KRW": 0, "USD": 2, "EUR": 2}


@pytest.mark.parametrize(("amount", "currency", "text"), [
    (Decimal("152345678901.4"), "KRW", "KRW 152,345,678,901"),
    (Decimal("152345678901.5"), "KRW", "KRW 152,345,678,902"),
    (Decimal("1234.505"), "USD", "USD 1,234.51"),
    (Decimal("-0.001"), "EUR", "EUR 0.00"),
])
def test_money_is_rounded_half_up_to_the_minor_unit_and_grouped(amount, currency, text):
    assert money.format_money(amount, currency) == text
    assert documents.format_money(amount, currency) == text


def test_rounding_is_the_one_pricing_uses():
    for amount in (Decimal("0.125"), Decimal("10.005"), Decimal("99.995")):
        assert pricing.round_money(amount, "USD") == money.round_money(amount, "USD")
    assert money.round_money(Decimal("2.5"), "KRW") == Decimal("3")


def test_money_refuses_floats_and_unknown_currencies():
    with pytest.raises(TypeError):
        money.format_money(1.5, "USD")
    with pytest.raises(ValueError, match="JPY"):
        money.format_money(Decimal(1), "JPY")


def test_countries_live_in_core_and_parts_reads_them():
    assert provenance.ISO_COUNTRIES is countries.ISO_COUNTRIES
    assert provenance.COUNTRY_NAMES is countries.COUNTRY_NAMES
    assert len(countries.ISO_COUNTRIES) == 249
    assert set(countries.COUNTRY_NAMES) == countries.ISO_COUNTRIES


def test_the_quote_document_labels_stages_like_the_catalog():
    # The PDF said "Metal alloy" where the catalog said "Metal and alloy".
    assert documents.STAGE_LABELS is provenance.STAGE_LABELS
    assert documents._stage_label("metal_alloy") == "Metal and alloy"


def test_the_rule_packs_read_the_catalogs_stage_table():
    assert sourcing.STAGES is provenance.STAGES
    assert sourcing.MAGNET_STAGES is provenance.MAGNET_REQUIRED_STAGES
    assert sourcing.MAGNET_STAGES == (sourcing.MINING, sourcing.SEPARATION, sourcing.METAL_ALLOY,
                                      sourcing.MAGNET_MANUFACTURING)
