from decimal import Decimal

from django import template

from core.domain.countries import COUNTRY_NAMES
from core.domain.money import format_amount, format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """KRW without decimals, USD/EUR with two; Decimal only. The code and the number are
    joined by a no-break space: a narrow column never puts them on two lines (a table that
    no longer fits then stacks, static/js/tables.js)."""
    if amount in (None, ""):
        return "—"
    return format_money(Decimal(str(amount)), currency).replace(" ", "\u00a0", 1)


@register.filter
def amount(value, currency: str) -> str:
    """The amount alone, for a column whose header names the currency (a phone-width table
    then never breaks "EUR" from its number)."""
    if value in (None, ""):
        return "—"
    return format_amount(Decimal(str(value)), currency)


@register.filter
def flag(country: str) -> str:
    """The country's flag as regional-indicator letters (rendered as a flag by most systems)."""
    if not country or len(country) != 2 or not country.isalpha():
        return ""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in country.upper())


@register.filter
def country_name(country: str) -> str:
    return COUNTRY_NAMES.get(country, country)


@register.filter
def thousands(value) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)
