"""evaluate() depends on what the kit holds, never on the order of its lines."""

import dataclasses
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from configurator.domain import Line, evaluate
from tests.hypothesis_profiles import examples
from tests.unit.configurator import prius
from tests.unit.configurator.prius import D

_SECOND_PLATE = dataclasses.replace(
    prius.END_PLATE,
    sku="EP-PR10-158-NDE",
    specs={
        "outer_diameter_mm": D("161"),
        "bore_diameter_mm": D("51.0"),
    },
)

# Kits that break in several ways at once, so ordering has many violations to shuffle.
VARIANTS = [
    prius.snapshot(),
    prius.snapshot(policy="eu-crma"),
    prius.snapshot(
        policy="dfars-7052",
        today=date(2025, 12, 1),
        magnet=prius.replace_stage(prius.MAGNET, "mining", country="CN"),
        rotor_core=prius.with_specs(
            prius.ROTOR_CORE, outer_diameter_mm=D("161.5"), lamination_thickness_mm=D("0.3")
        ),
        winding=prius.with_specs(prius.WINDING, slots=72, insulation_class="N", voltage_class_v=400),
        shaft=dataclasses.replace(prius.with_specs(prius.SHAFT, fit="keyed"), active=False),
        resolver=prius.with_specs(prius.RESOLVER, bore_diameter_mm=D("45")),
        insulation=prius.with_specs(prius.INSULATION, slots=72, stack_length_mm=D("110")),
        busbar=prius.with_specs(prius.BUSBAR, slots=54),
    ),
    prius.snapshot(
        policy="uflpa",
        restricted=frozenset({"LS CABLE", "LYNAS RARE EARTHS"}),
        kit_lines=(
            *prius.lines(),
            Line("end_plate", _SECOND_PLATE, 1),
            Line("temperature_sensor", prius.TEMPERATURE_SENSOR, 1),
            Line("winding", prius.BUSBAR, 1),
        ),
    ),
    prius.without(prius.snapshot(policy="china-excluded"), "stator_core", "shaft"),
]


@st.composite
def shuffled(draw):
    original = draw(st.sampled_from(VARIANTS))
    lines = draw(st.permutations(original.lines))
    return original, dataclasses.replace(original, lines=tuple(lines))


@settings(max_examples=examples(150), deadline=None)
@given(shuffled())
def test_evaluate_is_independent_of_line_order(pair):
    original, reordered = pair
    assert evaluate(reordered) == evaluate(original)


def test_the_variants_really_have_many_violations():
    assert [len(evaluate(v).violations) >= 10 for v in VARIANTS[2:4]] == [True, True]
