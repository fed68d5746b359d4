"""INSULATION_FIT: the slot insulation cut for the stator's slots and stack.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import DEC, INT, Field, Judgement, Rule, spec_dec, spec_int
from configurator.domain.templates import INSULATION, STATOR_CORE
from configurator.domain.types import Violation
from configurator.domain.units import mm, plain

STACK_INSULATION_STATOR_MAX = Decimal("0.5")


class InsulationFit(Rule):
    """A slot insulation system is cut for one stator: its slot count and stack length."""

    code = codes.INSULATION_FIT
    slots = (STATOR_CORE, INSULATION)
    reads = {
        STATOR_CORE: (Field(INT, "slots"), Field(DEC, "stack_length_mm")),
        INSULATION: (Field(INT, "slots"), Field(DEC, "stack_length_mm")),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for stator in ctx.parts(STATOR_CORE):
            stator_slots = spec_int(stator, "slots")
            stator_stack = spec_dec(stator, "stack_length_mm")
            for insulation in ctx.parts(INSULATION):
                involved = [(STATOR_CORE, stator), (INSULATION, insulation)]
                insulation_slots = spec_int(insulation, "slots")
                if (
                    stator_slots is not None
                    and insulation_slots is not None
                    and insulation_slots != stator_slots
                ):
                    yield violation(
                        self.code,
                        f"insulation {insulation.sku} is cut for {insulation_slots} slots, stator "
                        f"{stator.sku} has {stator_slots}",
                        involved,
                    )
                insulation_stack = spec_dec(insulation, "stack_length_mm")
                if stator_stack is None or insulation_stack is None:
                    continue
                difference = abs(insulation_stack - stator_stack)
                if difference > STACK_INSULATION_STATOR_MAX:
                    yield violation(
                        self.code,
                        f"insulation {insulation.sku} stack {plain(insulation_stack)} mm and stator "
                        f"{stator.sku} stack {plain(stator_stack)} mm differ by {mm(difference)} mm, "
                        f"more than {STACK_INSULATION_STATOR_MAX} mm",
                        involved,
                    )

    def exclude(self, slot: str, j: Judgement) -> None:
        if slot == STATOR_CORE:
            self._exclude(j, INSULATION)
        elif slot == INSULATION:
            self._exclude(j, STATOR_CORE)

    def _exclude(self, j: Judgement, other_slot: str) -> None:
        """Slot count and stack read the same from either side."""
        m = j.masks
        slots = j.ci.buckets("int", "slots")
        stacks = j.ci.num("stack_length_mm")
        for other in j.ctx.parts(other_slot):
            other_slots = spec_int(other, "slots")
            if other_slots is not None:
                m.add(self.code, slots.present & ~slots.get(other_slots))
            stack = spec_dec(other, "stack_length_mm")
            if stack is not None:
                m.add(
                    self.code,
                    stacks.outside(stack - STACK_INSULATION_STATOR_MAX, stack + STACK_INSULATION_STATOR_MAX),
                )
