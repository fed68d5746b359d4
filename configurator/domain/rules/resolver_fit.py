"""RESOLVER_FIT: the resolver's bore on the shaft seat.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import DEC, Field, Judgement, Rule, spec_dec
from configurator.domain.templates import RESOLVER, SHAFT
from configurator.domain.types import Violation
from configurator.domain.units import mm, plain

RESOLVER_BORE_MAX_DIFFERENCE = Decimal("0.10")


class ResolverFit(Rule):
    """The resolver rotor sits on the shaft: its bore is the shaft seat, within 0.10 mm."""

    code = codes.RESOLVER_FIT
    slots = (SHAFT, RESOLVER)
    reads = {
        SHAFT: (Field(DEC, "seat_diameter_mm"),),
        RESOLVER: (Field(DEC, "bore_diameter_mm"),),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for shaft in ctx.parts(SHAFT):
            seat = spec_dec(shaft, "seat_diameter_mm")
            for resolver in ctx.parts(RESOLVER):
                bore = spec_dec(resolver, "bore_diameter_mm")
                if seat is None or bore is None:
                    continue
                difference = abs(bore - seat)
                if difference > RESOLVER_BORE_MAX_DIFFERENCE:
                    yield violation(
                        self.code,
                        f"resolver {resolver.sku} bore {plain(bore)} mm and shaft {shaft.sku} seat "
                        f"{plain(seat)} mm differ by {mm(difference)} mm, more than "
                        f"{RESOLVER_BORE_MAX_DIFFERENCE} mm",
                        [(SHAFT, shaft), (RESOLVER, resolver)],
                    )

    def exclude(self, slot: str, j: Judgement) -> None:
        ci, ctx, m = j.ci, j.ctx, j.masks
        if slot == SHAFT:
            seats = ci.num("seat_diameter_mm")
            for resolver in ctx.parts(RESOLVER):
                bore = spec_dec(resolver, "bore_diameter_mm")
                if bore is not None:  # |bore - seat| <= 0.10
                    m.add(
                        self.code,
                        seats.outside(
                            bore - RESOLVER_BORE_MAX_DIFFERENCE, bore + RESOLVER_BORE_MAX_DIFFERENCE
                        ),
                    )
        elif slot == RESOLVER:
            for shaft in ctx.parts(SHAFT):
                seat = spec_dec(shaft, "seat_diameter_mm")
                if seat is not None:  # |bore - seat| <= 0.10
                    m.add(
                        self.code,
                        ci.num("bore_diameter_mm").outside(
                            seat - RESOLVER_BORE_MAX_DIFFERENCE, seat + RESOLVER_BORE_MAX_DIFFERENCE
                        ),
                    )
