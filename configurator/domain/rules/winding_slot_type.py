"""WINDING_SLOT_TYPE: the winding's conductor against the stator's slot shape.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import RAW, STR, Field, Judgement, Rule
from configurator.domain.templates import STATOR_CORE, WINDING
from configurator.domain.types import Violation

WINDING_SLOT_TYPE: dict[str, str] = {"hairpin": "rectangular", "round_wire": "round_wire"}


class WindingSlotType(Rule):
    code = codes.WINDING_SLOT_TYPE
    slots = (STATOR_CORE, WINDING)
    reads = {
        STATOR_CORE: (Field(RAW, "slot_type"),),
        WINDING: (Field(STR, "type"),),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for winding in ctx.parts(WINDING):
            kind = winding.specs.get("type")
            needed = WINDING_SLOT_TYPE.get(str(kind))
            for stator in ctx.parts(STATOR_CORE):
                slot_type = stator.specs.get("slot_type")
                if needed != slot_type:
                    need = f"needs {needed} slots" if needed else "is of an unknown type"
                    yield violation(
                        self.code,
                        f"{kind} winding {winding.sku} {need}; stator {stator.sku} has {slot_type} slots",
                        [(STATOR_CORE, stator), (WINDING, winding)],
                    )

    def exclude(self, slot: str, j: Judgement) -> None:
        ci, ctx, m = j.ci, j.ctx, j.masks
        if slot == STATOR_CORE:
            slot_types = ci.buckets("raw", "slot_type")
            for winding in ctx.parts(WINDING):
                needed = WINDING_SLOT_TYPE.get(str(winding.specs.get("type")))
                m.add(self.code, ci.all & ~slot_types.get(needed))
        elif slot == WINDING:
            kinds = ci.buckets("str", "type")
            for stator in ctx.parts(STATOR_CORE):
                slot_type = stator.specs.get("slot_type")
                m.add(self.code, kinds.where(lambda kind, t=slot_type: WINDING_SLOT_TYPE.get(kind) != t))
