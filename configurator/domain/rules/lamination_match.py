"""LAMINATION_MATCH: rotor and stator lamination gauges (a warning).

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import DEC, RAW, Field, Rule, spec_dec
from configurator.domain.templates import ROTOR_CORE, STATOR_CORE
from configurator.domain.types import WARNING, Violation
from configurator.domain.units import plain

# No spec field says "high-strength", so the rotor's grade designation decides:
# it counts when it contains "HS" or "high-strength" (any case, "-", "_" or a
# space between the words). The general EN 10106 / EN 10303 designations
# (M250-35A, NO20-1500) contain neither, so ordinary pairs are still checked;
# a high-strength grade named otherwise gets the warning, which blocks nothing.
_HIGH_STRENGTH = re.compile(r"hs|high[\s_-]?strength", re.IGNORECASE)


def is_high_strength_grade(grade: object) -> bool:
    return isinstance(grade, str) and _HIGH_STRENGTH.search(grade) is not None


class LaminationMatch(Rule):
    """Rotor and stator are normally punched from one coil, so their gauges match.

    High-strength rotor grades are the accepted exception; no spec field says
    so, hence the designation heuristic in `is_high_strength_grade`.
    """

    code = codes.LAMINATION_MATCH
    slots = (ROTOR_CORE, STATOR_CORE)
    reads = {
        ROTOR_CORE: (Field(RAW, "lamination_grade"), Field(DEC, "lamination_thickness_mm")),
        STATOR_CORE: (Field(DEC, "lamination_thickness_mm"),),
    }
    not_inverted = "a warning only: it never excludes a candidate, so the options index does not judge it"

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            if is_high_strength_grade(rotor.specs.get("lamination_grade")):
                continue
            rotor_gauge = spec_dec(rotor, "lamination_thickness_mm")
            for stator in ctx.parts(STATOR_CORE):
                stator_gauge = spec_dec(stator, "lamination_thickness_mm")
                if rotor_gauge is None or stator_gauge is None or rotor_gauge == stator_gauge:
                    continue
                yield violation(
                    self.code,
                    f"rotor lamination {plain(rotor_gauge)} mm "
                    f"({rotor.specs.get('lamination_grade')}) differs from stator lamination "
                    f"{plain(stator_gauge)} mm ({stator.specs.get('lamination_grade')}); "
                    "they are normally cut from one coil",
                    [(ROTOR_CORE, rotor), (STATOR_CORE, stator)],
                    severity=WARNING,
                )
