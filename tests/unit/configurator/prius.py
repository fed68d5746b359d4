"""A motor-core package built around the 2010 Toyota Prius traction motor.

Published geometry (ORNL/TM-2010/253, Burress et al.): stator bore 161.9 mm,
rotor OD 160.44 mm (air gap 0.73 mm), stack 50.8 mm, 48 slots / 8 poles,
magnets 49.3 x 17.9 x 7.2 mm, two per pole in one axial segment (16 magnets),
264 mm stator OD, 13,500 rpm, 650 V DC link. Everything else (pockets, shaft
seat, end plates, the resolver's bore on the 51 mm shaft, gauges, the 800 V
class stator system cut for 48 slots and the 50.8 mm stack, suppliers, prices,
capacities) is chosen to be consistent with those numbers, not taken from it.

Builders return new frozen objects; tests break one thing at a time.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

from configurator.domain import (
    BUILTIN_POLICIES,
    BUILTIN_TEMPLATES,
    Line,
    Part,
    Requirements,
    ScheduleYear,
    Snapshot,
    Stage,
    Validation,
    Violation,
)

D = Decimal
TODAY = date(2025, 9, 1)
PROGRAM = tuple(ScheduleYear(year, 100_000) for year in range(2026, 2032))
REQUIREMENTS = Requirements(
    dc_bus_voltage_v=650,
    max_speed_rpm=13_500,
    max_magnet_temp_c=D(140),
    max_winding_temp_c=D(180),
)


def _kr_chain(company: str) -> tuple[Stage, ...]:
    return (
        Stage("steel_making", "KR", "POSCO"),
        Stage("component_manufacturing", "KR", company),
    )


MAGNET_CHAIN = (
    # Valid through the start of the last delivery year of PROGRAM: no renewal needed.
    Stage("mining", "AU", "Lynas Rare Earths", "COO-2026-0117", date(2031, 6, 30)),
    Stage("separation", "MY", "Lynas Rare Earths"),
    Stage("metal_alloy", "VN", "VTRE Alloys"),
    Stage("magnet_manufacturing", "VN", "Star Group Ind."),
    Stage("component_manufacturing", "VN", "Star Group Ind."),
)

ROTOR_CORE = Part(
    sku="RC-PR10-16044",
    category="rotor_core",
    supplier_code="PIC",
    supplier_name="POSCO International",
    active=True,
    specs={
        "outer_diameter_mm": D("160.44"),
        "bore_diameter_mm": D("51.00"),
        "stack_length_mm": D("50.8"),
        "poles": 8,
        "magnets_per_pole": 2,
        "pocket_length_mm": D("50.8"),
        "pocket_width_mm": D("18.0"),
        "pocket_thickness_mm": D("7.3"),
        "lamination_grade": "M250-35A",
        "lamination_thickness_mm": D("0.35"),
        "max_speed_rpm": 14_000,
    },
    provenance=_kr_chain("POSCO International"),
    lead_time_days=60,
    annual_capacity=250_000,
    reference_unit_price=D("41.00"),
)

MAGNET = Part(
    sku="MAG-N45SH-4930",
    category="magnet",
    supplier_code="SGI",
    supplier_name="Star Group Ind.",
    active=True,
    specs={
        "grade": "N45SH",
        "max_operating_temp_c": D(150),
        "remanence_t": D("1.33"),
        "coercivity_ka_per_m": D(1600),
        "length_mm": D("49.3"),
        "width_mm": D("17.9"),
        "thickness_mm": D("7.2"),
        "mass_g": D("47.7"),
        "heavy_rare_earth": "dy",
        "grain_boundary_diffused": True,
        "ndpr_kg": D("0.0143"),
        "dy_tb_kg": D("0.0005"),
    },
    provenance=MAGNET_CHAIN,
    lead_time_days=90,
    moq=5000,
    annual_capacity=4_000_000,
    reference_unit_price=D("3.40"),
    rare_earth_kg=D("0.0148"),
)

SHAFT = Part(
    sku="SH-PR10-5105",
    category="shaft",
    supplier_code="HDS",
    supplier_name="Hyundai Shaft Works",
    active=True,
    specs={
        "seat_diameter_mm": D("51.05"),
        "length_mm": D("300"),
        "max_speed_rpm": 14_000,
        "fit": "press",
    },
    provenance=_kr_chain("Hyundai Shaft Works"),
    lead_time_days=60,
    annual_capacity=250_000,
    reference_unit_price=D("18.00"),
)

END_PLATE = Part(
    sku="EP-PR10-158",
    category="end_plate",
    supplier_code="HDS",
    supplier_name="Hyundai Shaft Works",
    active=True,
    specs={"outer_diameter_mm": D("158.0"), "bore_diameter_mm": D("51.5")},
    provenance=_kr_chain("Hyundai Shaft Works"),
    lead_time_days=45,
    annual_capacity=500_000,
    reference_unit_price=D("2.10"),
)

RESOLVER = Part(
    sku="RS-4PP",
    category="resolver",
    supplier_code="TMS",
    supplier_name="Tamagawa Seiki",
    active=True,
    specs={"pole_pairs": 4, "bore_diameter_mm": D("51.00")},
    provenance=(Stage("component_manufacturing", "JP", "Tamagawa Seiki"),),
    lead_time_days=60,
    annual_capacity=250_000,
    reference_unit_price=D("6.50"),
)

STATOR_CORE = Part(
    sku="SC-PR10-1619",
    category="stator_core",
    supplier_code="PIC",
    supplier_name="POSCO International",
    active=True,
    specs={
        "outer_diameter_mm": D("264.0"),
        "inner_diameter_mm": D("161.9"),
        "stack_length_mm": D("50.8"),
        "slots": 48,
        "slot_type": "round_wire",
        "lamination_grade": "M250-35A",
        "lamination_thickness_mm": D("0.35"),
    },
    provenance=_kr_chain("POSCO International"),
    lead_time_days=60,
    annual_capacity=250_000,
    reference_unit_price=D("55.00"),
)

WINDING = Part(
    sku="WD-RW48-8P-H800",
    category="winding",
    supplier_code="LSC",
    supplier_name="LS Cable",
    active=True,
    specs={
        "type": "round_wire",
        "slots": 48,
        "poles": 8,
        "phases": 3,
        "insulation_class": "H",
        "voltage_class_v": 800,
        "stack_length_mm": D("50.8"),
    },
    provenance=(Stage("component_manufacturing", "KR", "LS Cable"),),
    lead_time_days=60,
    annual_capacity=250_000,
    reference_unit_price=D("62.00"),
)

INSULATION = Part(
    sku="INS-H800-PDF",
    category="insulation",
    supplier_code="LSC",
    supplier_name="LS Cable",
    active=True,
    specs={
        "insulation_class": "H",
        "voltage_class_v": 800,
        "pd_free": True,
        "slots": 48,
        "stack_length_mm": D("50.8"),
    },
    provenance=(Stage("component_manufacturing", "KR", "LS Cable"),),
    lead_time_days=60,
    annual_capacity=250_000,
    reference_unit_price=D("9.00"),
)

BUSBAR = Part(
    sku="BB-3P-800-400A",
    category="busbar",
    supplier_code="LSC",
    supplier_name="LS Cable",
    active=True,
    specs={"phases": 3, "voltage_class_v": 800, "max_current_a": 400, "slots": 48},
    provenance=(Stage("component_manufacturing", "KR", "LS Cable"),),
    lead_time_days=60,
    annual_capacity=250_000,
    reference_unit_price=D("7.50"),
)

TEMPERATURE_SENSOR = Part(
    sku="TS-NTC-180",
    category="temperature_sensor",
    supplier_code="TMS",
    supplier_name="Tamagawa Seiki",
    active=True,
    specs={"sensor_type": "ntc", "max_temp_c": D(180)},
    provenance=(Stage("component_manufacturing", "JP", "Tamagawa Seiki"),),
    lead_time_days=30,
    annual_capacity=500_000,
    reference_unit_price=D("1.20"),
)

PARTS: dict[str, Part] = {
    "rotor_core": ROTOR_CORE,
    "magnet": MAGNET,
    "shaft": SHAFT,
    "end_plate": END_PLATE,
    "resolver": RESOLVER,
    "stator_core": STATOR_CORE,
    "winding": WINDING,
    "insulation": INSULATION,
    "busbar": BUSBAR,
    "temperature_sensor": TEMPERATURE_SENSOR,
}
QUANTITIES: dict[str, int] = {
    "rotor_core": 1,
    "magnet": 16,
    "shaft": 1,
    "end_plate": 2,
    "resolver": 1,
    "stator_core": 1,
    "winding": 1,
    "insulation": 1,
    "busbar": 1,
    "temperature_sensor": 2,
}


def lines(**parts: Part) -> tuple[Line, ...]:
    """The Prius lines, with any slot's part replaced by keyword."""
    chosen = {**PARTS, **parts}
    return tuple(Line(slot, chosen[slot], QUANTITIES[slot]) for slot in PARTS)


def snapshot(
    *,
    template: str = "motor-core-package",
    policy: str = "china-excluded",
    requirements: Requirements = REQUIREMENTS,
    schedule: tuple[ScheduleYear, ...] = PROGRAM,
    today: date = TODAY,
    restricted: frozenset[str] = frozenset(),
    kit_lines: tuple[Line, ...] | None = None,
    **parts: Part,
) -> Snapshot:
    return Snapshot(
        template=BUILTIN_TEMPLATES[template],
        requirements=requirements,
        lines=lines(**parts) if kit_lines is None else kit_lines,
        policy=BUILTIN_POLICIES[policy],
        schedule=schedule,
        today=today,
        restricted_entities=restricted,
    )


def with_specs(part: Part, **specs: Any) -> Part:
    return dataclasses.replace(part, specs={**part.specs, **specs})


def with_stages(part: Part, *stages: Stage) -> Part:
    return dataclasses.replace(part, provenance=stages)


def replace_stage(part: Part, stage: str, **changes: Any) -> Part:
    return with_stages(
        part,
        *(dataclasses.replace(s, **changes) if s.stage == stage else s for s in part.provenance),
    )


def drop_stage(part: Part, stage: str) -> Part:
    return with_stages(part, *(s for s in part.provenance if s.stage != stage))


def set_quantity(snap: Snapshot, slot: str, quantity: int) -> Snapshot:
    return dataclasses.replace(
        snap,
        lines=tuple(
            dataclasses.replace(ln, quantity=quantity) if ln.slot == slot else ln for ln in snap.lines
        ),
    )


def without(snap: Snapshot, *slots: str) -> Snapshot:
    return dataclasses.replace(snap, lines=tuple(ln for ln in snap.lines if ln.slot not in slots))


def of_code(validation: Validation, code: str) -> list[Violation]:
    return [v for v in validation.violations if v.code == code]


def errors(validation: Validation) -> list[Violation]:
    return [v for v in validation.violations if v.severity == "error"]
