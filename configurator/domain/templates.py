"""The built-in kit templates (domain.md section 3) and the magnet-count formula."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from configurator.domain.types import KitTemplate, SlotDef
from configurator.domain.units import to_decimal, to_int

ROTOR_CORE = "rotor_core"
MAGNET = "magnet"
SHAFT = "shaft"
END_PLATE = "end_plate"
RESOLVER = "resolver"
STATOR_CORE = "stator_core"
WINDING = "winding"
INSULATION = "insulation"
BUSBAR = "busbar"
TEMPERATURE_SENSOR = "temperature_sensor"

MAGNET_FORMULA = "magnet"

# Violations list their slots in this order (rotor side first, as on the drawing),
# so the same violation always reads the same way.
SLOT_ORDER: tuple[str, ...] = (
    ROTOR_CORE,
    MAGNET,
    SHAFT,
    END_PLATE,
    RESOLVER,
    STATOR_CORE,
    WINDING,
    INSULATION,
    BUSBAR,
    TEMPERATURE_SENSOR,
)

# Before the rotor core is chosen the formula cannot be applied; this bound only
# catches typing slips (a 16-pole, 4-per-pole rotor with 10 axial segments is 640).
MAGNET_MAX_QTY = 5000

_ROTOR_SLOTS = (
    SlotDef(ROTOR_CORE, ROTOR_CORE, 1, 1, True),
    SlotDef(MAGNET, MAGNET, 1, MAGNET_MAX_QTY, True, formula=MAGNET_FORMULA),
    SlotDef(SHAFT, SHAFT, 1, 1, True),
    SlotDef(END_PLATE, END_PLATE, 2, 2, True),
    SlotDef(RESOLVER, RESOLVER, 0, 1, False),
)
_STATOR_SLOTS = (
    SlotDef(STATOR_CORE, STATOR_CORE, 1, 1, True),
    SlotDef(WINDING, WINDING, 1, 1, True),
    SlotDef(INSULATION, INSULATION, 1, 1, True),
    SlotDef(BUSBAR, BUSBAR, 1, 1, True),
    SlotDef(TEMPERATURE_SENSOR, TEMPERATURE_SENSOR, 0, 3, False),
)

BUILTIN_TEMPLATES: dict[str, KitTemplate] = {
    t.code: t
    for t in (
        KitTemplate("rotor-kit", "Rotor kit", _ROTOR_SLOTS),
        KitTemplate("stator-kit", "Stator kit", _STATOR_SLOTS),
        KitTemplate("motor-core-package", "Motor-core package", _ROTOR_SLOTS + _STATOR_SLOTS),
    )
}


def axial_segments(rotor_core_specs: Mapping[str, Any], magnet_specs: Mapping[str, Any]) -> int:
    """How many magnets fit end to end in one pocket: floor(pocket length / magnet length)."""
    pocket = to_decimal(rotor_core_specs.get("pocket_length_mm"))
    length = to_decimal(magnet_specs.get("length_mm"))
    if pocket is None or length is None or length <= 0 or pocket <= 0:
        # The catalog rejects such rows; zero keeps one from raising here.
        return 0
    return int(pocket // length)


def magnet_quantity(rotor_core_specs: Mapping[str, Any], magnet_specs: Mapping[str, Any]) -> int:
    """Magnets per kit = poles x magnets_per_pole x axial segments (domain.md section 3)."""
    poles = to_int(rotor_core_specs.get("poles")) or 0
    per_pole = to_int(rotor_core_specs.get("magnets_per_pole")) or 0
    return poles * per_pole * axial_segments(rotor_core_specs, magnet_specs)
