"""Contract pricing for core kits (domain.md section 6).

Pure standard-library code: frozen dataclasses in, frozen dataclasses out.
Money is ``Decimal`` throughout; a float anywhere in the input is rejected
because a 10^12 KRW contract total must be exact to the won.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from core.domain.money import CURRENCIES

__all__ = [
    "CURRENCY_MINOR_UNITS",
    "PIVOT_CURRENCY",
    "ExchangeRate",
    "IndexLink",
    "IndexValue",
    "PartYearLine",
    "PriceTier",
    "PricedPart",
    "PricingError",
    "PricingInput",
    "PricingResult",
    "ScheduleYear",
    "YearLine",
    "convert_rate",
    "price",
    "round_money",
]

# The one currency table (core.domain.money), under the name pricing has always exported.
CURRENCY_MINOR_UNITS = CURRENCIES

# Cross rates are only ever built through one currency so that the rows a quote
# relied on stay few and auditable.
PIVOT_CURRENCY = "USD"

# 50 significant digits keep 10^12 KRW totals exact with ~37 digits to spare
# for the fractional part of converted unit prices; the traps turn silent
# NaN/Infinity results into exceptions instead of wrong money.
_CONTEXT = Context(
    prec=50,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

_ONE = Decimal(1)
_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class PriceTier:
    min_qty: int
    unit_price: Decimal


@dataclass(frozen=True)
class IndexLink:
    """Raw-material pass-through; ``base_value`` and the index values are in the
    part's currency per kg, so the adjustment lands in the part's currency."""

    index: str
    base_value: Decimal
    kg_per_unit: Decimal


@dataclass(frozen=True)
class PricedPart:
    sku: str
    slot: str
    quantity_per_kit: int
    currency: str
    tiers: tuple[PriceTier, ...]
    index_links: tuple[IndexLink, ...] = ()


@dataclass(frozen=True)
class IndexValue:
    index: str
    date: date
    value: Decimal


@dataclass(frozen=True)
class ExchangeRate:
    """``1 from_currency = rate to_currency`` on ``date``."""

    date: date
    from_currency: str
    to_currency: str
    rate: Decimal


@dataclass(frozen=True)
class ScheduleYear:
    year: int
    kits: int


@dataclass(frozen=True)
class PricingInput:
    parts: tuple[PricedPart, ...]
    schedule: tuple[ScheduleYear, ...]
    currency: str
    annual_price_down_pct: Decimal
    pricing_date: date
    index_values: tuple[IndexValue, ...] = ()
    exchange_rates: tuple[ExchangeRate, ...] = ()


# -------------------------------------------------------------------------- output


@dataclass(frozen=True)
class PartYearLine:
    sku: str
    slot: str
    units: int
    tier_min_qty: int
    base_unit_price: Decimal
    index_adjustment: Decimal
    price_down_factor: Decimal
    rate: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class YearLine:
    year: int
    kits: int
    contract_year_index: int
    unit_kit_price: Decimal
    amount: Decimal
    parts: tuple[PartYearLine, ...]


@dataclass(frozen=True)
class PricingResult:
    currency: str
    years: tuple[YearLine, ...]
    total: Decimal
    index_values_used: tuple[IndexValue, ...]
    exchange_rates_used: tuple[ExchangeRate, ...]


class PricingError(Exception):
    """A quote that cannot be priced; ``field`` points at the offending input."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(f"{code} at {field}: {message}")
        self.code = code
        self.message = message
        self.field = field


# ------------------------------------------------------------------------- helpers


def _minor_units(currency: str, field: str) -> int:
    try:
        return CURRENCY_MINOR_UNITS[currency]
    except (KeyError, TypeError):
        raise PricingError(
            "UNKNOWN_CURRENCY", f"unknown currency {currency!r}", field
        ) from None


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half-up to the currency's minor unit (KRW 0 decimals, USD/EUR 2)."""
    minor = _minor_units(currency, "currency")
    with localcontext(_CONTEXT):
        return amount.quantize(Decimal(1).scaleb(-minor), rounding=ROUND_HALF_UP)


def _check_decimal(value: object, field: str, *, positive: bool = False) -> Decimal:
    # Rejecting int and float alike keeps "money is Decimal" a checked invariant
    # rather than a convention.
    if not isinstance(value, Decimal) or not value.is_finite():
        raise PricingError("BAD_INPUT", f"expected a finite Decimal, got {value!r}", field)
    if positive and value <= 0:
        raise PricingError("BAD_INPUT", f"must be > 0, got {value}", field)
    if not positive and value < 0:
        raise PricingError("BAD_INPUT", f"must be >= 0, got {value}", field)
    return value


def _check_int(value: object, field: str, *, minimum: int) -> int:
    # bool is an int subclass; True kits is a bug, not a quantity.
    if not isinstance(value, int) or isinstance(value, bool):
        raise PricingError("BAD_INPUT", f"expected an int, got {value!r}", field)
    if value < minimum:
        raise PricingError("BAD_INPUT", f"must be >= {minimum}, got {value}", field)
    return value


def _latest_rate_row(
    rates: tuple[ExchangeRate, ...], from_currency: str, to_currency: str, on: date
) -> tuple[Decimal, ExchangeRate] | None:
    """Latest row for the pair on/before ``on``, read in either direction.

    Direct and inverse rows are the same quote seen from two sides, so the most
    recent one wins regardless of direction; on the same date the direct row wins
    because it needs no division.
    """
    best: tuple[date, int, ExchangeRate] | None = None
    for row in rates:
        if row.date > on:
            continue
        if (row.from_currency, row.to_currency) == (from_currency, to_currency):
            key = (row.date, 1, row)
        elif (row.from_currency, row.to_currency) == (to_currency, from_currency):
            key = (row.date, 0, row)
        else:
            continue
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        return None
    row = best[2]
    with localcontext(_CONTEXT):
        rate = row.rate if best[1] == 1 else _ONE / row.rate
    return rate, row


def convert_rate(
    rates: tuple[ExchangeRate, ...] | list[ExchangeRate],
    from_currency: str,
    to_currency: str,
    on: date,
) -> tuple[Decimal, tuple[ExchangeRate, ...]]:
    """Multiplier taking an amount in ``from_currency`` to ``to_currency``.

    Returns the rate at full (50-digit) precision and the rows it came from:
    none for the same currency, one for a direct or inverse row, two for a cross
    through USD (from->USD leg first, then USD->to). Raises NO_RATE otherwise.
    """
    if from_currency == to_currency:
        return _ONE, ()
    rows = tuple(rates)
    for i, row in enumerate(rows):
        _check_decimal(row.rate, f"exchange_rates[{i}].rate", positive=True)

    found = _latest_rate_row(rows, from_currency, to_currency, on)
    if found is not None:
        rate, row = found
        return rate, (row,)

    if PIVOT_CURRENCY not in (from_currency, to_currency):
        first = _latest_rate_row(rows, from_currency, PIVOT_CURRENCY, on)
        second = _latest_rate_row(rows, PIVOT_CURRENCY, to_currency, on)
        if first is not None and second is not None:
            with localcontext(_CONTEXT):
                rate = first[0] * second[0]
            return rate, (first[1], second[1])

    raise PricingError(
        "NO_RATE",
        f"no {from_currency}->{to_currency} rate on or before {on.isoformat()} "
        f"(direct, inverse or via {PIVOT_CURRENCY})",
        "exchange_rates",
    )


def _latest_index_value(
    values: tuple[IndexValue, ...], index: str, on: date
) -> IndexValue | None:
    best: IndexValue | None = None
    for value in values:
        if value.index == index and value.date <= on and (best is None or value.date > best.date):
            best = value
    return best


# ---------------------------------------------------------------------- validation


def _validate(inp: PricingInput) -> None:
    _minor_units(inp.currency, "currency")

    d = inp.annual_price_down_pct
    if not isinstance(d, Decimal) or not d.is_finite() or not (_ZERO <= d < _HUNDRED):
        raise PricingError(
            "BAD_INPUT", f"price-down must be a Decimal in [0, 100), got {d!r}",
            "annual_price_down_pct",
        )

    if not inp.parts:
        raise PricingError("BAD_INPUT", "a quote needs at least one part", "parts")
    for i, part in enumerate(inp.parts):
        where = f"parts[{i}]"
        _minor_units(part.currency, f"{where}.currency")
        _check_int(part.quantity_per_kit, f"{where}.quantity_per_kit", minimum=1)
        if not part.tiers:
            raise PricingError("NO_TIER", f"sku {part.sku} has no price tiers", f"{where}.tiers")
        seen_min: set[int] = set()
        for j, tier in enumerate(part.tiers):
            _check_int(tier.min_qty, f"{where}.tiers[{j}].min_qty", minimum=1)
            _check_decimal(tier.unit_price, f"{where}.tiers[{j}].unit_price")
            if tier.min_qty in seen_min:
                raise PricingError(
                    "BAD_INPUT", f"sku {part.sku} has two tiers at min_qty {tier.min_qty}",
                    f"{where}.tiers[{j}].min_qty",
                )
            seen_min.add(tier.min_qty)
        for j, link in enumerate(part.index_links):
            _check_decimal(link.base_value, f"{where}.index_links[{j}].base_value")
            _check_decimal(link.kg_per_unit, f"{where}.index_links[{j}].kg_per_unit")

    if not inp.schedule:
        raise PricingError("EMPTY_SCHEDULE", "the delivery schedule has no years", "schedule")
    seen_years: set[int] = set()
    for i, entry in enumerate(inp.schedule):
        _check_int(entry.year, f"schedule[{i}].year", minimum=1)
        _check_int(entry.kits, f"schedule[{i}].kits", minimum=0)
        if entry.year in seen_years:
            raise PricingError(
                "BAD_INPUT", f"year {entry.year} appears twice", f"schedule[{i}].year"
            )
        seen_years.add(entry.year)

    # Two different values for the same (index, date) would make the quote
    # depend on tuple order, so they are refused instead of picked from.
    index_seen: dict[tuple[str, date], Decimal] = {}
    for i, value in enumerate(inp.index_values):
        _check_decimal(value.value, f"index_values[{i}].value")
        key = (value.index, value.date)
        if index_seen.setdefault(key, value.value) != value.value:
            raise PricingError(
                "BAD_INPUT", f"conflicting values for {value.index} on {value.date.isoformat()}",
                f"index_values[{i}]",
            )

    rate_seen: dict[tuple[date, str, str], Decimal] = {}
    for i, row in enumerate(inp.exchange_rates):
        _check_decimal(row.rate, f"exchange_rates[{i}].rate", positive=True)
        key = (row.date, row.from_currency, row.to_currency)
        if rate_seen.setdefault(key, row.rate) != row.rate:
            raise PricingError(
                "BAD_INPUT",
                f"conflicting {row.from_currency}->{row.to_currency} rates on "
                f"{row.date.isoformat()}",
                f"exchange_rates[{i}]",
            )


# ------------------------------------------------------------------------- pricing


@dataclass(frozen=True)
class _ResolvedPart:
    part: PricedPart
    tiers: tuple[PriceTier, ...]  # ascending min_qty
    index_adjustment: Decimal
    rate: Decimal


def _select_tier(resolved: _ResolvedPart, units: int, where: str) -> PriceTier:
    chosen: PriceTier | None = None
    for tier in resolved.tiers:
        if tier.min_qty <= units:
            chosen = tier
    if chosen is None:
        # A year with no kits has nothing to price; the lowest tier is shown so
        # the line still explains what a unit would cost.
        if units == 0:
            return resolved.tiers[0]
        part = resolved.part
        raise PricingError(
            "NO_TIER",
            f"sku {part.sku}: {units} units is below the lowest tier "
            f"(min_qty {resolved.tiers[0].min_qty})",
            f"{where}.tiers",
        )
    return chosen


def price(inp: PricingInput) -> PricingResult:
    """Price a kit program year by year; see domain.md section 6."""
    _validate(inp)
    with localcontext(_CONTEXT):
        return _price(inp)


def _price(inp: PricingInput) -> PricingResult:
    index_used: dict[tuple[str, date], IndexValue] = {}
    rates_used: dict[ExchangeRate, None] = {}  # ordered set, first use first

    resolved_parts: list[_ResolvedPart] = []
    for i, part in enumerate(inp.parts):
        adjustment = _ZERO
        for link in part.index_links:
            value = _latest_index_value(inp.index_values, link.index, inp.pricing_date)
            if value is None:
                raise PricingError(
                    "NO_INDEX_VALUE",
                    f"sku {part.sku}: no {link.index} value on or before "
                    f"{inp.pricing_date.isoformat()}",
                    "index_values",
                )
            index_used.setdefault((value.index, value.date), value)
            adjustment += (value.value - link.base_value) * link.kg_per_unit

        try:
            rate, rows = convert_rate(
                inp.exchange_rates, part.currency, inp.currency, inp.pricing_date
            )
        except PricingError as exc:
            raise PricingError(exc.code, f"sku {part.sku}: {exc.message}", exc.field) from None
        for row in rows:
            rates_used.setdefault(row, None)

        tiers = tuple(sorted(part.tiers, key=lambda t: t.min_qty))
        # A falling index may eat into the price but never past zero: a negative
        # unit price is a data error the sales rep has to see, not a credit.
        lowest = min(t.unit_price for t in tiers)
        if lowest + adjustment < 0:
            raise PricingError(
                "BAD_INPUT",
                f"sku {part.sku}: index adjustment {adjustment} makes the unit price negative",
                f"parts[{i}].index_links",
            )
        resolved_parts.append(_ResolvedPart(part, tiers, adjustment, rate))

    schedule = sorted(inp.schedule, key=lambda s: s.year)
    # The contract's first year is its first delivery: a year of no kits before it is no
    # contract year (a schedule opening with "2000: 0 kits" took 0.97^27, 56 % off, from
    # a 2027 delivery at a 3 % price-down).
    first_year = next((s.year for s in schedule if s.kits), schedule[0].year)
    keep = _ONE - inp.annual_price_down_pct / _HUNDRED

    years: list[YearLine] = []
    for entry in schedule:
        # Calendar-year distance, so a gap in deliveries still compounds.
        k = max(entry.year - first_year, 0)
        factor = keep**k
        lines: list[PartYearLine] = []
        kit_price = _ZERO
        for i, resolved in enumerate(resolved_parts):
            part = resolved.part
            units = entry.kits * part.quantity_per_kit
            tier = _select_tier(resolved, units, f"parts[{i}]")
            unit_price = (tier.unit_price + resolved.index_adjustment) * factor * resolved.rate
            amount = unit_price * units
            kit_price += unit_price * part.quantity_per_kit
            lines.append(
                PartYearLine(
                    sku=part.sku,
                    slot=part.slot,
                    units=units,
                    tier_min_qty=tier.min_qty,
                    base_unit_price=tier.unit_price,
                    index_adjustment=resolved.index_adjustment,
                    price_down_factor=factor,
                    rate=resolved.rate,
                    unit_price=unit_price,
                    amount=amount,
                )
            )
        # One rounding per year, on the kit price; the amount is that price times
        # the kits exactly, so the document's unit x quantity = amount holds in
        # the buyer's ERP (domain.md section 6). Part lines stay at full precision
        # as the breakdown of the kit price, not as separately billed amounts.
        unit_kit_price = round_money(kit_price, inp.currency)
        years.append(
            YearLine(
                year=entry.year,
                kits=entry.kits,
                contract_year_index=k,
                unit_kit_price=unit_kit_price,
                amount=unit_kit_price * entry.kits,
                parts=tuple(lines),
            )
        )

    total = sum((y.amount for y in years), round_money(_ZERO, inp.currency))
    return PricingResult(
        currency=inp.currency,
        years=tuple(years),
        total=total,
        index_values_used=tuple(sorted(index_used.values(), key=lambda v: (v.index, v.date))),
        exchange_rates_used=tuple(rates_used),
    )
