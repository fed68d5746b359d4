"""The motor-core cross-section: to scale, every slot and pocket drawn, the air gap written
out, partial kits drawn as far as they go, and catalog text escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from configurator.domain.drawing import (
    RotorSection,
    StatorSection,
    core_section_facts,
    core_section_svg,
    rotor_from_specs,
    stator_from_specs,
)

NS = {"svg": "http://www.w3.org/2000/svg"}

STATOR_SPECS = {"outer_diameter_mm": 264, "inner_diameter_mm": 161.9, "stack_length_mm": 50.8,
                "slots": 48, "slot_type": "round_wire"}
ROTOR_SPECS = {"outer_diameter_mm": 160.44, "bore_diameter_mm": "52.00", "poles": 8,
               "magnets_per_pole": 2, "pocket_width_mm": 18.0, "pocket_thickness_mm": 7.3}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def by_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in (e.get("class") or "").split()]


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(f"{{{NS['svg']}}}text")]


@pytest.fixture
def stator():
    return stator_from_specs(STATOR_SPECS, "SC-48-264")


@pytest.fixture
def rotor():
    return rotor_from_specs(ROTOR_SPECS, "RC-8P-16044")


def test_the_drawing_unit_is_the_millimetre_so_diameters_are_to_scale(stator, rotor):
    root = parse(core_section_svg(stator, rotor))
    radius = {e.get("class"): Decimal(e.get("r")) for e in root.iter(f"{{{NS['svg']}}}circle")}
    assert radius["cs-stator"] == Decimal("132")
    assert radius["cs-bore"] == Decimal("80.95")
    assert radius["cs-rotor"] == Decimal("80.22")
    assert radius["cs-shaft-bore"] == Decimal("26")
    # The viewBox frames the stator with room for the labels, in the same unit.
    x, y, width, height = (float(v) for v in root.get("viewBox").split())
    assert width > 264 and height > 264 and x < -132 and y < -132


def test_a_scale_bar_gives_the_reader_a_length(stator, rotor):
    root = parse(core_section_svg(stator, rotor))
    bar = by_class(root, "cs-scale-bar")[0]
    assert f"{bar.get('width')} mm" in texts(root)


def test_every_slot_and_every_magnet_pocket_is_drawn(stator, rotor):
    root = parse(core_section_svg(stator, rotor))
    assert len(by_class(root, "cs-slot")) == 48
    pockets = [e for e in by_class(root, "cs-pocket") if e.tag.endswith("polygon")]
    assert len(pockets) == 8 * 2
    # Alternate poles alternate polarity: half the pockets north, half south.
    assert len([p for p in pockets if "cs-pole-n" in p.get("class")]) == 8


@pytest.mark.parametrize(("poles", "per_pole"), [(6, 3), (12, 2), (4, 1)])
def test_pocket_count_is_poles_times_magnets_per_pole(stator, poles, per_pole):
    rotor = rotor_from_specs({**ROTOR_SPECS, "poles": poles, "magnets_per_pole": per_pole})
    root = parse(core_section_svg(stator, rotor))
    assert len([e for e in by_class(root, "cs-pocket") if e.tag.endswith("polygon")]) == poles * per_pole


def test_pockets_stay_inside_the_rotor_and_outside_the_shaft_bore(rotor):
    root = parse(core_section_svg(None, rotor))
    for pocket in (e for e in by_class(root, "cs-pocket") if e.tag.endswith("polygon")):
        for point in pocket.get("points").split():
            x, y = (float(v) for v in point.split(","))
            assert 26 < (x * x + y * y) ** 0.5 < 80.22


def test_the_air_gap_is_annotated_with_its_value_in_mm(stator, rotor):
    root = parse(core_section_svg(stator, rotor))
    assert "Air gap 0.73 mm" in texts(root)
    assert by_class(root, "cs-leader")  # a leader line points at it
    assert "Air gap 0.73 mm" in root.find("svg:desc", NS).text


def test_an_interfering_rotor_is_said_in_words_not_as_a_negative_gap(stator):
    rotor = rotor_from_specs({**ROTOR_SPECS, "outer_diameter_mm": 170})
    svg = core_section_svg(stator, rotor)
    assert "−" not in svg and "-4.05" not in svg
    assert "No air gap: rotor 8.10 mm over the bore" in " ".join(texts(parse(svg)))
    assert "No air gap: the rotor is 8.10 mm larger than the bore" in core_section_facts(stator, rotor)


def test_the_dimensions_are_labelled(stator, rotor):
    labels = " ".join(texts(parse(core_section_svg(stator, rotor))))
    assert "Stator Ø264 mm" in labels
    assert "Bore Ø161.9 mm" in labels
    assert "Rotor Ø160.44 mm" in labels
    assert "Shaft Ø52 mm" in labels
    assert "48 slots" in labels and "8 poles" in labels and "16 magnet pockets" in labels


def test_only_a_stator_draws_the_stator_and_says_the_rotor_is_missing(stator):
    root = parse(core_section_svg(stator, None))
    assert len(by_class(root, "cs-slot")) == 48
    assert not by_class(root, "cs-rotor") and not by_class(root, "cs-pocket")
    assert "Rotor core not chosen" in texts(root)
    assert not any("Air gap" in t for t in texts(root))


def test_only_a_rotor_draws_the_rotor_and_says_the_stator_is_missing(rotor):
    root = parse(core_section_svg(None, rotor))
    assert by_class(root, "cs-rotor") and not by_class(root, "cs-slot")
    assert "Stator core not chosen" in texts(root)


def test_nothing_chosen_draws_nothing():
    assert core_section_svg(None, None) == ""
    assert core_section_facts(None, None) == []


@pytest.mark.parametrize("specs", [
    None, {}, {**STATOR_SPECS, "slots": 0}, {**STATOR_SPECS, "inner_diameter_mm": 300},
    {**STATOR_SPECS, "outer_diameter_mm": "NaN"}, {**STATOR_SPECS, "outer_diameter_mm": True},
    {**STATOR_SPECS, "slots": 100_000},
])
def test_stator_specs_that_cannot_be_drawn_give_no_stator(specs):
    assert stator_from_specs(specs) is None


@pytest.mark.parametrize("specs", [
    None, {**ROTOR_SPECS, "poles": None}, {**ROTOR_SPECS, "bore_diameter_mm": 200},
    {**ROTOR_SPECS, "magnets_per_pole": -1},
])
def test_rotor_specs_that_cannot_be_drawn_give_no_rotor(specs):
    assert rotor_from_specs(specs) is None


def test_pocket_sizes_default_when_the_catalog_omits_them(stator):
    rotor = rotor_from_specs({k: v for k, v in ROTOR_SPECS.items() if not k.startswith("pocket")})
    root = parse(core_section_svg(stator, rotor))
    assert len([e for e in by_class(root, "cs-pocket") if e.tag.endswith("polygon")]) == 16


def test_catalog_text_is_escaped():
    evil = '<script>alert("x")</script>&'
    stator = StatorSection(Decimal(264), Decimal("161.9"), 48, sku=evil)
    rotor = RotorSection(Decimal("160.44"), Decimal(52), 8, 2, sku=evil)
    svg = core_section_svg(stator, rotor)
    assert "<script>" not in svg
    root = parse(svg)  # still well-formed XML
    assert evil in root.find("svg:desc", NS).text


@pytest.mark.parametrize("element_id", ['core"><script>', "a b", "1st", ""])
def test_an_element_id_that_would_break_the_markup_or_the_styles_is_refused(stator, element_id):
    with pytest.raises(ValueError):
        core_section_svg(stator, None, element_id=element_id)


def test_styles_are_scoped_to_the_drawing_so_page_rules_do_not_leak(stator, rotor):
    svg = core_section_svg(stator, rotor, element_id="pdf-core")
    style = re.search(r"<style>(.*)</style>", svg).group(1)
    selectors = [rule.split("{")[0] for rule in style.split("}") if rule]
    assert all(s.startswith("#pdf-core ") for sel in selectors for s in sel.split(","))
    assert "var(" not in style  # WeasyPrint does not resolve CSS variables in SVG


def test_the_text_alternative_lists_the_dimensions(stator, rotor):
    facts = core_section_facts(stator, rotor)
    assert facts == [
        "Stator core SC-48-264: Ø264 mm outside, Ø161.9 mm bore, 48 slots",
        "Rotor core RC-8P-16044: Ø160.44 mm outside, Ø52 mm shaft bore, 8 poles, "
        "2 magnet pockets per pole (16 in all)",
        "Air gap 0.73 mm",
    ]
    root = parse(core_section_svg(stator, rotor))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "core-section-title core-section-desc"
