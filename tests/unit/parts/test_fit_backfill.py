"""Deriving the new fit fields of stored parts from their names or the demo catalog."""

from __future__ import annotations

import pytest

from demo.catalog import build_demo_catalog
from parts.domain.fit_backfill import FIT_FIELDS, derive_fit_fields
from parts.domain.specs import clean_specs

RESOLVER = "Variable-reluctance resolver, 4 pole pairs, for 52 mm shaft"
INSULATION = "Slot insulation system 48 slots x 50.8 mm, class H (180 C), 400 V"
BUSBAR = "Laminated busbar and terminal set, 3 phases, 400 V, 300 A, 48-slot stator"


def derive(category, name, specs=None, sku="SKU-1", demo=None):
    return derive_fit_fields(category=category, sku=sku, name=name, specs=specs or {}, demo_specs=demo)


@pytest.mark.parametrize(
    ("category", "name", "expected"),
    [
        ("resolver", RESOLVER, {"bore_diameter_mm": 52}),
        ("resolver", "Resolver 1 pole pair, for 45.5mm shaft, pilot line", {"bore_diameter_mm": 45.5}),
        ("resolver", "Hairpin-motor resolver, shaft Ø 60 mm", {"bore_diameter_mm": 60}),
        ("insulation", INSULATION, {"slots": 48, "stack_length_mm": 50.8}),
        (
            "insulation",
            "Slot insulation system 72 slots × 110.0 mm, class N",
            {"slots": 72, "stack_length_mm": 110},
        ),
        ("insulation", "Nomex liner set, 54-slot, stack 90 mm", {"slots": 54, "stack_length_mm": 90}),
        ("busbar", BUSBAR, {"slots": 48}),
        ("busbar", "Busbar for 72 slots, 800 V", {"slots": 72}),
    ],
)
def test_values_the_name_states_are_taken(category, name, expected):
    found = derive(category, name)
    assert dict(found.values) == expected
    assert found.complete and found.problems == ()
    assert all(type(found.values[k]) is type(v) for k, v in expected.items())


def test_a_field_the_name_does_not_state_is_reported_not_guessed():
    found = derive("insulation", "Slot insulation system 48 slots, class H (180 C)", sku="INS-OLD")
    assert dict(found.values) == {"slots": 48}
    assert not found.complete
    (problem,) = found.problems
    assert problem.startswith("INS-OLD: insulation.stack_length_mm: neither the name")


def test_the_demo_catalog_fills_in_by_sku_when_the_name_is_silent():
    demo = {"RSV-A": {"pole_pairs": 4, "bore_diameter_mm": 52}}
    assert dict(derive("resolver", "Resolver, 4 pole pairs", sku="RSV-A", demo=demo).values) == {
        "bore_diameter_mm": 52
    }
    silent = derive("resolver", "Resolver, 4 pole pairs", sku="RSV-B", demo=demo)
    assert dict(silent.values) == {} and len(silent.problems) == 1


def test_a_name_and_a_demo_part_that_disagree_are_reported():
    demo = {"SKU-1": {"bore_diameter_mm": 45}}
    found = derive("resolver", RESOLVER, demo=demo)
    assert dict(found.values) == {}
    assert found.problems == (
        "SKU-1: resolver.bore_diameter_mm: the sources disagree: 52 (name) and 45 (demo catalog)",
    )


def test_a_name_stating_two_values_is_reported():
    found = derive("busbar", "Busbar for 48-slot or 72-slot stators")
    assert dict(found.values) == {}
    assert found.problems == ("SKU-1: busbar.slots: the name states several values (48, 72)",)


def test_a_stated_value_the_schema_refuses_is_reported():
    found = derive("busbar", "Busbar, 0-slot test article")
    assert dict(found.values) == {}
    assert "must be greater than 0" in found.problems[0]


def test_fields_already_set_and_other_categories_are_left_alone():
    assert dict(derive("busbar", BUSBAR, specs={"slots": 72}).values) == {}
    assert derive("busbar", BUSBAR, specs={"slots": 72}).problems == ()
    assert derive("shaft", "Rotor shaft for 52 mm shaft seat").values == {}
    assert set(FIT_FIELDS) == {"resolver", "insulation", "busbar"}


def test_every_demo_part_gets_its_catalog_values_back_from_its_name_alone():
    """Strip the new fields from every demo part: the names give them all back, exactly."""
    checked = 0
    for part in build_demo_catalog()["parts"]:
        fields = FIT_FIELDS.get(part["category"])
        if not fields:
            continue
        old = {k: v for k, v in part["specs"].items() if k not in fields}
        found = derive_fit_fields(category=part["category"], sku=part["sku"], name=part["name"], specs=old)
        assert found.problems == (), part["sku"]
        restored = {**old, **found.values}
        assert restored == part["specs"], part["sku"]
        assert clean_specs(part["category"], restored)[1] == []
        checked += 1
    assert checked > 40
