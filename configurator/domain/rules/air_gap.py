"""AIR_GAP: the radial gap between rotor core and stator bore.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import DEC, Field, Judgement, Rule, spec_dec
from configurator.domain.templates import ROTOR_CORE, STATOR_CORE
from configurator.domain.types import ERROR, WARNING, Violation
from configurator.domain.units import mm, plain

AIR_GAP_ERROR_MIN = Decimal("0.25")
AIR_GAP_ERROR_MAX = Decimal("1.5")
AIR_GAP_WARN_MIN = Decimal("0.35")
AIR_GAP_WARN_MAX = Decimal("1.0")


class AirGap(Rule):
    code = codes.AIR_GAP
    slots = (ROTOR_CORE, STATOR_CORE)
    reads = {
        ROTOR_CORE: (Field(DEC, "outer_diameter_mm"),),
        STATOR_CORE: (Field(DEC, "inner_diameter_mm"),),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            outer = spec_dec(rotor, "outer_diameter_mm")
            for stator in ctx.parts(STATOR_CORE):
                bore = spec_dec(stator, "inner_diameter_mm")
                if outer is None or bore is None:
                    continue
                gap = (bore - outer) / 2
                numbers = f"(stator bore {plain(bore)}, rotor OD {plain(outer)})"
                if gap < AIR_GAP_ERROR_MIN:
                    severity, text = ERROR, f"is below {AIR_GAP_ERROR_MIN} mm"
                elif gap == AIR_GAP_ERROR_MIN:
                    severity, text = ERROR, f"is not above {AIR_GAP_ERROR_MIN} mm"
                elif gap > AIR_GAP_ERROR_MAX:
                    severity, text = ERROR, f"is above {AIR_GAP_ERROR_MAX} mm"
                elif gap == AIR_GAP_ERROR_MAX:
                    severity, text = ERROR, f"is not below {AIR_GAP_ERROR_MAX} mm"
                elif not AIR_GAP_WARN_MIN <= gap <= AIR_GAP_WARN_MAX:
                    severity = WARNING
                    text = (
                        f"is outside {AIR_GAP_WARN_MIN}-{AIR_GAP_WARN_MAX} mm "
                        "(benchmarked production motors: 0.40-0.89 mm)"
                    )
                else:
                    continue
                yield violation(
                    self.code,
                    f"air gap {mm(gap)} mm {text} {numbers}",
                    [(ROTOR_CORE, rotor), (STATOR_CORE, stator)],
                    severity=severity,
                )

    def exclude(self, slot: str, j: Judgement) -> None:
        ci, m = j.ci, j.masks
        if slot == ROTOR_CORE:
            outer = ci.num("outer_diameter_mm")
            for stator in j.ctx.parts(STATOR_CORE):
                bore = spec_dec(stator, "inner_diameter_mm")
                if bore is not None:  # gap <= 0.25 or gap >= 1.5
                    m.add(
                        self.code,
                        outer.ge(bore - 2 * AIR_GAP_ERROR_MIN) | outer.le(bore - 2 * AIR_GAP_ERROR_MAX),
                    )
        elif slot == STATOR_CORE:
            bores = ci.num("inner_diameter_mm")
            for rotor in j.ctx.parts(ROTOR_CORE):
                outer = spec_dec(rotor, "outer_diameter_mm")
                if outer is not None:
                    m.add(
                        self.code,
                        bores.le(outer + 2 * AIR_GAP_ERROR_MIN) | bores.ge(outer + 2 * AIR_GAP_ERROR_MAX),
                    )
