"""The rules of domain.md section 4, one module per rule, collected in `RULES`.

Modelled on django.contrib.auth.password_validation: every rule reports all it
finds, the engine collects every rule. Geometry is compared in Decimal so the
thresholds are exact (an air gap of exactly 0.25 mm is an error, 0.35 mm is
not a warning).

A rule lists the slots it reads; the engine skips a rule none of whose slots
hold a part, and a rule comparing two parts stays silent until both are
chosen. Each violation names only the slots whose parts produce it, which is
what lets guided options judge a candidate by the violations it takes part in.

Each compatibility rule's module holds its forward check, its inverted form for
the options index and the fields it reads (see `base`); the field lists the
index and completion use are derived here from those declarations.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from configurator.domain.rules.air_gap import (
    AIR_GAP_ERROR_MAX,
    AIR_GAP_ERROR_MIN,
    AIR_GAP_WARN_MAX,
    AIR_GAP_WARN_MIN,
    AirGap,
)
from configurator.domain.rules.base import DEC, INT, Field, Judgement, Rule
from configurator.domain.rules.busbar_fit import BusbarFit
from configurator.domain.rules.busbar_phases import BusbarPhases
from configurator.domain.rules.end_plate_fit import (
    END_PLATE_BORE_CLEARANCE_MAX,
    END_PLATE_BORE_CLEARANCE_MIN,
    EndPlateFit,
)
from configurator.domain.rules.insulation_class import INSULATION_CLASS_TEMP_C, InsulationClass
from configurator.domain.rules.insulation_fit import STACK_INSULATION_STATOR_MAX, InsulationFit
from configurator.domain.rules.lamination_match import LaminationMatch, is_high_strength_grade
from configurator.domain.rules.magnet_fit import MAGNET_MIN_CLEARANCE, MagnetFit
from configurator.domain.rules.magnet_temp import MagnetTemp
from configurator.domain.rules.resolver_fit import RESOLVER_BORE_MAX_DIFFERENCE, ResolverFit
from configurator.domain.rules.resolver_poles import ResolverPoles
from configurator.domain.rules.rotor_speed import SURFACE_SPEED_MAX_M_S, RotorSpeed
from configurator.domain.rules.shaft_fit import (
    KEYED_FIT_MAX,
    KEYED_FIT_MIN,
    PRESS_FIT_MAX,
    PRESS_FIT_MIN,
    ShaftFit,
)
from configurator.domain.rules.slot_pole import (
    MIN_SLOTS_PER_POLE_PER_PHASE,
    PHASES,
    SlotPole,
    combination_fails,
)
from configurator.domain.rules.stack_length import (
    STACK_ROTOR_STATOR_MAX,
    STACK_WINDING_STATOR_MAX,
    StackLength,
)
from configurator.domain.rules.structure import PartInactive, SlotCategory, SlotQuantity, SlotRequired
from configurator.domain.rules.voltage_class import PD_FREE_ABOVE_V, VoltageClass
from configurator.domain.rules.winding_slot_type import WINDING_SLOT_TYPE, WindingSlotType

__all__ = [
    "AIR_GAP_ERROR_MAX",
    "AIR_GAP_ERROR_MIN",
    "AIR_GAP_WARN_MAX",
    "AIR_GAP_WARN_MIN",
    "COMPATIBILITY_RULES",
    "DECIMAL_FIELDS",
    "END_PLATE_BORE_CLEARANCE_MAX",
    "END_PLATE_BORE_CLEARANCE_MIN",
    "INSULATION_CLASS_TEMP_C",
    "INT_FIELDS",
    "KEYED_FIT_MAX",
    "KEYED_FIT_MIN",
    "LABEL_FIELDS",
    "MAGNET_MIN_CLEARANCE",
    "MIN_SLOTS_PER_POLE_PER_PHASE",
    "PD_FREE_ABOVE_V",
    "PHASES",
    "PRESS_FIT_MAX",
    "PRESS_FIT_MIN",
    "RESOLVER_BORE_MAX_DIFFERENCE",
    "RULES",
    "STACK_INSULATION_STATOR_MAX",
    "STACK_ROTOR_STATOR_MAX",
    "STACK_WINDING_STATOR_MAX",
    "STRUCTURE_RULES",
    "SURFACE_SPEED_MAX_M_S",
    "WINDING_SLOT_TYPE",
    "AirGap",
    "BusbarFit",
    "BusbarPhases",
    "EndPlateFit",
    "Field",
    "InsulationClass",
    "InsulationFit",
    "Judgement",
    "LaminationMatch",
    "MagnetFit",
    "MagnetTemp",
    "PartInactive",
    "ResolverFit",
    "ResolverPoles",
    "RotorSpeed",
    "Rule",
    "ShaftFit",
    "SlotCategory",
    "SlotPole",
    "SlotQuantity",
    "SlotRequired",
    "StackLength",
    "VoltageClass",
    "WindingSlotType",
    "combination_fails",
    "indexed_fields",
    "inverted_rules",
    "is_high_strength_grade",
]

STRUCTURE_RULES: tuple[Rule, ...] = (SlotRequired(), SlotQuantity(), SlotCategory(), PartInactive())
COMPATIBILITY_RULES: tuple[Rule, ...] = (
    AirGap(),
    StackLength(),
    SlotPole(),
    MagnetFit(),
    MagnetTemp(),
    InsulationClass(),
    WindingSlotType(),
    VoltageClass(),
    LaminationMatch(),
    RotorSpeed(),
    ShaftFit(),
    EndPlateFit(),
    ResolverPoles(),
    ResolverFit(),
    InsulationFit(),
    BusbarPhases(),
    BusbarFit(),
)

RULES: tuple[Rule, ...] = STRUCTURE_RULES + COMPATIBILITY_RULES
_INVERTED: dict[str, tuple[Rule, ...]] = {}


def inverted_rules(slot: str) -> tuple[Rule, ...]:
    """The compatibility rules with an inverted form that judge candidates for `slot`."""
    found = _INVERTED.get(slot)
    if found is None:
        found = _INVERTED[slot] = tuple(
            rule for rule in COMPATIBILITY_RULES if rule.inverted() and slot in rule.slots
        )
    return found


def _indexed_fields() -> tuple[
    dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], dict[str, tuple[tuple[str, str, Any], ...]]
]:
    """The fields the inverted forms read, per slot (= category) and by how they are read."""
    decimal: dict[str, dict[str, None]] = {}
    integer: dict[str, dict[str, None]] = {}
    label: dict[str, dict[tuple[str, str, Any], None]] = {}
    for rule in COMPATIBILITY_RULES:
        if not rule.inverted():
            continue
        for slot, fields in rule.reads.items():
            for f in fields:
                if f.kind == DEC:
                    decimal.setdefault(slot, {})[f.name] = None
                elif f.kind == INT:
                    integer.setdefault(slot, {})[f.name] = None
                else:
                    label.setdefault(slot, {})[(f.kind, f.name, f.default)] = None
    return (
        {slot: tuple(names) for slot, names in decimal.items()},
        {slot: tuple(names) for slot, names in integer.items()},
        {slot: tuple(names) for slot, names in label.items()},
    )


#: Per category, the spec fields the rules' inverted forms read as Decimals, ints and labels.
DECIMAL_FIELDS: Mapping[str, tuple[str, ...]]
INT_FIELDS: Mapping[str, tuple[str, ...]]
LABEL_FIELDS: Mapping[str, tuple[tuple[str, str, Any], ...]]
DECIMAL_FIELDS, INT_FIELDS, LABEL_FIELDS = _indexed_fields()


def indexed_fields(category: str) -> set[str]:
    """The names of every spec field of `category` the rules' inverted forms read."""
    return {
        *DECIMAL_FIELDS.get(category, ()),
        *INT_FIELDS.get(category, ()),
        *(name for _kind, name, _default in LABEL_FIELDS.get(category, ())),
    }
