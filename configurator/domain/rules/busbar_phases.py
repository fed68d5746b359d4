"""BUSBAR_PHASES: busbar and winding phases.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import INT, Field, Judgement, Rule, spec_int
from configurator.domain.templates import BUSBAR, WINDING
from configurator.domain.types import Violation


class BusbarPhases(Rule):
    code = codes.BUSBAR_PHASES
    slots = (WINDING, BUSBAR)
    reads = {
        WINDING: (Field(INT, "phases"),),
        BUSBAR: (Field(INT, "phases"),),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for winding in ctx.parts(WINDING):
            for busbar in ctx.parts(BUSBAR):
                w_phases, b_phases = spec_int(winding, "phases"), spec_int(busbar, "phases")
                if w_phases is not None and b_phases is not None and w_phases != b_phases:
                    yield violation(
                        self.code,
                        f"busbar {busbar.sku} has {b_phases} phases, winding {winding.sku} has {w_phases}",
                        [(WINDING, winding), (BUSBAR, busbar)],
                    )

    def exclude(self, slot: str, j: Judgement) -> None:
        other_slot = {WINDING: BUSBAR, BUSBAR: WINDING}.get(slot)
        if other_slot is None:
            return
        phases = j.ci.buckets("int", "phases")
        for other in j.ctx.parts(other_slot):
            other_phases = spec_int(other, "phases")
            if other_phases is not None:
                j.masks.add(self.code, phases.present & ~phases.get(other_phases))
