"""RESOLVER_FIT, INSULATION_FIT, BUSBAR_FIT and END_PLATE_FIT's upper bound (domain.md section 4).

Each of these kits validated without an error before the rules existed: the
parts' names said they did not fit, the rules never checked.
"""

from __future__ import annotations

import dataclasses

import pytest

from configurator.domain import CatalogIndex, codes, evaluate, slot_options
from demo.catalog import build_demo_catalog
from tests.unit.configurator import prius, synthetic
from tests.unit.configurator.prius import D


def _only(snapshot, code):
    result = evaluate(snapshot)
    assert {v.code for v in result.errors} == {code}, result.errors
    return prius.of_code(result, code)


# --------------------------------------------------------------------------- the Prius kit


def test_the_prius_kit_with_its_published_geometry_has_no_fit_error():
    result = evaluate(prius.snapshot())
    assert result.valid and result.violations == ()
    fits = {codes.RESOLVER_FIT, codes.INSULATION_FIT, codes.BUSBAR_FIT, codes.END_PLATE_FIT}
    assert not fits & {v.code for v in result.violations}


@pytest.mark.parametrize(
    ("bore", "flagged"),
    [("50.95", False), ("50.94", True), ("51.15", False), ("51.16", True), ("51.05", False), ("52", True)],
)
def test_resolver_bore_within_0_10_mm_of_the_shaft_seat_exactly(bore, flagged):
    # Shaft seat 51.05 mm: 50.95..51.15 fits, a hundredth beyond does not.
    resolver = prius.with_specs(prius.RESOLVER, bore_diameter_mm=D(bore))
    found = prius.of_code(evaluate(prius.snapshot(resolver=resolver)), codes.RESOLVER_FIT)
    assert bool(found) is flagged


def test_a_resolver_for_another_shaft_names_both_parts_and_the_numbers():
    resolver = prius.with_specs(prius.RESOLVER, bore_diameter_mm=D("45"))
    (violation,) = _only(prius.snapshot(resolver=resolver), codes.RESOLVER_FIT)
    assert violation.slots == ("shaft", "resolver")
    assert violation.skus == ("SH-PR10-5105", "RS-4PP")
    assert violation.message == (
        "resolver RS-4PP bore 45 mm and shaft SH-PR10-5105 seat 51.05 mm differ by 6.05 mm, more than 0.10 mm"
    )


@pytest.mark.parametrize(
    ("bore", "flagged"),
    [("51.05", False), ("52.05", False), ("52.06", True), ("53.2", True)],
)
def test_end_plate_bore_at_most_1_0_mm_over_the_shaft_seat(bore, flagged):
    plate = prius.with_specs(prius.END_PLATE, bore_diameter_mm=D(bore))
    found = prius.of_code(evaluate(prius.snapshot(end_plate=plate)), codes.END_PLATE_FIT)
    assert bool(found) is flagged


def test_a_loose_end_plate_is_reported_with_its_clearance():
    plate = prius.with_specs(prius.END_PLATE, bore_diameter_mm=D("52.2"))
    (violation,) = _only(prius.snapshot(end_plate=plate), codes.END_PLATE_FIT)
    assert violation.slots == ("shaft", "end_plate")
    assert violation.message == (
        "end plate EP-PR10-158 bore 52.2 mm is 1.15 mm over the shaft seat 51.05 mm of SH-PR10-5105; "
        "at most 1.0 mm keeps it located"
    )


@pytest.mark.parametrize(
    ("stack", "flagged"),
    [("50.3", False), ("51.3", False), ("50.29", True), ("51.31", True), ("110", True)],
)
def test_insulation_stack_within_0_5_mm_of_the_stator_exactly(stack, flagged):
    insulation = prius.with_specs(prius.INSULATION, stack_length_mm=D(stack))
    found = prius.of_code(evaluate(prius.snapshot(insulation=insulation)), codes.INSULATION_FIT)
    assert bool(found) is flagged


def test_insulation_cut_for_another_slot_count_is_an_error():
    insulation = prius.with_specs(prius.INSULATION, slots=72)
    (violation,) = _only(prius.snapshot(insulation=insulation), codes.INSULATION_FIT)
    assert violation.slots == ("stator_core", "insulation")
    assert violation.skus == ("SC-PR10-1619", "INS-H800-PDF")
    assert violation.message == "insulation INS-H800-PDF is cut for 72 slots, stator SC-PR10-1619 has 48"


def test_insulation_for_another_stator_reports_slots_and_stack():
    insulation = prius.with_specs(prius.INSULATION, slots=72, stack_length_mm=D("110"))
    found = _only(prius.snapshot(insulation=insulation), codes.INSULATION_FIT)
    assert [v.message for v in found] == [
        "insulation INS-H800-PDF is cut for 72 slots, stator SC-PR10-1619 has 48",
        "insulation INS-H800-PDF stack 110 mm and stator SC-PR10-1619 stack 50.8 mm differ by 59.20 mm, "
        "more than 0.5 mm",
    ]


def test_a_busbar_for_another_stator_is_an_error():
    busbar = prius.with_specs(prius.BUSBAR, slots=72)
    (violation,) = _only(prius.snapshot(busbar=busbar), codes.BUSBAR_FIT)
    assert violation.slots == ("stator_core", "busbar")
    assert violation.skus == ("SC-PR10-1619", "BB-3P-800-400A")
    assert violation.message == (
        "busbar BB-3P-800-400A is for a 72-slot stator, stator SC-PR10-1619 has 48 slots"
    )


def test_the_new_fits_wait_for_both_parts():
    no_shaft = prius.without(
        prius.snapshot(resolver=prius.with_specs(prius.RESOLVER, bore_diameter_mm=D(45))), "shaft"
    )
    no_stator = prius.without(
        prius.snapshot(
            insulation=prius.with_specs(prius.INSULATION, slots=72),
            busbar=prius.with_specs(prius.BUSBAR, slots=72),
        ),
        "stator_core",
    )
    found = {v.code for v in evaluate(no_shaft).violations} | {v.code for v in evaluate(no_stator).violations}
    assert not found & {codes.RESOLVER_FIT, codes.INSULATION_FIT, codes.BUSBAR_FIT}


def test_a_part_missing_its_new_field_is_not_judged_by_the_fit():
    # An unmigrated row (the import and the admin flag it) does not crash the engine.
    resolver = dataclasses.replace(prius.RESOLVER, specs={"pole_pairs": 4})
    assert not prius.of_code(evaluate(prius.snapshot(resolver=resolver)), codes.RESOLVER_FIT)


# --------------------------------------------------------------------------- the demo catalog


@pytest.fixture(scope="module")
def by_sku():
    return {p.sku: p for p in synthetic.demo_parts()}


@pytest.fixture(scope="module")
def names():
    return {p["sku"]: p["name"] for p in build_demo_catalog()["parts"]}


def test_a_resolver_for_a_52_mm_shaft_on_a_45_mm_shaft_is_refused(by_sku, names):
    # CK72-8 has a 45 mm rotor bore and 8 poles; RSV-PP4-52 is CK48-8's resolver.
    snapshot = synthetic.family_snapshot("CK72-8", by_sku, resolver="RSV-PP4-52")
    (violation,) = _only(snapshot, codes.RESOLVER_FIT)
    assert "for 52 mm shaft" in names["RSV-PP4-52"]
    assert "bore 52 mm" in violation.message and "seat 45.04 mm" in violation.message


def test_a_48_slot_50_8_mm_insulation_set_on_a_72_slot_110_mm_stator_is_refused(by_sku, names):
    insulation = synthetic.FAMILIES["CK48-8"]["skus"]["insulation"]
    assert "48 slots x 50.8 mm" in names[insulation]
    snapshot = synthetic.family_snapshot("CK72-8", by_sku, insulation=insulation)
    found = prius.of_code(evaluate(snapshot), codes.INSULATION_FIT)
    assert len(found) == 2
    assert "cut for 48 slots" in found[0].message and "has 72" in found[0].message
    assert "stack 50.8 mm" in found[1].message and "stack 110 mm" in found[1].message


def test_a_48_slot_busbar_on_a_72_slot_stator_is_refused(by_sku, names):
    busbar = synthetic.FAMILIES["CK48-8"]["skus"]["busbar"]
    assert "48-slot stator" in names[busbar]
    snapshot = synthetic.family_snapshot("CK72-12", by_sku, busbar=busbar)
    (violation,) = prius.of_code(evaluate(snapshot), codes.BUSBAR_FIT)
    assert "48-slot stator" in violation.message and "has 72 slots" in violation.message


@pytest.mark.parametrize(
    "code", [codes.RESOLVER_FIT, codes.INSULATION_FIT, codes.BUSBAR_FIT, codes.END_PLATE_FIT]
)
def test_every_family_has_a_near_miss_for_each_fit_that_breaks_only_it(by_sku, code):
    misses = {sku: m for sku, m in synthetic.NEAR_MISSES.items() if m["rule"] == code}
    assert {m["family"] for m in misses.values()} == set(synthetic.FAMILIES)
    for sku, miss in misses.items():
        snapshot = synthetic.family_snapshot(miss["family"], by_sku, **{miss["slot"]: sku})
        # Only this fit breaks (evidence renewals over the program are warnings of their own).
        assert {v.code for v in evaluate(snapshot).violations if v.code != codes.EVIDENCE_RENEWAL} == {
            code}, sku


# --------------------------------------------------------------------------- guided options


@pytest.fixture(scope="module")
def index():
    return CatalogIndex.build(synthetic.demo_parts()).warm()


@pytest.mark.parametrize(
    ("family", "slot", "sku", "code"),
    [
        ("CK72-8", "resolver", "RSV-PP4-52", codes.RESOLVER_FIT),
        ("CK72-8", "insulation", "INS-48S-508-N800P", codes.INSULATION_FIT),
        ("CK72-12", "busbar", "BB-48S8P-800V-450A", codes.BUSBAR_FIT),
        ("CK48-8", "end_plate", "EP-1560-532-SS", codes.END_PLATE_FIT),
    ],
)
def test_options_exclude_the_misfits_with_the_engines_code_and_message(
    index, by_sku, family, slot, sku, code
):
    snapshot = synthetic.family_snapshot(family, by_sku)
    options = slot_options(snapshot, index, slot, limit=500)
    (option,) = [o for o in options.items if o.part.sku == sku]
    assert option.codes == (code,)
    assert [v.code for v in option.violations] == [code] * len(option.violations)
    assert options.excluded_by_code[code] >= 1


def test_choosing_a_shaft_judges_the_chosen_resolver_and_end_plate(index, by_sku):
    """The inverted side: with a resolver and an end plate chosen, shafts they do not fit are excluded."""
    snapshot = synthetic.family_snapshot("CK48-8", by_sku, resolver="RSV-PP4-50")
    options = slot_options(snapshot, index, "shaft", limit=500)
    verdicts = {o.part.sku: o.codes for o in options.items}
    # 52.04 and 51.98 mm seats are 2 mm over the 50 mm resolver bore.
    assert codes.RESOLVER_FIT in verdicts["SH-8P-5204-P"] and codes.RESOLVER_FIT in verdicts["SH-8P-5198-K"]
    loose = synthetic.family_snapshot("CK48-8", by_sku, end_plate="EP-1560-532-SS")
    verdicts = {o.part.sku: o.codes for o in slot_options(loose, index, "shaft", limit=500).items}
    assert verdicts["SH-8P-5204-P"] == (codes.END_PLATE_FIT,)


def test_every_rule_code_is_a_named_constant_spelled_as_its_name():
    from configurator.domain.rules import RULES

    names = {name: value for name, value in vars(codes).items() if name.isupper() and isinstance(value, str)}
    assert all(name == value for name, value in names.items())
    assert {rule.code for rule in RULES} == codes.STRUCTURE_CODES | codes.COMPATIBILITY_CODES
    assert len({rule.code for rule in RULES}) == len(RULES)
