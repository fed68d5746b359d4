"""Template tags of the kit builder's pages."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def option_rows(options, label: str):
    """The rows of a slot's options table. Built in Python: the builder re-renders on every
    choice and the template engine would be most of its cost."""
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
