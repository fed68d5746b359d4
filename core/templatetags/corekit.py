from decimal import Decimal

from django import template

from core.domain.countries import COUNTRY_NAMES
from core.domain.money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """KRW without decimals, USD/EUR with two; Decimal only."""
    if amount in (None, ""):
        return "—"
    return format_money(Decimal(str(amount)), currency)


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
