"""Snapshot types the rules engine reads, and the validation it returns.

Everything here is a frozen dataclass built once per evaluation by a selector
(or by a test) from whatever storage holds the catalog; the engine never
looks anything up by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from configurator.domain.sourcing import SourcingPolicy

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Stage:
    stage: str
    country: str
    company: str
    evidence_reference: str = ""
    evidence_expires: date | None = None


@dataclass(frozen=True)
class Part:
    sku: str
    category: str
    supplier_code: str
    supplier_name: str
    active: bool
    specs: Mapping[str, Any]
    provenance: tuple[Stage, ...] = ()
    lead_time_days: int = 0
    moq: int = 1
    annual_capacity: int = 0
    # A common currency, so repairs can be ranked by added cost; None when unknown.
    reference_unit_price: Decimal | None = None
    # Per unit; for magnets ndpr_kg + dy_tb_kg (the eu-crma concentration base).
    rare_earth_kg: Decimal = Decimal(0)
    name: str = ""
    # (min_qty, unit price in the reference currency), lowest min_qty first; empty: the
    # reference price at any volume. Guided options rank by cost per kit at the volume.
    price_tiers: tuple[tuple[int, Decimal], ...] = ()

    def unit_price_at(self, units: int) -> Decimal | None:
        """The tier price for a year's units (the highest min_qty not above them)."""
        price = self.reference_unit_price
        for min_qty, unit_price in self.price_tiers:
            if min_qty <= units:
                price = unit_price
            else:
                break
        return price


@dataclass(frozen=True)
class SlotDef:
    code: str
    category: str
    min_qty: int
    max_qty: int
    required: bool
    # "magnet": the quantity follows from the rotor core and the magnet chosen,
    # and min_qty..max_qty only bound it until the rotor core is known.
    formula: str | None = None


@dataclass(frozen=True)
class KitTemplate:
    code: str
    name: str
    slots: tuple[SlotDef, ...]

    def slot(self, code: str) -> SlotDef | None:
        for slot in self.slots:
            if slot.code == code:
                return slot
        return None


@dataclass(frozen=True)
class Requirements:
    """The buyer's operating point; None means not stated and skips the checks on it."""

    dc_bus_voltage_v: int | None = None
    max_speed_rpm: int | None = None
    max_magnet_temp_c: Decimal | None = None
    max_winding_temp_c: Decimal | None = None


@dataclass(frozen=True)
class Line:
    slot: str
    part: Part
    quantity: int


@dataclass(frozen=True)
class ScheduleYear:
    year: int
    kits: int


# kw_only: the clock sits after a defaulted field, and keywords keep callers
# from silently passing the schedule where the date belongs.
@dataclass(frozen=True, kw_only=True)
class Snapshot:
    template: KitTemplate
    requirements: Requirements
    lines: tuple[Line, ...]
    policy: SourcingPolicy
    schedule: tuple[ScheduleYear, ...] = ()
    today: date
    # Upper-cased codes and names of suppliers marked restricted in the catalog.
    restricted_entities: frozenset[str] = frozenset()
    # (sku, year) -> units already booked by accepted orders of every organization:
    # capacity is shared by all buyers (domain.md section 7). Absent means none.
    booked: Mapping[tuple[str, int], int] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Violation:
    code: str
    severity: str
    message: str
    slots: tuple[str, ...]
    skus: tuple[str, ...]
    years: tuple[int, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "slots": list(self.slots),
            "skus": list(self.skus),
        }
        if self.years:
            data["years"] = list(self.years)
        return data


@dataclass(frozen=True)
class Validation:
    valid: bool
    complete: bool
    violations: tuple[Violation, ...]

    @property
    def errors(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity == ERROR)

    @property
    def warnings(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity == WARNING)

    def codes(self) -> set[str]:
        return {v.code for v in self.violations}

    def to_dict(self) -> dict[str, Any]:
        """The validation object of interfaces.md section 2."""
        return {
            "valid": self.valid,
            "complete": self.complete,
            "violations": [v.to_dict() for v in self.violations],
        }
