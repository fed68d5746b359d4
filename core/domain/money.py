"""Currencies: the one table of what we sell in, their minor units, rounding and formatting.

Pure standard library. Money is ``Decimal``; a float is refused, because a 10^12 KRW
contract total must be exact to the won.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["CURRENCIES", "CURRENCY_CHOICES", "format_amount", "format_money", "minor_units", "round_money"]

# Minor-unit digits (ISO 4217); quotes round each year line to these.
CURRENCIES: dict[str, int] = {"KRW": 0, "USD": 2, "EUR": 2}
CURRENCY_CHOICES: tuple[tuple[str, str], ...] = tuple((code, code) for code in CURRENCIES)


def minor_units(currency: str) -> int:
    """The currency's minor-unit digits; ValueError for a currency we do not sell in."""
    try:
        return CURRENCIES[currency]
    except (KeyError, TypeError):
        raise ValueError(f"unsupported currency {currency!r}") from None


def _require_decimal(amount: object) -> Decimal:
    # A float here means money went through binary floating point somewhere upstream.
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise TypeError(f"money must be a finite Decimal, got {amount!r}")
    return amount


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half-up to the currency's minor unit (KRW 0 decimals, USD/EUR 2)."""
    return _require_decimal(amount).quantize(Decimal(1).scaleb(-minor_units(currency)),
                                             rounding=ROUND_HALF_UP)


def group(value: Decimal) -> str:
    """Thousands separators, a hyphen-minus for negatives, never a negative zero."""
    if value == 0:
        value = abs(value)
    return format(value, ",f")


def format_amount(amount: Decimal, currency: str) -> str:
    """``152,345,678,901`` (KRW), ``1,234.50`` (USD): rounded to the minor unit, no code."""
    return group(round_money(amount, currency))


def format_money(amount: Decimal, currency: str) -> str:
    """``KRW 152,345,678,901``, ``USD 1,234.50``: half-up to the currency's minor unit."""
    return f"{currency} {format_amount(amount, currency)}"


def money_text(amount, currency: str) -> str:
    """``4,327,934.14 USD``, ``152,345,678,901 KRW`` (the sales workspace's lists); "—" when
    there is no amount yet."""
    if amount in (None, ""):
        return "—"
    return f"{format_amount(Decimal(str(amount)), currency)} {currency}"
