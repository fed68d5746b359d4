"""MAGNET_FIT: the magnet in the rotor core's pocket.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import DEC, Field, Judgement, Rule, spec_dec
from configurator.domain.templates import MAGNET, ROTOR_CORE
from configurator.domain.types import Violation
from configurator.domain.units import mm, plain

MAGNET_MIN_CLEARANCE = Decimal("0.02")


class MagnetFit(Rule):
    code = codes.MAGNET_FIT
    slots = (ROTOR_CORE, MAGNET)
    reads = {
        ROTOR_CORE: (
            Field(DEC, "pocket_width_mm"),
            Field(DEC, "pocket_thickness_mm"),
            Field(DEC, "pocket_length_mm"),
        ),
        MAGNET: (Field(DEC, "width_mm"), Field(DEC, "thickness_mm"), Field(DEC, "length_mm")),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            for magnet in ctx.parts(MAGNET):
                involved = [(ROTOR_CORE, rotor), (MAGNET, magnet)]
                for dimension in ("width", "thickness"):
                    size = spec_dec(magnet, f"{dimension}_mm")
                    pocket = spec_dec(rotor, f"pocket_{dimension}_mm")
                    if size is None or pocket is None:
                        continue
                    clearance = pocket - size
                    if clearance < MAGNET_MIN_CLEARANCE:
                        yield violation(
                            self.code,
                            f"magnet {dimension} {plain(size)} mm leaves {mm(clearance)} mm "
                            f"clearance in the {plain(pocket)} mm pocket; at least "
                            f"{MAGNET_MIN_CLEARANCE} mm is needed",
                            involved,
                        )
                length = spec_dec(magnet, "length_mm")
                pocket_length = spec_dec(rotor, "pocket_length_mm")
                if length is not None and pocket_length is not None and length > pocket_length:
                    yield violation(
                        self.code,
                        f"magnet length {plain(length)} mm exceeds the pocket length "
                        f"{plain(pocket_length)} mm",
                        involved,
                    )

    def exclude(self, slot: str, j: Judgement) -> None:
        ci, ctx, m = j.ci, j.ctx, j.masks
        if slot == ROTOR_CORE:
            for magnet in ctx.parts(MAGNET):
                for dimension in ("width", "thickness"):
                    size = spec_dec(magnet, f"{dimension}_mm")
                    if size is not None:
                        m.add(self.code, ci.num(f"pocket_{dimension}_mm").lt(size + MAGNET_MIN_CLEARANCE))
                length = spec_dec(magnet, "length_mm")
                if length is not None:
                    m.add(self.code, ci.num("pocket_length_mm").lt(length))
        elif slot == MAGNET:
            for rotor in ctx.parts(ROTOR_CORE):
                for dimension in ("width", "thickness"):
                    pocket = spec_dec(rotor, f"pocket_{dimension}_mm")
                    if pocket is not None:
                        m.add(self.code, ci.num(f"{dimension}_mm").gt(pocket - MAGNET_MIN_CLEARANCE))
                pocket_length = spec_dec(rotor, "pocket_length_mm")
                if pocket_length is not None:
                    m.add(self.code, ci.num("length_mm").gt(pocket_length))
