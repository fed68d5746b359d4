"""VOLTAGE_CLASS: voltage ratings against the DC bus, and partial-discharge freedom.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import INT, TRUE, Field, Judgement, Rule, spec_int
from configurator.domain.templates import BUSBAR, INSULATION, WINDING
from configurator.domain.types import Violation

PD_FREE_ABOVE_V = 500


class VoltageClass(Rule):
    code = codes.VOLTAGE_CLASS
    slots = (WINDING, INSULATION, BUSBAR)
    reads = {
        WINDING: (Field(INT, "voltage_class_v"),),
        INSULATION: (Field(INT, "voltage_class_v"), Field(TRUE, "pd_free")),
        BUSBAR: (Field(INT, "voltage_class_v"),),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        bus = ctx.requirements.dc_bus_voltage_v
        if bus is None:
            return
        for slot in self.slots:
            for part in ctx.parts(slot):
                rated = spec_int(part, "voltage_class_v")
                if rated is not None and rated < bus:
                    yield violation(
                        self.code,
                        f"{slot} {part.sku} is rated for the {rated} V class, below the {bus} V DC bus",
                        [(slot, part)],
                    )
        if bus > PD_FREE_ABOVE_V:
            for insulation in ctx.parts(INSULATION):
                if insulation.specs.get("pd_free") is not True:
                    yield violation(
                        self.code,
                        f"insulation {insulation.sku} is not partial-discharge free "
                        f"(IEC 60034-18-41 Type I), required above {PD_FREE_ABOVE_V} V: a "
                        f"{bus} V DC bus puts peaks of about {2 * bus} V on the terminals",
                        [(INSULATION, insulation)],
                    )

    def exclude(self, slot: str, j: Judgement) -> None:
        bus = j.req.dc_bus_voltage_v
        if bus is None or slot not in self.slots:
            return
        ci = j.ci
        j.masks.add(self.code, ci.ints("voltage_class_v").lt(bus))
        if slot == INSULATION and bus > PD_FREE_ABOVE_V:
            j.masks.add(self.code, ci.all & ~ci.buckets("true", "pd_free").get(True))
