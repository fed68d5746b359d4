"""ROTOR_SPEED: speed ratings, and the rotor's surface speed (a warning).

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import INT, Field, Judgement, Rule, spec_dec, spec_int
from configurator.domain.templates import ROTOR_CORE, SHAFT
from configurator.domain.types import WARNING, Violation
from configurator.domain.units import one_decimal, plain, thousands

SURFACE_SPEED_MAX_M_S = 120

# 30 digits: well past the 28-digit context, so pi never decides a comparison.
_PI = Decimal("3.141592653589793238462643383279")

# v [m/s] = pi * D [mm] / 1000 * n [rpm] / 60, so v > 120 <=> pi * D * n > 7,200,000.
_SURFACE_SPEED_LIMIT = Decimal(SURFACE_SPEED_MAX_M_S * 1000 * 60)


class RotorSpeed(Rule):
    """Ratings against the required speed, and the rotor's surface speed at it.

    The surface speed uses the buyer's maximum speed (what the rotor will see),
    not the part's rating, so it is skipped when no speed is stated.
    """

    code = codes.ROTOR_SPEED
    slots = (ROTOR_CORE, SHAFT)
    # The surface speed (outer_diameter_mm) is a warning: the inverted form needs only the ratings.
    reads = {
        ROTOR_CORE: (Field(INT, "max_speed_rpm"),),
        SHAFT: (Field(INT, "max_speed_rpm"),),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        speed = ctx.requirements.max_speed_rpm
        if speed is None:
            return
        for slot in self.slots:
            for part in ctx.parts(slot):
                rated = spec_int(part, "max_speed_rpm")
                if rated is not None and rated < speed:
                    yield violation(
                        self.code,
                        f"{slot} {part.sku} is rated {thousands(rated)} rpm, below the required "
                        f"{thousands(speed)} rpm",
                        [(slot, part)],
                    )
        for rotor in ctx.parts(ROTOR_CORE):
            outer = spec_dec(rotor, "outer_diameter_mm")
            if outer is None:
                continue
            if _PI * outer * speed > _SURFACE_SPEED_LIMIT:
                surface = _PI * outer * speed / 60000
                yield violation(
                    self.code,
                    f"rotor surface speed {one_decimal(surface)} m/s at {thousands(speed)} rpm "
                    f"exceeds {SURFACE_SPEED_MAX_M_S} m/s (rotor OD {plain(outer)} mm; "
                    "production motors top out near 118 m/s)",
                    [(ROTOR_CORE, rotor)],
                    severity=WARNING,
                )

    def exclude(self, slot: str, j: Judgement) -> None:
        speed = j.req.max_speed_rpm
        if speed is not None and slot in self.slots:
            j.masks.add(self.code, j.ci.ints("max_speed_rpm").lt(speed))
