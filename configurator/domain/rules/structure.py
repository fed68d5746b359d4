"""Structure rules (domain.md section 4): slots filled, quantities, categories, active parts.

The options index judges these itself (configurator.domain.options.judge): they
read the template and the lines, not the specs of one pair of parts.
"""

from __future__ import annotations

from collections.abc import Iterator

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import Rule, spec_dec
from configurator.domain.templates import (
    MAGNET,
    MAGNET_FORMULA,
    ROTOR_CORE,
    SLOT_ORDER,
    axial_segments,
    magnet_quantity,
)
from configurator.domain.types import Violation
from configurator.domain.units import plain


class SlotRequired(Rule):
    code = codes.SLOT_REQUIRED
    slots = SLOT_ORDER

    def applies(self, ctx: KitContext) -> bool:
        # The one rule whose point is an empty slot.
        return True

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for slot in ctx.template.slots:
            if slot.required and not ctx.lines(slot.code):
                yield violation(
                    self.code,
                    f"{slot.code} is required in {ctx.template.code} and has no part",
                    slots=(slot.code,),
                )


class SlotQuantity(Rule):
    code = codes.SLOT_QUANTITY
    slots = SLOT_ORDER

    def applies(self, ctx: KitContext) -> bool:
        # Lines in slots the template does not have must be caught too.
        return bool(ctx.snapshot.lines)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for slot_code in ctx.filled_slots():
            lines = ctx.lines(slot_code)
            involved = [(slot_code, line.part) for line in lines]
            slot = ctx.template.slot(slot_code)
            total = sum(line.quantity for line in lines)
            if slot is None:
                # Reported as a quantity because the template allows none there.
                yield violation(
                    self.code,
                    f"{slot_code} is not a slot of {ctx.template.code}; quantity {total} "
                    "where none is allowed",
                    involved,
                )
                continue
            for line in lines:
                if line.quantity < 1:
                    yield violation(
                        self.code,
                        f"{line.part.sku} quantity {line.quantity} in {slot_code} must be at least 1"
                        + (" (an optional slot is left empty by removing its part, not by quantity 0)"
                           if slot.min_qty == 0 else ""),
                        [(slot_code, line.part)],
                    )
            if slot.formula == MAGNET_FORMULA and ctx.parts(ROTOR_CORE) and ctx.parts(MAGNET):
                yield from self._magnet_formula(ctx, slot_code, total)
            elif not slot.min_qty <= total <= slot.max_qty:
                yield violation(
                    self.code,
                    f"{slot_code} quantity {total} is outside {slot.min_qty}..{slot.max_qty}",
                    involved,
                )

    def _magnet_formula(self, ctx: KitContext, slot_code: str, total: int) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            for magnet in ctx.parts(MAGNET):
                segments = axial_segments(rotor.specs, magnet.specs)
                if segments == 0:
                    # MAGNET_FIT already says the magnet is longer than the pocket.
                    continue
                expected = magnet_quantity(rotor.specs, magnet.specs)
                if total != expected:
                    yield violation(
                        self.code,
                        f"magnet quantity {total} does not match "
                        f"{rotor.specs.get('poles')} poles x "
                        f"{rotor.specs.get('magnets_per_pole')} magnets per pole x "
                        f"{segments} axial segment{'s' if segments != 1 else ''} = {expected} "
                        f"(pocket length {plain(spec_dec(rotor, 'pocket_length_mm') or 0)}, "
                        f"magnet length {plain(spec_dec(magnet, 'length_mm') or 0)})",
                        [(ROTOR_CORE, rotor), *((slot_code, line.part) for line in ctx.lines(slot_code))],
                    )


class SlotCategory(Rule):
    code = codes.SLOT_CATEGORY
    slots = SLOT_ORDER

    def applies(self, ctx: KitContext) -> bool:
        return bool(ctx.snapshot.lines)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for slot in ctx.template.slots:
            for line in ctx.lines(slot.code):
                if line.part.category != slot.category:
                    yield violation(
                        self.code,
                        f"{line.part.sku} is a {line.part.category} part, not a {slot.category}",
                        [(slot.code, line.part)],
                    )


class PartInactive(Rule):
    code = codes.PART_INACTIVE
    slots = SLOT_ORDER

    def applies(self, ctx: KitContext) -> bool:
        return bool(ctx.snapshot.lines)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for slot, part in ctx.distinct_parts():
            if not part.active:
                yield violation(self.code, f"{part.sku} is no longer active", [(slot, part)])
