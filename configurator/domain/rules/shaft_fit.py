"""SHAFT_FIT: the shaft seat in the rotor core's bore (press or keyed).

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import DEC, RAW, Field, Judgement, Rule, spec_dec
from configurator.domain.templates import ROTOR_CORE, SHAFT
from configurator.domain.types import Violation
from configurator.domain.units import mm, plain

PRESS_FIT_MIN = Decimal("0.01")
PRESS_FIT_MAX = Decimal("0.10")
KEYED_FIT_MIN = Decimal(0)
KEYED_FIT_MAX = Decimal("0.05")


class ShaftFit(Rule):
    code = codes.SHAFT_FIT
    slots = (ROTOR_CORE, SHAFT)
    reads = {
        ROTOR_CORE: (Field(DEC, "bore_diameter_mm"),),
        SHAFT: (Field(DEC, "seat_diameter_mm"), Field(RAW, "fit")),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            bore = spec_dec(rotor, "bore_diameter_mm")
            for shaft in ctx.parts(SHAFT):
                seat = spec_dec(shaft, "seat_diameter_mm")
                if bore is None or seat is None:
                    continue
                involved = [(ROTOR_CORE, rotor), (SHAFT, shaft)]
                numbers = f"(shaft seat {plain(seat)}, rotor bore {plain(bore)})"
                fit = shaft.specs.get("fit")
                if fit == "press":
                    interference = seat - bore
                    if not PRESS_FIT_MIN <= interference <= PRESS_FIT_MAX:
                        yield violation(
                            self.code,
                            f"press fit interference {mm(interference)} mm is outside "
                            f"{PRESS_FIT_MIN}-{PRESS_FIT_MAX} mm {numbers}",
                            involved,
                        )
                elif fit == "keyed":
                    clearance = bore - seat
                    if not KEYED_FIT_MIN <= clearance <= KEYED_FIT_MAX:
                        yield violation(
                            self.code,
                            f"keyed fit clearance {mm(clearance)} mm is outside "
                            f"{KEYED_FIT_MIN}-{KEYED_FIT_MAX} mm {numbers}",
                            involved,
                        )
                else:
                    yield violation(
                        self.code, f"shaft {shaft.sku} has unknown fit {fit!r} (press or keyed)", involved
                    )

    def exclude(self, slot: str, j: Judgement) -> None:
        ci, ctx, m = j.ci, j.ctx, j.masks
        if slot == ROTOR_CORE:
            bores = ci.num("bore_diameter_mm")
            for shaft in ctx.parts(SHAFT):
                seat = spec_dec(shaft, "seat_diameter_mm")
                if seat is None:
                    continue
                fit = shaft.specs.get("fit")
                if fit == "press":  # interference seat - bore within 0.01..0.10
                    m.add(self.code, bores.outside(seat - PRESS_FIT_MAX, seat - PRESS_FIT_MIN))
                elif fit == "keyed":  # clearance bore - seat within 0..0.05
                    m.add(self.code, bores.outside(seat + KEYED_FIT_MIN, seat + KEYED_FIT_MAX))
                else:
                    m.add(self.code, bores.present)
        elif slot == SHAFT:
            seats = ci.num("seat_diameter_mm")
            fits = ci.buckets("raw", "fit")
            press, keyed = fits.get("press"), fits.get("keyed")
            for rotor in ctx.parts(ROTOR_CORE):
                bore = spec_dec(rotor, "bore_diameter_mm")
                if bore is None:
                    continue
                m.add(self.code, press & seats.outside(bore + PRESS_FIT_MIN, bore + PRESS_FIT_MAX))
                m.add(self.code, keyed & seats.outside(bore - KEYED_FIT_MAX, bore - KEYED_FIT_MIN))
                m.add(self.code, seats.present & ~(press | keyed))
