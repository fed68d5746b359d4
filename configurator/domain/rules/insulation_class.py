"""INSULATION_CLASS: thermal classes of winding and insulation (IEC 60085).

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import STR, Field, Judgement, Rule
from configurator.domain.templates import INSULATION, WINDING
from configurator.domain.types import Violation
from configurator.domain.units import plain, to_decimal
from parts.domain.specs import INSULATION_CLASS_TEMP_C  # the one IEC 60085 table

__all__ = ["INSULATION_CLASS_TEMP_C", "InsulationClass"]


class InsulationClass(Rule):
    code = codes.INSULATION_CLASS
    slots = (WINDING, INSULATION)
    reads = {
        WINDING: (Field(STR, "insulation_class", ""),),
        INSULATION: (Field(STR, "insulation_class", ""),),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        required = to_decimal(ctx.requirements.max_winding_temp_c)
        classes: dict[str, tuple[str, int]] = {}
        for slot in self.slots:
            for part in ctx.parts(slot):
                letter = str(part.specs.get("insulation_class", ""))
                temp = INSULATION_CLASS_TEMP_C.get(letter)
                if temp is None:
                    yield violation(
                        self.code,
                        f"{slot} {part.sku} has unknown insulation class {letter!r} (F, H, N or R)",
                        [(slot, part)],
                    )
                    continue
                classes[part.sku] = (letter, temp)
                if required is not None and temp < required:
                    yield violation(
                        self.code,
                        f"{slot} {part.sku} class {letter} ({temp} °C) is below the required "
                        f"winding temperature {plain(required)} °C",
                        [(slot, part)],
                    )
        for winding in ctx.parts(WINDING):
            for insulation in ctx.parts(INSULATION):
                if winding.sku not in classes or insulation.sku not in classes:
                    continue
                (w_letter, w_temp), (i_letter, i_temp) = classes[winding.sku], classes[insulation.sku]
                if i_temp < w_temp:
                    yield violation(
                        self.code,
                        f"insulation {insulation.sku} class {i_letter} ({i_temp} °C) is below "
                        f"winding {winding.sku} class {w_letter} ({w_temp} °C)",
                        [(WINDING, winding), (INSULATION, insulation)],
                    )

    def exclude(self, slot: str, j: Judgement) -> None:
        """For a winding candidate the insulation holds the other half, and the other way round."""
        if slot == WINDING:
            self._exclude(j, INSULATION)
        elif slot == INSULATION:
            self._exclude(j, WINDING)

    def _exclude(self, j: Judgement, other_slot: str) -> None:
        m = j.masks
        classes = j.ci.buckets("str", "insulation_class", "")
        required = to_decimal(j.req.max_winding_temp_c)

        def own(letter: str) -> bool:
            temp = INSULATION_CLASS_TEMP_C.get(letter)
            return temp is None or (required is not None and temp < required)

        m.add(self.code, classes.where(own))
        for other in j.ctx.parts(other_slot):
            other_temp = INSULATION_CLASS_TEMP_C.get(str(other.specs.get("insulation_class", "")))
            if other_temp is None:
                continue
            if other_slot == INSULATION:  # the candidate winding is hotter than the insulation
                fails = classes.where(lambda k, t=other_temp: (INSULATION_CLASS_TEMP_C.get(k) or 0) > t)
            else:  # the candidate insulation is cooler than the winding
                fails = classes.where(lambda k, t=other_temp: INSULATION_CLASS_TEMP_C.get(k, t) < t)
            m.add(self.code, fails)
