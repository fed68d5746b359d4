"""BUSBAR_FIT: the busbar made for the stator's slot count.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import INT, Field, Judgement, Rule, spec_int
from configurator.domain.templates import BUSBAR, STATOR_CORE
from configurator.domain.types import Violation


class BusbarFit(Rule):
    """The busbar connects the winding of one stator: its slot count is the stator's."""

    code = codes.BUSBAR_FIT
    slots = (STATOR_CORE, BUSBAR)
    reads = {
        STATOR_CORE: (Field(INT, "slots"),),
        BUSBAR: (Field(INT, "slots"),),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for stator in ctx.parts(STATOR_CORE):
            stator_slots = spec_int(stator, "slots")
            for busbar in ctx.parts(BUSBAR):
                busbar_slots = spec_int(busbar, "slots")
                if stator_slots is None or busbar_slots is None or busbar_slots == stator_slots:
                    continue
                yield violation(
                    self.code,
                    f"busbar {busbar.sku} is for a {busbar_slots}-slot stator, stator {stator.sku} "
                    f"has {stator_slots} slots",
                    [(STATOR_CORE, stator), (BUSBAR, busbar)],
                )

    def exclude(self, slot: str, j: Judgement) -> None:
        other_slot = {STATOR_CORE: BUSBAR, BUSBAR: STATOR_CORE}.get(slot)
        if other_slot is None:
            return
        slots = j.ci.buckets("int", "slots")
        for other in j.ctx.parts(other_slot):
            other_slots = spec_int(other, "slots")
            if other_slots is not None:
                j.masks.add(self.code, slots.present & ~slots.get(other_slots))
