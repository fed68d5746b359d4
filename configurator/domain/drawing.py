"""A to-scale cross-section of the motor core, drawn from catalog specs as an SVG string.

Pure: specs in, SVG text out. The drawing's user unit is the millimetre (the viewBox is in
mm around the shaft axis), so every circle, slot and pocket sits at its catalog size and a
scale bar tells the reader how long 10, 20 or 50 mm is at whatever size the page shows it.
An air gap of 0.4-0.9 mm is a hairline at that scale, so it is also written out in words
next to a leader that points at it. Every piece of text is escaped: SKUs and names come
from the catalog and are data, not markup.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from configurator.domain.units import mm, plain, to_decimal, to_int

__all__ = ["DRAWN_CATEGORIES", "RotorSection", "StatorSection", "core_section_facts", "core_section_svg",
           "kit_core_sections", "rotor_from_specs", "stator_from_specs"]

# The categories the drawing is made of: a kit template with neither has nothing to draw.
DRAWN_CATEGORIES = frozenset({"stator_core", "rotor_core"})


@dataclass(frozen=True)
class StatorSection:
    outer_diameter_mm: Decimal
    inner_diameter_mm: Decimal
    slots: int
    sku: str = ""


@dataclass(frozen=True)
class RotorSection:
    outer_diameter_mm: Decimal
    bore_diameter_mm: Decimal
    poles: int
    magnets_per_pole: int
    pocket_width_mm: Decimal | None = None
    pocket_thickness_mm: Decimal | None = None
    sku: str = ""


def _length(specs: Mapping[str, Any], key: str) -> Decimal | None:
    value = to_decimal(specs.get(key))
    if value is None or not value.is_finite() or value <= 0:
        return None
    return value


def _count(specs: Mapping[str, Any], key: str) -> int | None:
    value = to_int(specs.get(key))
    return value if value is not None and value > 0 else None


_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")

# A drawing with thousands of features says nothing more and costs the PDF a lot.
_MAX_FEATURES = 400


def stator_from_specs(specs: Mapping[str, Any] | None, sku: str = "") -> StatorSection | None:
    """The stator as drawn, or None when its specs cannot make a sensible drawing."""
    if not specs:
        return None
    outer, inner = _length(specs, "outer_diameter_mm"), _length(specs, "inner_diameter_mm")
    slots = _count(specs, "slots")
    if outer is None or inner is None or slots is None or inner >= outer or slots > _MAX_FEATURES:
        return None
    return StatorSection(outer, inner, slots, sku)


def rotor_from_specs(specs: Mapping[str, Any] | None, sku: str = "") -> RotorSection | None:
    """The rotor as drawn, or None when its specs cannot make a sensible drawing."""
    if not specs:
        return None
    outer, bore = _length(specs, "outer_diameter_mm"), _length(specs, "bore_diameter_mm")
    poles, per_pole = _count(specs, "poles"), _count(specs, "magnets_per_pole")
    if outer is None or bore is None or poles is None or per_pole is None or bore >= outer:
        return None
    if poles * per_pole > _MAX_FEATURES:
        return None
    return RotorSection(outer, bore, poles, per_pole, _length(specs, "pocket_width_mm"),
                        _length(specs, "pocket_thickness_mm"), sku)


def kit_core_sections(
    parts: Iterable[tuple[str, str, Mapping[str, Any] | None]],
) -> tuple[StatorSection | None, RotorSection | None]:
    """The kit's stator and rotor as drawn, from its parts as (category, sku, specs)."""
    stator = rotor = None
    for category, sku, specs in parts:
        if category == "stator_core" and stator is None:
            stator = stator_from_specs(specs, sku)
        elif category == "rotor_core" and rotor is None:
            rotor = rotor_from_specs(specs, sku)
    return stator, rotor


# --------------------------------------------------------------------------- text


def _diameter(value: Decimal) -> str:
    return f"Ø{plain(value.normalize() if value == value.to_integral_value() else value)} mm"


def air_gap_mm(stator: StatorSection, rotor: RotorSection) -> Decimal:
    return (stator.inner_diameter_mm - rotor.outer_diameter_mm) / 2


def air_gap_label(stator: StatorSection, rotor: RotorSection) -> str:
    gap = air_gap_mm(stator, rotor)
    if gap <= 0:
        return f"No air gap: the rotor is {mm(-gap * 2)} mm larger than the bore"
    return f"Air gap {mm(gap)} mm"


def core_section_facts(stator: StatorSection | None, rotor: RotorSection | None) -> list[str]:
    """The drawing's dimensions as sentences: its caption and its text alternative."""
    facts = []
    if stator:
        facts.append(f"Stator core{' ' + stator.sku if stator.sku else ''}: "
                     f"{_diameter(stator.outer_diameter_mm)} outside, "
                     f"{_diameter(stator.inner_diameter_mm)} bore, {stator.slots} slots")
    if rotor:
        pockets = rotor.poles * rotor.magnets_per_pole
        facts.append(f"Rotor core{' ' + rotor.sku if rotor.sku else ''}: "
                     f"{_diameter(rotor.outer_diameter_mm)} outside, "
                     f"{_diameter(rotor.bore_diameter_mm)} shaft bore, {rotor.poles} poles, "
                     f"{rotor.magnets_per_pole} magnet pocket{'s' if rotor.magnets_per_pole != 1 else ''}"
                     f" per pole ({pockets} in all)")
    if stator and rotor:
        facts.append(air_gap_label(stator, rotor))
    return facts


# --------------------------------------------------------------------------- geometry


def _n(value: float) -> str:
    """A coordinate with two decimals (0.01 mm is far below anything a page can show)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _polygon(points: list[tuple[float, float]], cls: str) -> str:
    return f'<polygon class="{cls}" points="{" ".join(f"{_n(x)},{_n(y)}" for x, y in points)}"/>'


def _polar(radius: float, angle: float) -> tuple[float, float]:
    # Angle 0 points up (12 o'clock) and grows clockwise, as a drawing is read.
    return radius * math.sin(angle), -radius * math.cos(angle)


def _slot(bore_r: float, depth: float, width: float, angle: float) -> str:
    """A parallel-tooth slot open to the bore: it widens outwards as the teeth keep their width."""
    outer_r = bore_r + depth
    outer_w = width * outer_r / bore_r
    corners = []
    for r, w in ((bore_r - 0.01, width), (outer_r, outer_w)):
        cx, cy = _polar(r, angle)
        tx, ty = math.cos(angle), math.sin(angle)  # tangential unit vector
        corners.append(((cx - tx * w / 2, cy - ty * w / 2), (cx + tx * w / 2, cy + ty * w / 2)))
    (a, b), (c, d) = corners
    return _polygon([a, b, d, c], "cs-slot")


def _pocket(centre_r: float, angle: float, width: float, thickness: float, tilt: float,
            cls: str) -> str:
    """A rectangular magnet pocket centred at (centre_r, angle), its long side tangential,
    turned by tilt (a V's arms lean outwards)."""
    cx, cy = _polar(centre_r, angle)
    along = angle + tilt
    tx, ty = math.cos(along), math.sin(along)
    nx, ny = math.sin(along), -math.cos(along)
    w, t = width / 2, thickness / 2
    corners = [(sw, st) for sw, st in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    return _polygon([(cx + sw * tx * w + st * nx * t, cy + sw * ty * w + st * ny * t) for sw, st in corners],
                    cls)


def _pockets(rotor: RotorSection) -> list[str]:
    outer_r = float(rotor.outer_diameter_mm) / 2
    shaft_r = float(rotor.bore_diameter_mm) / 2
    pitch = 2 * math.pi / rotor.poles
    m = rotor.magnets_per_pole
    web = outer_r - shaft_r
    thickness = float(rotor.pocket_thickness_mm or Decimal(web * 0.08))
    centre_r = outer_r - max(thickness, web * 0.12) - thickness / 2
    if centre_r - thickness / 2 <= shaft_r:  # a pocket deeper than the iron: keep it in the iron
        centre_r = (outer_r + shaft_r) / 2
    arc = centre_r * pitch
    width = float(rotor.pocket_width_mm or Decimal(arc * 0.7 / m))
    drawn = []
    for pole in range(rotor.poles):
        cls = "cs-pocket cs-pole-n" if pole % 2 == 0 else "cs-pocket cs-pole-s"
        middle = pole * pitch
        if m == 2:  # the common V: two arms either side of the pole axis, leaning outwards
            offset = min(pitch * 0.22, (width / 2 + thickness) / centre_r)
            for side in (-1, 1):
                drawn.append(_pocket(centre_r - width * 0.22, middle + side * offset, width, thickness,
                                     side * -0.55, cls))
        else:  # one bar, or several side by side across the pole
            for i in range(m):
                drawn.append(_pocket(centre_r, middle + (i - (m - 1) / 2) * pitch * 0.8 / m,
                                     width, thickness, 0.0, cls))
    return drawn


def _text(x: float, y: float, text: str, size: float, cls: str = "cs-label", anchor: str = "middle") -> str:
    return (f'<text class="{cls}" x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" '
            f'text-anchor="{anchor}">{escape(text)}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, cls: str = "cs-dim") -> str:
    return f'<line class="{cls}" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"/>'


def _scale_bar_length(span: float) -> int:
    for candidate in (200, 100, 50, 20, 10, 5, 2, 1):
        if candidate <= span / 4:
            return candidate
    return 1


_STYLE_TEMPLATE = (
    "#ID .cs-stator{fill:#b8c2cd;stroke:#3d4a5a;stroke-width:W}"
    "#ID .cs-bore,#ID .cs-shaft-bore{fill:#fff;stroke:#3d4a5a;stroke-width:W}"
    "#ID .cs-slot{fill:#e8b778;stroke:#3d4a5a;stroke-width:W}"
    "#ID .cs-rotor{fill:#8d99a8;stroke:#1b2430;stroke-width:W}"
    "#ID .cs-pocket{stroke:#1b2430;stroke-width:W}#ID .cs-pole-n{fill:#b3261e}#ID .cs-pole-s{fill:#0b5cad}"
    "#ID .cs-dim,#ID .cs-leader{stroke:#1b2430;stroke-width:W;fill:none}"
    "#ID .cs-leader-dot,#ID .cs-scale-bar{fill:#1b2430}"
    "#ID .cs-ext{stroke:#5b6675;stroke-width:W;stroke-dasharray:DASH}"
    "#ID .cs-label{fill:#1b2430;font-family:'DejaVu Sans',system-ui,sans-serif}"
    "#ID .cs-gap-label{fill:#1b2430;font-weight:bold;font-family:'DejaVu Sans',system-ui,sans-serif}"
    "#ID .cs-gap-label.cs-bad{fill:#b3261e}"
)


def _style(element_id: str, stroke: str, dash: str) -> str:
    # Scoped to this drawing's id so a page's own .slot or .label rules never meet it; plain
    # numbers rather than CSS variables, which WeasyPrint's SVG renderer does not resolve.
    return (_STYLE_TEMPLATE.replace("#ID", "#" + element_id)
            .replace("stroke-width:W", "stroke-width:" + stroke).replace("DASH", dash))


def core_section_svg(stator: StatorSection | None, rotor: RotorSection | None, *,
                     element_id: str = "core-section") -> str:
    """The cross-section as an inline SVG element, or "" when there is nothing to draw."""
    if not _ID.fullmatch(element_id):  # it names CSS selectors too, where escaping is no help
        raise ValueError(f"not a usable element id: {element_id!r}")
    if stator is None and rotor is None:
        return ""
    outer_r = float(stator.outer_diameter_mm if stator else rotor.outer_diameter_mm) / 2
    unit = outer_r / 100  # drawing furniture (strokes, text, margins) scales with the part
    font = 8.5 * unit
    stroke = 0.35 * unit
    half_w = outer_r * 1.6  # room either side for the leaders' labels
    top = -outer_r - 21 * unit
    bottom = outer_r + 34 * unit
    facts = core_section_facts(stator, rotor)
    title = "Cross-section of the motor core, to scale"
    body = []

    if stator:
        bore_r = float(stator.inner_diameter_mm) / 2
        body.append(f'<circle class="cs-stator" cx="0" cy="0" r="{_n(outer_r)}"/>')
        body.append(f'<circle class="cs-bore" cx="0" cy="0" r="{_n(bore_r)}"/>')
        depth = (outer_r - bore_r) * 0.55
        width = 2 * math.pi * bore_r / stator.slots * 0.5
        body.append('<g class="cs-slots">')
        body.extend(_slot(bore_r, depth, width, 2 * math.pi * i / stator.slots) for i in range(stator.slots))
        body.append("</g>")
        # Stator OD: a dimension line above the drawing.
        y = -outer_r - 7 * unit
        body.append(_line(-outer_r, y, outer_r, y))
        body.append(_line(-outer_r, y - 3 * unit, -outer_r, 0, "cs-ext"))
        body.append(_line(outer_r, y - 3 * unit, outer_r, 0, "cs-ext"))
        body.append(_text(0, y - 2 * unit, f"Stator {_diameter(stator.outer_diameter_mm)}", font))
        # Bore: a leader from the lower left.
        bx, by = _polar(bore_r, math.radians(225))
        lx, ly = -outer_r * 1.12, outer_r * 0.78
        body.append(f'<polyline class="cs-leader" points="{_n(bx)},{_n(by)} {_n(lx)},{_n(ly)} '
                    f'{_n(-half_w + 2 * unit)},{_n(ly)}"/>')
        # Under the leader's shoulder, so its slanted part never crosses the words.
        body.append(_text(-half_w + 2 * unit, ly + font + 1 * unit,
                          f"Bore {_diameter(stator.inner_diameter_mm)}", font, anchor="start"))
        body.append(_text(-half_w + 2 * unit, ly + 2 * font + 2.5 * unit, f"{stator.slots} slots", font,
                          anchor="start"))

    if rotor:
        rotor_r = float(rotor.outer_diameter_mm) / 2
        shaft_r = float(rotor.bore_diameter_mm) / 2
        body.append(f'<circle class="cs-rotor" cx="0" cy="0" r="{_n(rotor_r)}"/>')
        body.append('<g class="cs-pockets">')
        body.extend(_pockets(rotor))
        body.append("</g>")
        body.append(f'<circle class="cs-shaft-bore" cx="0" cy="0" r="{_n(shaft_r)}"/>')
        shaft_text = f"Shaft {_diameter(rotor.bore_diameter_mm)}"
        shaft_font = min(font * 0.8, 2 * shaft_r * 0.92 / (0.6 * len(shaft_text)))  # inside the bore
        body.append(_text(0, shaft_font * 0.35, shaft_text, shaft_font))
        # Rotor OD: a dimension line below the drawing, extension lines up to the rotor.
        y = outer_r + 8 * unit
        body.append(_line(-rotor_r, y, rotor_r, y))
        body.append(_line(-rotor_r, 0, -rotor_r, y + 3 * unit, "cs-ext"))
        body.append(_line(rotor_r, 0, rotor_r, y + 3 * unit, "cs-ext"))
        body.append(_text(0, y + font + 1 * unit,
                          f"Rotor {_diameter(rotor.outer_diameter_mm)} · {rotor.poles} poles · "
                          f"{rotor.poles * rotor.magnets_per_pole} magnet pockets", font))

    if stator and rotor:
        gap_r = (float(stator.inner_diameter_mm) + float(rotor.outer_diameter_mm)) / 4
        gx, gy = _polar(gap_r, math.radians(45))
        lx, ly = outer_r * 1.08, -outer_r * 0.92
        body.append(f'<polyline class="cs-leader" points="{_n(gx)},{_n(gy)} {_n(lx)},{_n(ly)} '
                    f'{_n(half_w - 2 * unit)},{_n(ly)}"/>')
        body.append(f'<circle class="cs-leader-dot" cx="{_n(gx)}" cy="{_n(gy)}" r="{_n(1.2 * unit)}"/>')
        gap_cls = "cs-gap-label" + (" cs-bad" if air_gap_mm(stator, rotor) <= 0 else "")
        gap = air_gap_mm(stator, rotor)
        if gap <= 0:  # two short lines, so the words stay clear of the stator's outline
            body.append(_text(half_w - 2 * unit, ly - 5 * unit - font * 1.2, "No air gap:", font, gap_cls,
                              "end"))
            body.append(_text(half_w - 2 * unit, ly - 5 * unit, f"rotor {mm(-gap * 2)} mm over the bore",
                              font, gap_cls, "end"))
        else:
            body.append(_text(half_w - 2 * unit, ly - 5 * unit, air_gap_label(stator, rotor), font * 1.1,
                              gap_cls, "end"))
    elif stator:
        body.append(_text(0, font * 0.35, "Rotor core not chosen", font))
    else:
        body.append(_text(0, -outer_r - 6 * unit, "Stator core not chosen", font))

    # Scale bar, bottom left: the reader's ruler.
    bar = _scale_bar_length(outer_r * 2)
    bx, by = -half_w + 4 * unit, bottom - 5 * unit
    body.append(f'<rect class="cs-scale-bar" x="{_n(bx)}" y="{_n(by)}" width="{bar}" height="{_n(2 * unit)}" '
                f'fill="#1b2430"/>')
    body.append(_text(bx + bar + 2 * unit, by + 2 * unit, f"{bar} mm", font, anchor="start"))
    if rotor:  # the pockets' colours: alternate poles
        key_x = half_w - 4 * unit
        for cls, name in (("cs-pocket cs-pole-s", "S pole"), ("cs-pocket cs-pole-n", "N pole")):
            body.append(_text(key_x, by + 2 * unit, name, font * 0.85, anchor="end"))
            key_x -= font * 0.85 * 3.4 + 5.5 * unit
            body.append(f'<rect class="{cls}" x="{_n(key_x)}" y="{_n(by - 1.8 * unit)}" '
                        f'width="{_n(4 * unit)}" height="{_n(4 * unit)}"/>')
            key_x -= 5 * unit

    width, height = 2 * half_w, bottom - top
    labelled = f"{element_id}-title {element_id}-desc"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(element_id)}" class="core-section" '
        f'role="img" aria-labelledby="{escape(labelled)}" '
        f'viewBox="{_n(-half_w)} {_n(top)} {_n(width)} {_n(height)}" '
        f'data-mm-per-unit="1" preserveAspectRatio="xMidYMid meet" '
        f'>'
        f'<title id="{escape(element_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(element_id)}-desc">{escape(". ".join(facts))}.</desc>'
        f"<style>{_style(element_id, _n(stroke), f'{_n(2 * unit)} {_n(1.5 * unit)}')}</style>"
        + "".join(body)
        + "</svg>"
    )
