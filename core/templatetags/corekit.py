from decimal import Decimal

from django import template

from parts.domain.provenance import COUNTRY_NAMES

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """KRW without decimals, USD/EUR with two; Decimal only."""
    from orders.documents import format_money

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


@register.simple_tag
def option_rows(options, label: str):
    """The rows of a slot's options table. Built in Python: the builder re-renders on every
    choice and the template engine would be most of its cost."""
    from django.utils.html import format_html, format_html_join
    from django.utils.safestring import mark_safe

    rows = []
    for opt in options.items:
        part = opt.part
        why = ""
        if not opt.feasible:
            why = format_html('<div class="small">{}</div>', format_html_join(
                "", "<b>{}</b>: {}<br>", ((v.code, v.message) for v in opt.violations)))
        price = "" if part.reference_unit_price is None else f"{part.reference_unit_price:.2f}"
        if part.sku in options.current:
            action = mark_safe('<span class="badge ok">chosen</span>')
        else:
            action = format_html(
                '<button class="{}" type="submit" name="sku" value="{}" aria-label="Choose {} for {}">'
                "Choose</button>", "" if opt.feasible else "secondary", part.sku, part.sku, label)
        rows.append(format_html(
            '<tr class="{}"><td><span class="code">{}</span>{}</td><td class="small">{}</td>'
            '<td class="num small">{}</td><td class="num small">{} d</td><td>{}</td></tr>',
            "option-feasible" if opt.feasible else "option-excluded", part.sku, why,
            part.supplier_name, price, part.lead_time_days, action))
    return format_html_join("", "{}", ((r,) for r in rows))
