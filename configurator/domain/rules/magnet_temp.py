"""MAGNET_TEMP: the magnet's rating against the required temperature.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import DEC, Field, Judgement, Rule, spec_dec
from configurator.domain.templates import MAGNET
from configurator.domain.types import Violation
from configurator.domain.units import plain, to_decimal


class MagnetTemp(Rule):
    code = codes.MAGNET_TEMP
    slots = (MAGNET,)
    reads = {MAGNET: (Field(DEC, "max_operating_temp_c"),)}

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        required = to_decimal(ctx.requirements.max_magnet_temp_c)
        if required is None:
            return
        for magnet in ctx.parts(MAGNET):
            rated = spec_dec(magnet, "max_operating_temp_c")
            if rated is not None and rated < required:
                yield violation(
                    self.code,
                    f"magnet {magnet.sku} ({magnet.specs.get('grade')}) is rated "
                    f"{plain(rated)} °C, below the required {plain(required)} °C",
                    [(MAGNET, magnet)],
                )

    def exclude(self, slot: str, j: Judgement) -> None:
        required = to_decimal(j.req.max_magnet_temp_c)
        if slot == MAGNET and required is not None:
            j.masks.add(self.code, j.ci.num("max_operating_temp_c").lt(required))
