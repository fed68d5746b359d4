"""END_PLATE_FIT: the end plate against the rotor core's OD and the shaft seat.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import DEC, Field, Judgement, Rule, spec_dec
from configurator.domain.templates import END_PLATE, ROTOR_CORE, SHAFT
from configurator.domain.types import Violation
from configurator.domain.units import mm, plain

# The end plate passes over the shaft seat and must still be located by it.
END_PLATE_BORE_CLEARANCE_MIN = Decimal(0)
END_PLATE_BORE_CLEARANCE_MAX = Decimal("1.0")


class EndPlateFit(Rule):
    code = codes.END_PLATE_FIT
    slots = (ROTOR_CORE, SHAFT, END_PLATE)
    reads = {
        ROTOR_CORE: (Field(DEC, "outer_diameter_mm"),),
        SHAFT: (Field(DEC, "seat_diameter_mm"),),
        END_PLATE: (Field(DEC, "outer_diameter_mm"), Field(DEC, "bore_diameter_mm")),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for plate in ctx.parts(END_PLATE):
            plate_outer = spec_dec(plate, "outer_diameter_mm")
            plate_bore = spec_dec(plate, "bore_diameter_mm")
            for rotor in ctx.parts(ROTOR_CORE):
                rotor_outer = spec_dec(rotor, "outer_diameter_mm")
                if plate_outer is not None and rotor_outer is not None and plate_outer > rotor_outer:
                    yield violation(
                        self.code,
                        f"end plate {plate.sku} OD {plain(plate_outer)} mm exceeds the rotor OD "
                        f"{plain(rotor_outer)} mm",
                        [(ROTOR_CORE, rotor), (END_PLATE, plate)],
                    )
            for shaft in ctx.parts(SHAFT):
                seat = spec_dec(shaft, "seat_diameter_mm")
                if plate_bore is None or seat is None:
                    continue
                if plate_bore < seat + END_PLATE_BORE_CLEARANCE_MIN:
                    yield violation(
                        self.code,
                        f"end plate {plate.sku} bore {plain(plate_bore)} mm is smaller than the "
                        f"shaft seat {plain(seat)} mm",
                        [(SHAFT, shaft), (END_PLATE, plate)],
                    )
                elif plate_bore > seat + END_PLATE_BORE_CLEARANCE_MAX:
                    yield violation(
                        self.code,
                        f"end plate {plate.sku} bore {plain(plate_bore)} mm is "
                        f"{mm(plate_bore - seat)} mm over the shaft seat {plain(seat)} mm of "
                        f"{shaft.sku}; at most {END_PLATE_BORE_CLEARANCE_MAX} mm keeps it located",
                        [(SHAFT, shaft), (END_PLATE, plate)],
                    )

    def exclude(self, slot: str, j: Judgement) -> None:
        ci, ctx, m = j.ci, j.ctx, j.masks
        if slot == ROTOR_CORE:
            outer = ci.num("outer_diameter_mm")
            for plate in ctx.parts(END_PLATE):
                plate_outer = spec_dec(plate, "outer_diameter_mm")
                if plate_outer is not None:
                    m.add(self.code, outer.lt(plate_outer))
        elif slot == SHAFT:
            seats = ci.num("seat_diameter_mm")
            for plate in ctx.parts(END_PLATE):
                plate_bore = spec_dec(plate, "bore_diameter_mm")
                if plate_bore is not None:  # bore - seat within 0..1.0
                    m.add(
                        self.code,
                        seats.outside(
                            plate_bore - END_PLATE_BORE_CLEARANCE_MAX,
                            plate_bore - END_PLATE_BORE_CLEARANCE_MIN,
                        ),
                    )
        elif slot == END_PLATE:
            for rotor in ctx.parts(ROTOR_CORE):
                rotor_outer = spec_dec(rotor, "outer_diameter_mm")
                if rotor_outer is not None:
                    m.add(self.code, ci.num("outer_diameter_mm").gt(rotor_outer))
            for shaft in ctx.parts(SHAFT):
                seat = spec_dec(shaft, "seat_diameter_mm")
                if seat is not None:  # bore - seat within 0..1.0
                    m.add(
                        self.code,
                        ci.num("bore_diameter_mm").outside(
                            seat + END_PLATE_BORE_CLEARANCE_MIN, seat + END_PLATE_BORE_CLEARANCE_MAX
                        ),
                    )
