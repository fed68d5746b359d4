"""Template tags of the kit builder's pages."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from configurator.domain.options import cost_per_kit
from parts.domain.specs import CATEGORIES

register = template.Library()

# The specs that matter when choosing a part for a slot, in the order a buyer compares them.
KEY_SPECS: dict[str, tuple[str, ...]] = {
    "stator_core": ("outer_diameter_mm", "inner_diameter_mm", "slots", "stack_length_mm"),
    "rotor_core": ("outer_diameter_mm", "poles", "stack_length_mm", "max_speed_rpm"),
    "magnet": ("grade", "max_operating_temp_c", "length_mm", "width_mm", "thickness_mm"),
    "shaft": ("seat_diameter_mm", "length_mm", "fit", "max_speed_rpm"),
    "end_plate": ("outer_diameter_mm", "bore_diameter_mm"),
    "winding": ("type", "slots", "poles", "insulation_class", "voltage_class_v"),
    "insulation": ("insulation_class", "voltage_class_v", "slots", "stack_length_mm"),
    "busbar": ("voltage_class_v", "max_current_a", "slots"),
    "resolver": ("pole_pairs", "bore_diameter_mm"),
    "temperature_sensor": ("sensor_type", "max_temp_c"),
}


def key_specs(category: str, specs) -> list[tuple[str, str]]:
    """(label, "value unit") of the specs that matter for the slot, for the options table."""
    fields = {f.name: f for f in CATEGORIES.get(category, ())}
    rows = []
    for name in KEY_SPECS.get(category, ()):
        if name not in specs or name not in fields:
            continue
        value, field = specs[name], fields[name]
        if isinstance(value, int) and not isinstance(value, bool):
            text = f"{value:,}"
        elif hasattr(value, "normalize"):
            text = format(value.normalize(), "f")
        else:
            text = str(value)
        rows.append((field.label, f"{text} {field.unit}".strip().replace("_", " ")))
    return rows


@register.simple_tag
def option_rows(options, label: str, kits: int = 0):
    """The rows of a slot's options table. Built in Python: the builder re-renders on every
    choice and the template engine would be most of its cost."""
    rows = []
    for opt in options.items:
        part = opt.part
        why = ""
        if not opt.feasible:
            why = format_html('<div class="small why">{}</div>', format_html_join(
                "", '<span class="tag">{}</span> {}<br>', ((v.code, v.message) for v in opt.violations)))
        specs = format_html_join(" · ", '<span class="spec"><span class="muted">{}</span> {}</span>',
                                 key_specs(part.category, part.specs))
        cost = cost_per_kit(part, opt.quantity, kits)
        cost_text = "" if cost is None else f"{cost:,.2f}"
        unit = part.unit_price_at(kits * opt.quantity) if kits else part.reference_unit_price
        unit_text = "" if unit is None else f"{opt.quantity} × {unit:,.2f}"
        if part.sku in options.current:
            action = mark_safe('<span class="badge ok">chosen</span>')
        else:
            action = format_html(
                '<button class="{}" type="submit" name="sku" value="{}" aria-label="Choose {} for {}">'
                "Choose</button>", "" if opt.feasible else "secondary", part.sku, part.sku, label)
        rows.append(format_html(
            '<tr class="{}"><td><span class="option-name">{}</span><br><span class="code small">{}</span>'
            '<div class="small specs">{}</div>{}</td><td class="small">{}</td>'
            '<td class="num small cost-per-kit" data-cost="{}">{}<div class="muted">{}</div></td>'
            '<td class="num small">{} d</td><td>{}</td></tr>',
            "option-feasible" if opt.feasible else "option-excluded", part.name or part.sku, part.sku,
            specs, why, part.supplier_name, "" if cost is None else cost, cost_text,
            unit_text,
            part.lead_time_days, action))
    return format_html_join("", "{}", ((r,) for r in rows))
