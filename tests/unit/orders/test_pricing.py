"""Pricing rules of domain.md section 6, checked against hand-computed Decimals."""

from __future__ import annotations

import decimal
from dataclasses import FrozenInstanceError, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orders.domain.pricing import (
    CURRENCY_MINOR_UNITS,
    ExchangeRate,
    IndexLink,
    IndexValue,
    PricedPart,
    PriceTier,
    PricingError,
    PricingInput,
    ScheduleYear,
    convert_rate,
    price,
    round_money,
)
from tests.hypothesis_profiles import examples

D = Decimal
PRICING_DATE = date(2025, 11, 3)

USD_KRW = ExchangeRate(date(2025, 11, 3), "USD", "KRW", D("1385.20"))
USD_KRW_OLD = ExchangeRate(date(2025, 10, 1), "USD", "KRW", D("1401.50"))
USD_KRW_LATER = ExchangeRate(date(2025, 11, 4), "USD", "KRW", D("1450.00"))
EUR_USD = ExchangeRate(date(2025, 10, 31), "EUR", "USD", D("1.08"))

NDPR_JUN = IndexValue("NdPr_oxide", date(2025, 6, 30), D("58.40"))
NDPR_SEP = IndexValue("NdPr_oxide", date(2025, 9, 30), D("62.80"))
NDPR_DEC = IndexValue("NdPr_oxide", date(2025, 12, 31), D("75.00"))  # after pricing day
NDPR_SERIES = (NDPR_JUN, NDPR_SEP, NDPR_DEC)
NDPR_LINK = IndexLink("NdPr_oxide", base_value=D("60.00"), kg_per_unit=D("0.0135"))


def part(
    sku: str = "P-1",
    *,
    tiers: tuple[tuple[int, str], ...] = ((1, "1.00"),),
    qty: int = 1,
    currency: str = "USD",
    slot: str = "magnet",
    links: tuple[IndexLink, ...] = (),
) -> PricedPart:
    return PricedPart(
        sku=sku,
        slot=slot,
        quantity_per_kit=qty,
        currency=currency,
        tiers=tuple(PriceTier(m, D(p)) for m, p in tiers),
        index_links=links,
    )


def quote(
    parts: tuple[PricedPart, ...],
    schedule: dict[int, int],
    *,
    currency: str = "USD",
    down: str = "0",
    index_values: tuple[IndexValue, ...] = (),
    rates: tuple[ExchangeRate, ...] = (),
    on: date = PRICING_DATE,
) -> PricingInput:
    return PricingInput(
        parts=parts,
        schedule=tuple(ScheduleYear(y, k) for y, k in schedule.items()),
        currency=currency,
        annual_price_down_pct=D(down),
        pricing_date=on,
        index_values=index_values,
        exchange_rates=rates,
    )


# ------------------------------------------------------------------------ rounding


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.5", "KRW", "3"),  # half-even would give 2
        ("3.5", "KRW", "4"),
        ("2.4999", "KRW", "2"),
        ("0.125", "USD", "0.13"),  # half-even would give 0.12
        ("0.005", "USD", "0.01"),
        ("1.005", "EUR", "1.01"),
        ("0.0049", "USD", "0.00"),
        ("7", "USD", "7.00"),
    ],
)
def test_round_money_is_half_up_to_the_minor_unit(amount, currency, expected):
    rounded = round_money(D(amount), currency)
    assert rounded == D(expected)
    assert str(rounded) == expected


def test_round_money_rejects_unknown_currency():
    with pytest.raises(PricingError) as err:
        round_money(D("1"), "JPY")
    assert err.value.code == "UNKNOWN_CURRENCY"


def test_unit_kit_price_rounds_half_up_at_exactly_half():
    krw = price(quote((part(tiers=((1, "2.5"),), currency="KRW"),), {2026: 1}, currency="KRW"))
    # 2.5 KRW per kit -> 3 won (half-up, not banker's 2)
    assert krw.years[0].unit_kit_price == D("3")
    assert krw.years[0].amount == D("3")
    assert krw.total == D("3")

    usd = price(quote((part(tiers=((1, "0.125"),)),), {2026: 1}))
    # 0.125 USD per kit -> 0.13
    assert usd.years[0].amount == D("0.13")

    usd_half_cent = price(quote((part(tiers=((1, "0.0025"),), qty=2),), {2026: 1}))
    # 0.0025 x 2 per kit = 0.005 -> 0.01
    assert usd_half_cent.years[0].amount == D("0.01")


def test_year_amount_is_the_rounded_unit_kit_price_times_kits_exactly():
    # 0.125 USD per kit rounds to 0.13; 1,000 kits are 130.00, not round(125.00) = 125.00:
    # the document's unit price x quantity must equal its amount (domain.md section 6).
    result = price(quote((part(tiers=((1, "0.125"),)),), {2026: 1000, 2027: 7}))
    assert [y.unit_kit_price for y in result.years] == [D("0.13"), D("0.13")]
    assert [y.amount for y in result.years] == [D("130.00"), D("0.91")]
    assert result.total == D("130.91")
    for year in result.years:
        assert year.unit_kit_price * year.kits == year.amount


# -------------------------------------------------------------------------- tiers

TIERED = ((1, "10.00"), (100, "9.00"), (1000, "8.00"))


def test_tier_boundaries_and_a_program_growing_into_higher_tiers():
    result = price(quote((part(tiers=TIERED, qty=4),), {2026: 24, 2027: 25, 2028: 249, 2029: 250}))
    lines = [y.parts[0] for y in result.years]
    assert [line.units for line in lines] == [96, 100, 996, 1000]
    # 96 is one group of 4 below 100; 100 and 1000 sit exactly on a min_qty
    assert [line.tier_min_qty for line in lines] == [1, 100, 100, 1000]
    assert [line.base_unit_price for line in lines] == [D("10.00"), D("9.00"), D("9.00"), D("8.00")]
    # 96 x 10 = 960.00; 100 x 9 = 900.00; 996 x 9 = 8964.00; 1000 x 8 = 8000.00
    expected = [D("960.00"), D("900.00"), D("8964.00"), D("8000.00")]
    assert [y.amount for y in result.years] == expected
    # 960 + 900 + 8964 + 8000
    assert result.total == D("18824.00")


def test_tier_one_unit_below_and_exactly_at_a_min_qty():
    tiers = ((10, "5.00"), (50, "4.00"))
    below = price(quote((part(tiers=tiers),), {2026: 49}))
    at = price(quote((part(tiers=tiers),), {2026: 50}))
    assert below.years[0].parts[0].tier_min_qty == 10
    assert below.years[0].amount == D("245.00")  # 49 x 5.00
    assert at.years[0].parts[0].tier_min_qty == 50
    assert at.years[0].amount == D("200.00")  # 50 x 4.00


def test_tiers_need_not_be_given_in_order():
    shuffled = ((1000, "8.00"), (1, "10.00"), (100, "9.00"))
    result = price(quote((part(tiers=shuffled),), {2026: 999}))
    assert result.years[0].parts[0].tier_min_qty == 100
    assert result.years[0].amount == D("8991.00")  # 999 x 9.00


def test_single_tier_at_one_always_prices():
    result = price(quote((part(tiers=((1, "3.00"),)),), {2026: 1}))
    assert result.years[0].amount == D("3.00")


def test_zero_kit_year_prices_to_zero_even_below_the_lowest_tier():
    result = price(quote((part(tiers=((500, "2.00"),), qty=4),), {2026: 200, 2027: 0}))
    # 2026: 800 units x 2.00 = 1600.00; 2027: nothing delivered
    assert [y.amount for y in result.years] == [D("1600.00"), D("0.00")]
    zero = result.years[1].parts[0]
    assert zero.units == 0
    assert zero.amount == 0
    assert result.total == D("1600.00")


# -------------------------------------------------------------------------- index


def test_index_pass_through_uses_latest_value_on_or_before_pricing_day():
    dy_link = IndexLink("Dy_metal", base_value=D("250.00"), kg_per_unit=D("0.0004"))
    dy_value = IndexValue("Dy_metal", date(2025, 10, 15), D("240.00"))
    magnet = part("MAG-1", tiers=((1, "3.40"),), qty=16, links=(NDPR_LINK, dy_link))
    result = price(quote((magnet,), {2026: 100}, index_values=(*NDPR_SERIES, dy_value)))
    line = result.years[0].parts[0]
    # NdPr: Sep value 62.80 (Dec 75.00 is after 2025-11-03): (62.80 - 60.00) x 0.0135 = 0.0378
    # Dy: (240.00 - 250.00) x 0.0004 = -0.0040; sum = 0.0338
    assert line.index_adjustment == D("0.0338")
    # kit: 3.4338 x 16 = 54.9408 -> 54.94; x 100 kits = 5494.00
    # (the unrounded 3.4338 x 1600 units would be 5494.08: the kit price is rounded first)
    assert line.unit_price == D("3.4338")
    assert result.years[0].unit_kit_price == D("54.94")
    assert result.years[0].amount == D("5494.00")
    assert result.index_values_used == (dy_value, NDPR_SEP)


def test_index_value_dated_on_the_pricing_day_counts():
    same_day = IndexValue("NdPr_oxide", PRICING_DATE, D("61.00"))
    magnet = part(tiers=((1, "3.40"),), links=(NDPR_LINK,))
    result = price(quote((magnet,), {2026: 1000}, index_values=(*NDPR_SERIES, same_day)))
    # (61.00 - 60.00) x 0.0135 = 0.0135; kit 3.4135 -> 3.41; x 1000 = 3410.00
    assert result.years[0].unit_kit_price == D("3.41")
    assert result.years[0].amount == D("3410.00")
    assert result.index_values_used == (same_day,)


# ---------------------------------------------------------------------- price-down


def test_price_down_compounds_by_contract_year():
    result = price(quote((part(tiers=((1, "100.00"),)),), {2026: 10, 2027: 10, 2028: 10}, down="3"))
    # factors: 0.97^0 = 1, 0.97^1 = 0.97, 0.97^2 = 0.9409
    assert [y.parts[0].price_down_factor for y in result.years] == [D(1), D("0.97"), D("0.9409")]
    assert [y.contract_year_index for y in result.years] == [0, 1, 2]
    # 10 x 100.00 x factor = 1000.00, 970.00, 940.90
    assert [y.amount for y in result.years] == [D("1000.00"), D("970.00"), D("940.90")]
    assert result.total == D("2910.90")


def test_price_down_counts_calendar_years_across_gaps_and_unsorted_schedule():
    result = price(quote((part(tiers=((1, "100.00"),)),), {2028: 10, 2026: 10}, down="3"))
    assert [y.year for y in result.years] == [2026, 2028]
    assert [y.contract_year_index for y in result.years] == [0, 2]
    # 2028 is two years after 2026: 1000.00 x 0.9409 = 940.90
    assert result.years[1].amount == D("940.90")


def test_price_down_counts_from_the_first_year_with_kits():
    """A leading year of no kits is no contract year: it cannot compound the price-down."""
    plain = price(quote((part(tiers=((1, "100.00"),)),), {2027: 10, 2028: 10}, down="3"))
    padded = price(quote((part(tiers=((1, "100.00"),)),), {2000: 0, 2026: 0, 2027: 10, 2028: 10},
                         down="3"))
    assert [y.contract_year_index for y in padded.years] == [0, 0, 0, 1]
    assert [y.parts[0].price_down_factor for y in padded.years] == [D(1), D(1), D(1), D("0.97")]
    assert [y.amount for y in padded.years[2:]] == [y.amount for y in plain.years] == [
        D("1000.00"), D("970.00")]
    assert padded.total == plain.total == D("1970.00")


def test_price_down_applies_to_the_index_adjusted_price():
    magnet = part(tiers=((1, "3.40"),), links=(NDPR_LINK,))
    result = price(quote((magnet,), {2026: 1, 2027: 1000}, down="3", index_values=NDPR_SERIES))
    # (3.40 + 0.0378) x 0.97 = 3.334666 per unit and kit -> 3.33; x 1000 = 3330.00
    # (price-down on 3.40 alone would give 3.298 + 0.0378 = 3.3358 -> 3.34 -> 3340.00)
    assert result.years[1].parts[0].unit_price == D("3.334666")
    assert result.years[1].unit_kit_price == D("3.33")
    assert result.years[1].amount == D("3330.00")


# ------------------------------------------------------------------------ currency


def test_usd_part_in_krw_quote_rounds_only_the_kit_price():
    parts = (part("A", tiers=((1, "1.0002"),)), part("B", tiers=((1, "1.0002"),), slot="shaft"))
    result = price(
        quote(parts, {2026: 1}, currency="KRW", rates=(USD_KRW_OLD, USD_KRW, USD_KRW_LATER))
    )
    year = result.years[0]
    # 1.0002 USD x 1385.20 = 1385.477040 KRW per line; rounding each line would give
    # 1385 + 1385 = 2770, but the kit price is rounded once: 2770.954080 -> 2771
    assert [line.amount for line in year.parts] == [D("1385.477040"), D("1385.477040")]
    assert year.amount == D("2771")
    assert result.total == D("2771")
    assert year.unit_kit_price == D("2771")
    assert [line.rate for line in year.parts] == [D("1385.20"), D("1385.20")]
    assert result.exchange_rates_used == (USD_KRW,)


def test_eur_quote_uses_the_inverse_row_at_full_precision():
    parts = (part("A", tiers=((1, "1.00"),)), part("B", tiers=((1, "1.00"),), slot="shaft"))
    result = price(quote(parts, {2026: 1, 2027: 1_000_000}, currency="EUR", rates=(EUR_USD,)))
    # no USD->EUR row, so 1 / 1.08 at 50 significant digits
    inverse = D("0.92592592592592592592592592592592592592592592592593")
    assert result.years[0].parts[0].rate == inverse
    # per line 0.9259... -> 0.93 each would sum to 1.86; the kit 1.85185... -> 1.85
    assert result.years[0].amount == D("1.85")
    # the kit price is 1.85 EUR in every year; 1,000,000 kits x 1.85 = 1,850,000.00
    # (the rate at full precision still matters: a rate rounded to 0.93 would give 1.86)
    assert result.years[1].unit_kit_price == D("1.85")
    assert result.years[1].amount == D("1850000.00")
    assert result.total == D("1850001.85")
    assert result.exchange_rates_used == (EUR_USD,)


def test_eur_part_in_krw_quote_triangulates_through_usd():
    result = price(
        quote((part(tiers=((1, "10.00"),), qty=2, currency="EUR"),), {2026: 3},
              currency="KRW", rates=(USD_KRW, EUR_USD))
    )
    # 1.08 x 1385.20 = 1496.016 KRW per EUR; kit 10.00 x 2 = 20 EUR = 29920.32 -> 29920 KRW
    # x 3 kits = 89760 (rounding the year instead would have given 89760.96 -> 89761)
    assert result.years[0].parts[0].rate == D("1496.016")
    assert result.years[0].unit_kit_price == D("29920")
    assert result.years[0].amount == D("89760")
    assert result.exchange_rates_used == (EUR_USD, USD_KRW)


def test_convert_rate_direct_inverse_and_same_currency():
    assert convert_rate((), "KRW", "KRW", PRICING_DATE) == (D(1), ())
    assert convert_rate((USD_KRW,), "USD", "KRW", PRICING_DATE) == (D("1385.20"), (USD_KRW,))
    krw_usd, rows = convert_rate((USD_KRW,), "KRW", "USD", PRICING_DATE)
    with localcontext() as ctx:
        ctx.prec = 50
        assert krw_usd == D(1) / D("1385.20")
    assert rows == (USD_KRW,)


def test_convert_rate_takes_the_latest_row_in_either_direction():
    newer_inverse = ExchangeRate(date(2025, 11, 2), "KRW", "USD", D("0.0008"))
    older_direct = ExchangeRate(date(2025, 11, 1), "USD", "KRW", D("1300"))
    assert convert_rate((older_direct, newer_inverse), "USD", "KRW", PRICING_DATE) == (
        D("1250"),  # 1 / 0.0008
        (newer_inverse,),
    )
    same_day_inverse = replace(newer_inverse, date=older_direct.date)
    rate, rows = convert_rate((same_day_inverse, older_direct), "USD", "KRW", PRICING_DATE)
    assert (rate, rows) == (D("1300"), (older_direct,))


# ------------------------------------------------------------------ large amounts


def test_krw_total_of_a_trillion_is_exact_to_the_won():
    stator = part("STATOR-PKG", tiers=((1, "987.6543"),), currency="USD", slot="stator_core")
    result = price(
        quote((stator,), {2026: 500_003, 2027: 234_567}, currency="KRW", down="1.5",
              rates=(USD_KRW,))
    )
    # unit (one per kit): 987.6543 x 1385.20 = 1368098.736360 KRW
    # 2026: kit 1368098.736360 -> 1368099; x 500003 = 684053604297
    # 2027: kit 1368098.736360 x 0.985 = 1347577.2553146 -> 1347577; x 234567 = 316097094159
    assert [y.unit_kit_price for y in result.years] == [D("1368099"), D("1347577")]
    assert [y.amount for y in result.years] == [D("684053604297"), D("316097094159")]
    # 684053604297 + 316097094159
    assert result.total == D("1000150698456")
    assert result.years[1].parts[0].amount == D("316097154047.379778200")


# ------------------------------------------------------------ press-release programs

MAGNET_TIERS = ((1, "3.55"), (5_000_000, "3.46"), (20_000_000, "3.40"))
# 8 poles x 2 magnets per pole x 1 axial segment = 16 NdFeB magnets per rotor kit
ROTOR_MAGNETS = part("MAG-N48SH-8P", tiers=MAGNET_TIERS, qty=16, links=(NDPR_LINK,))

# North American automaker, 2026-2031, KRW ~900 bn, 2 % annual price-down
NA_SCHEDULE = {2026: 1_100_000, 2027: 2_000_000, 2028: 2_300_000,
               2029: 2_400_000, 2030: 2_400_000, 2031: 2_200_000}
# European automaker, mid-2025 SOP to mid-2034 EOP (nine years), KRW ~260 bn, 3 %
EU_SCHEDULE = {2025: 180_000, 2026: 400_000, 2027: 460_000, 2028: 480_000, 2029: 480_000,
               2030: 480_000, 2031: 450_000, 2032: 400_000, 2033: 330_000, 2034: 150_000}


def straightforward_total(schedule: dict[int, int], down: str) -> Decimal:
    """The rules restated as a plain loop, independent of the engine."""
    total = Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 50
        adjustment = (D("62.80") - D("60.00")) * D("0.0135")
        first = min(schedule)
        for year in sorted(schedule):
            units = schedule[year] * 16
            unit_usd = max((m, D(p)) for m, p in MAGNET_TIERS if m <= units)[1]
            factor = (1 - D(down) / 100) ** (year - first)
            kit_krw = (unit_usd + adjustment) * factor * D("1385.20") * 16
            total += kit_krw.quantize(D(1), rounding=ROUND_HALF_UP) * schedule[year]
    return total


def test_north_american_900bn_program():
    result = price(quote((ROTOR_MAGNETS,), NA_SCHEDULE, currency="KRW", down="2",
                         index_values=NDPR_SERIES, rates=(USD_KRW_OLD, USD_KRW)))
    # per magnet USD: tier + 0.0378 NdPr pass-through, x 0.98^k, x 1385.20 KRW; the kit
    # (16 magnets) is rounded half-up to the won, and the year is kit price x kits exactly
    # 2026  17.6M units, tier 5M  3.46: 3.4978 x 1         x 1385.20 = 4845.15256
    #       kit x 16 = 77,522.44096 -> 77,522    x 1,100,000 = 85,274,200,000
    # 2027  32.0M units, tier 20M 3.40: 3.4378 x 0.98      x 1385.20 = 4666.7997488
    #       kit 74,668.7959808 -> 74,669          x 2,000,000 = 149,338,000,000
    # 2028  36.8M: 3.4378 x 0.9604       x 1385.20 = 4573.463753824
    #       kit 73,175.420061184 -> 73,175         x 2,300,000 = 168,302,500,000
    # 2029  38.4M: 3.4378 x 0.941192     x 1385.20 = 4481.99447874752
    #       kit 71,711.91165996032 -> 71,712       x 2,400,000 = 172,108,800,000
    # 2030  38.4M: 3.4378 x 0.92236816   x 1385.20 = 4392.3545891725696
    #       kit 70,277.6734267611136 -> 70,278     x 2,400,000 = 168,667,200,000
    # 2031  35.2M: 3.4378 x 0.9039207968 x 1385.20 = 4304.507497389118208
    #       kit 68,872.119958225891328 -> 68,872   x 2,200,000 = 151,518,400,000
    # (the earlier rule, rounding each year amount, gave 895,209,411,275 in total)
    expected_kit_prices = [D("77522"), D("74669"), D("73175"), D("71712"), D("70278"),
                           D("68872")]
    expected_years = [D("85274200000"), D("149338000000"), D("168302500000"),
                      D("172108800000"), D("168667200000"), D("151518400000")]
    assert [y.unit_kit_price for y in result.years] == expected_kit_prices
    assert [y.amount for y in result.years] == expected_years
    assert [y.parts[0].tier_min_qty for y in result.years] == [5_000_000] + [20_000_000] * 5
    assert result.total == D("895209100000") == sum(expected_years)
    assert result.total == straightforward_total(NA_SCHEDULE, "2")
    assert abs(result.total - D("900e9")) <= D("900e9") * D("0.05")
    assert result.index_values_used == (NDPR_SEP,)
    assert result.exchange_rates_used == (USD_KRW,)
    assert all(y.unit_kit_price * y.kits == y.amount for y in result.years)


def test_european_260bn_program():
    result = price(quote((ROTOR_MAGNETS,), EU_SCHEDULE, currency="KRW", down="3",
                         index_values=NDPR_SERIES, rates=(USD_KRW,)))
    # per magnet KRW = (tier + 0.0378) x 0.97^k x 1385.20; kit = 16 magnets, rounded
    # half-up to the won; amount = kit price x kits exactly
    # 2025  2.88M units, tier 1   3.55: 4969.82056        kit 79,517.12896 -> 79,517
    #       x 180,000 = 14,313,060,000
    # 2026  6.40M units, tier 5M  3.46: 4699.7979832      kit 75,196.7677312 -> 75,197
    #       x 400,000 = 30,078,800,000
    # 2027  7.36M: 3.4978 x 0.9409    x 1385.20 = 4558.804043704   kit 72,940.86... -> 72,941
    #       x 460,000 = 33,552,860,000
    # 2028  7.68M: 3.4978 x 0.912673  x 1385.20 = 4422.03992239288 kit 70,752.63... -> 70,753
    #       x 480,000 = 33,961,440,000
    # 2029  7.68M: x 0.88529281       = 4289.3787247210936    kit 68,630.05... -> 68,630
    #       x 480,000 = 32,942,400,000
    # 2030  7.68M: x 0.8587340257     = 4160.697362979460792  kit 66,571.15... -> 66,571
    #       x 480,000 = 31,954,080,000
    # 2031  7.20M: x 0.832972004929   = 4035.87644209007696824 kit 64,574.02... -> 64,574
    #       x 450,000 = 29,058,300,000
    # 2032  6.40M: x 0.80798284478113 = 3914.8001488273746591928 kit 62,636.80... -> 62,637
    #       x 400,000 = 25,054,800,000
    # 2033  5.28M, still tier 5M: x 0.7837433594376961 = 3797.356144362553419417016
    #       kit 60,757.69... -> 60,758  x 330,000 = 20,050,140,000
    # 2034  2.40M, back to tier 1 3.55: 3.5878 x 0.760231058654565217 x 1385.20
    #       = 3778.21194565202415330746152, kit 60,451.39... -> 60,451
    #       x 150,000 = 9,067,650,000
    # (the earlier rule, rounding each year amount, gave 260,033,219,472 in total)
    expected_years = [D("14313060000"), D("30078800000"), D("33552860000"), D("33961440000"),
                      D("32942400000"), D("31954080000"), D("29058300000"), D("25054800000"),
                      D("20050140000"), D("9067650000")]
    assert [y.amount for y in result.years] == expected_years
    assert result.total == D("260033530000") == sum(expected_years)
    assert result.total == straightforward_total(EU_SCHEDULE, "3")
    assert abs(result.total - D("260e9")) <= D("260e9") * D("0.05")


# -------------------------------------------------------------------------- errors


def test_no_rate():
    with pytest.raises(PricingError) as err:
        price(quote((part(),), {2026: 1}, currency="KRW", rates=(USD_KRW_LATER,)))
    assert (err.value.code, err.value.field) == ("NO_RATE", "exchange_rates")
    assert "P-1" in err.value.message
    assert "USD->KRW" in err.value.message


def test_convert_rate_without_any_path_raises_no_rate():
    with pytest.raises(PricingError) as err:
        convert_rate((EUR_USD,), "EUR", "KRW", PRICING_DATE)
    assert (err.value.code, err.value.field) == ("NO_RATE", "exchange_rates")


def test_no_index_value():
    magnet = part("MAG-1", links=(NDPR_LINK,))
    with pytest.raises(PricingError) as err:
        price(quote((magnet,), {2026: 1}, index_values=(NDPR_DEC,)))
    assert (err.value.code, err.value.field) == ("NO_INDEX_VALUE", "index_values")
    assert "MAG-1" in err.value.message
    assert "NdPr_oxide" in err.value.message


def test_units_below_lowest_tier():
    parts = (part("OK"), part("END-PLATE", tiers=((500, "2.00"),), qty=4))
    with pytest.raises(PricingError) as err:
        price(quote(parts, {2026: 200, 2027: 10}))
    assert (err.value.code, err.value.field) == ("NO_TIER", "parts[1].tiers")
    # 10 kits x 4 = 40 units, below min_qty 500
    assert "END-PLATE" in err.value.message
    assert "40 units" in err.value.message


@pytest.mark.parametrize(
    ("make", "code", "field"),
    [
        (lambda: quote((part(),), {2026: 1}, currency="JPY"), "UNKNOWN_CURRENCY", "currency"),
        (lambda: quote((part(), part(currency="GBP")), {2026: 1}),
         "UNKNOWN_CURRENCY", "parts[1].currency"),
        (lambda: quote((part(),), {}), "EMPTY_SCHEDULE", "schedule"),
        (lambda: quote((part(),), {2026: 1, 2027: -1}), "BAD_INPUT", "schedule[1].kits"),
        (lambda: quote((), {2026: 1}), "BAD_INPUT", "parts"),
        (lambda: quote((part(tiers=()),), {2026: 1}), "NO_TIER", "parts[0].tiers"),
        (lambda: quote((part(tiers=((1, "2"), (1, "3"))),), {2026: 1}),
         "BAD_INPUT", "parts[0].tiers[1].min_qty"),
        (lambda: quote((part(tiers=((1, "-2"),)),), {2026: 1}),
         "BAD_INPUT", "parts[0].tiers[0].unit_price"),
        (lambda: quote((part(qty=0),), {2026: 1}), "BAD_INPUT", "parts[0].quantity_per_kit"),
        (lambda: quote((part(),), {2026: 1}, down="100"), "BAD_INPUT", "annual_price_down_pct"),
        (lambda: quote((part(),), {2026: 1}, down="-0.5"), "BAD_INPUT", "annual_price_down_pct"),
        (lambda: quote((part(),), {2026: 1}, rates=(replace(USD_KRW, rate=D(0)),)),
         "BAD_INPUT", "exchange_rates[0].rate"),
        (lambda: quote((part(),), {2026: 1},
                       index_values=(NDPR_SEP, replace(NDPR_SEP, value=D(1)))),
         "BAD_INPUT", "index_values[1]"),
    ],
)
def test_invalid_input_names_the_field(make, code, field):
    with pytest.raises(PricingError) as err:
        price(make())
    assert (err.value.code, err.value.field) == (code, field)


def test_duplicate_schedule_years_are_rejected():
    inp = replace(quote((part(),), {2026: 1}),
                  schedule=(ScheduleYear(2026, 1), ScheduleYear(2026, 2)))
    with pytest.raises(PricingError) as err:
        price(inp)
    assert (err.value.code, err.value.field) == ("BAD_INPUT", "schedule[1].year")


def test_float_money_is_rejected():
    inp = replace(quote((part(),), {2026: 1}), annual_price_down_pct=3.0)
    with pytest.raises(PricingError) as err:
        price(inp)
    assert (err.value.code, err.value.field) == ("BAD_INPUT", "annual_price_down_pct")

    floaty = PricedPart("F", "magnet", 1, "USD", (PriceTier(1, 3.4),))
    with pytest.raises(PricingError) as err:
        price(quote((floaty,), {2026: 1}))
    assert (err.value.code, err.value.field) == ("BAD_INPUT", "parts[0].tiers[0].unit_price")


def test_index_drop_below_zero_price_is_refused():
    crash = IndexValue("NdPr_oxide", date(2025, 10, 1), D("0"))
    cheap = part(tiers=((1, "0.50"),), links=(NDPR_LINK,))
    # (0 - 60.00) x 0.0135 = -0.81 > 0.50
    with pytest.raises(PricingError) as err:
        price(quote((cheap,), {2026: 1}, index_values=(crash,)))
    assert (err.value.code, err.value.field) == ("BAD_INPUT", "parts[0].index_links")


# --------------------------------------------------------------------- invariants


def test_global_decimal_context_is_untouched_and_results_are_frozen():
    before = decimal.getcontext().copy()
    result = price(quote((ROTOR_MAGNETS,), NA_SCHEDULE, currency="KRW", down="2",
                         index_values=NDPR_SERIES, rates=(USD_KRW,)))
    after = decimal.getcontext()
    assert (after.prec, after.rounding) == (before.prec, before.rounding)
    with pytest.raises(FrozenInstanceError):
        result.total = D(0)  # type: ignore[misc]


RATES_FOR_ANY_PAIR = (USD_KRW, EUR_USD)
money = st.decimals(min_value=D("0"), max_value=D("50000"), places=4)


@st.composite
def pricing_inputs(draw):
    parts = []
    for i in range(draw(st.integers(1, 4))):
        extra = draw(st.lists(st.tuples(st.integers(2, 5_000_000), money), max_size=3,
                              unique_by=lambda t: t[0]))
        tiers = ((1, draw(money)), *extra)
        parts.append(PricedPart(
            sku=f"S{i}", slot="magnet", quantity_per_kit=draw(st.integers(1, 40)),
            currency=draw(st.sampled_from(sorted(CURRENCY_MINOR_UNITS))),
            tiers=tuple(PriceTier(m, p) for m, p in tiers),
        ))
    years = draw(st.lists(st.integers(2024, 2040), min_size=1, max_size=8, unique=True))
    schedule = tuple(ScheduleYear(y, draw(st.integers(0, 3_000_000))) for y in years)
    return PricingInput(
        parts=tuple(parts),
        schedule=schedule,
        currency=draw(st.sampled_from(sorted(CURRENCY_MINOR_UNITS))),
        annual_price_down_pct=draw(st.decimals(min_value=0, max_value=D("99.99"), places=2)),
        pricing_date=PRICING_DATE,
        exchange_rates=RATES_FOR_ANY_PAIR,
    )


@settings(max_examples=examples(200), deadline=None)
@given(pricing_inputs())
def test_total_is_the_sum_of_rounded_year_amounts(inp):
    result = price(inp)
    minor = CURRENCY_MINOR_UNITS[inp.currency]
    assert result.total == sum(y.amount for y in result.years)
    for year in result.years:
        assert year.amount.as_tuple().exponent >= -minor
        with localcontext() as ctx:
            ctx.prec = 50
            unrounded_kit = sum(p.amount for p in year.parts) / year.kits if year.kits else None
        if unrounded_kit is not None:
            assert year.unit_kit_price == round_money(unrounded_kit, inp.currency)
        assert year.amount == year.unit_kit_price * year.kits
    assert result.total.as_tuple().exponent >= -minor
