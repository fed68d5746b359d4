"""STACK_LENGTH: rotor and winding stacks against the stator stack.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import DEC, Field, Judgement, Rule, spec_dec
from configurator.domain.templates import ROTOR_CORE, STATOR_CORE, WINDING
from configurator.domain.types import Violation
from configurator.domain.units import mm, plain

STACK_ROTOR_STATOR_MAX = Decimal("2.0")
STACK_WINDING_STATOR_MAX = Decimal("0.5")


class StackLength(Rule):
    code = codes.STACK_LENGTH
    slots = (ROTOR_CORE, STATOR_CORE, WINDING)
    reads = {
        ROTOR_CORE: (Field(DEC, "stack_length_mm"),),
        STATOR_CORE: (Field(DEC, "stack_length_mm"),),
        WINDING: (Field(DEC, "stack_length_mm"),),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for stator in ctx.parts(STATOR_CORE):
            stator_stack = spec_dec(stator, "stack_length_mm")
            if stator_stack is None:
                continue
            for other_slot, limit in (
                (ROTOR_CORE, STACK_ROTOR_STATOR_MAX),
                (WINDING, STACK_WINDING_STATOR_MAX),
            ):
                for other in ctx.parts(other_slot):
                    other_stack = spec_dec(other, "stack_length_mm")
                    if other_stack is None:
                        continue
                    difference = abs(other_stack - stator_stack)
                    if difference > limit:
                        name = "rotor" if other_slot == ROTOR_CORE else "winding"
                        yield violation(
                            self.code,
                            f"{name} stack {plain(other_stack)} mm and stator stack "
                            f"{plain(stator_stack)} mm differ by {mm(difference)} mm, "
                            f"more than {limit} mm",
                            [(other_slot, other), (STATOR_CORE, stator)],
                        )

    def exclude(self, slot: str, j: Judgement) -> None:
        if slot == ROTOR_CORE:
            self._exclude_near(j, STATOR_CORE, STACK_ROTOR_STATOR_MAX)
        elif slot == STATOR_CORE:
            self._exclude_near(j, ROTOR_CORE, STACK_ROTOR_STATOR_MAX)
            self._exclude_near(j, WINDING, STACK_WINDING_STATOR_MAX)
        elif slot == WINDING:
            self._exclude_near(j, STATOR_CORE, STACK_WINDING_STATOR_MAX)

    def _exclude_near(self, j: Judgement, other: str, tolerance) -> None:
        """Candidates whose stack is more than `tolerance` from a chosen `other` part's stack."""
        for part in j.ctx.parts(other):
            stack = spec_dec(part, "stack_length_mm")
            if stack is not None:
                near = j.ci.num("stack_length_mm").outside(stack - tolerance, stack + tolerance)
                j.masks.add(self.code, near)
