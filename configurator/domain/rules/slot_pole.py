"""SLOT_POLE: slot and pole counts of stator, rotor and winding, and their combination.

The forward check, its inverted form for the options index (`exclude`) and the
spec fields both read (`reads`) live together, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from math import gcd

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.rules.base import INT, Field, Judgement, Rule, spec_int
from configurator.domain.templates import ROTOR_CORE, STATOR_CORE, WINDING
from configurator.domain.types import Part, Violation
from configurator.domain.units import two_decimals

MIN_SLOTS_PER_POLE_PER_PHASE = Fraction(1, 4)
PHASES = 3


class SlotPole(Rule):
    """Slot/pole combination of a three-phase winding.

    Balance: Q / (3 * gcd(Q, p)) must be an integer (p = pole pairs = poles / 2);
    this is the usual symmetry condition Q / (m * t), t = gcd(Q, p). Checked
    against the listed pairs: 48/8 -> 48/(3*4) = 4, 72/12 -> 72/(3*6) = 4,
    54/6 -> 54/(3*3) = 6, 72/8 -> 72/(3*4) = 6, 60/4 -> 60/(3*2) = 10,
    48/4 -> 48/(3*2) = 8: all integral, all balanced. Every listed pair is an
    integral-slot winding (q = 2, 2, 3, 3, 5, 4), and for any integral q the
    ratio is 2q, so balance only bites on fractional-slot combinations (12/12
    fails, 12/8, 9/6 and 9/8 pass). Balance also implies Q divisible by 3,
    so an indivisible Q is reported once, as the clearer divisibility message.
    """

    code = codes.SLOT_POLE
    slots = (ROTOR_CORE, STATOR_CORE, WINDING)
    reads = {
        ROTOR_CORE: (Field(INT, "poles"),),
        STATOR_CORE: (Field(INT, "slots"),),
        WINDING: (Field(INT, "slots"), Field(INT, "poles")),
    }

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        stators, windings, rotors = ctx.parts(STATOR_CORE), ctx.parts(WINDING), ctx.parts(ROTOR_CORE)
        for stator in stators:
            for winding in windings:
                stator_slots, winding_slots = spec_int(stator, "slots"), spec_int(winding, "slots")
                if stator_slots is not None and winding_slots is not None and stator_slots != winding_slots:
                    yield violation(
                        self.code,
                        f"winding {winding.sku} is for {winding_slots} slots, stator "
                        f"{stator.sku} has {stator_slots}",
                        [(STATOR_CORE, stator), (WINDING, winding)],
                    )
        for rotor in rotors:
            for winding in windings:
                rotor_poles, winding_poles = spec_int(rotor, "poles"), spec_int(winding, "poles")
                if rotor_poles is not None and winding_poles is not None and rotor_poles != winding_poles:
                    yield violation(
                        self.code,
                        f"winding {winding.sku} is for {winding_poles} poles, rotor "
                        f"{rotor.sku} has {rotor_poles}",
                        [(ROTOR_CORE, rotor), (WINDING, winding)],
                    )
        # The combination is the stator's slots with the rotor's poles; a winding
        # stands in for whichever core is still missing, so options stay useful.
        slot_sources = [(STATOR_CORE, p) for p in stators] or [(WINDING, p) for p in windings]
        pole_sources = [(ROTOR_CORE, p) for p in rotors] or [(WINDING, p) for p in windings]
        for slot_source in slot_sources:
            for pole_source in pole_sources:
                yield from self._combination(slot_source, pole_source)

    def _combination(
        self, slot_source: tuple[str, Part], pole_source: tuple[str, Part]
    ) -> Iterator[Violation]:
        slots, poles = spec_int(slot_source[1], "slots"), spec_int(pole_source[1], "poles")
        if slots is None or poles is None:
            return
        involved = [slot_source, pole_source]
        if slots <= 0 or slots % PHASES:
            yield violation(self.code, f"{slots} slots is not divisible by {PHASES} phases", involved)
            return
        if poles <= 0 or poles % 2:
            yield violation(self.code, f"{poles} poles is not a positive even number", involved)
            return
        q = Fraction(slots, PHASES * poles)
        if q < MIN_SLOTS_PER_POLE_PER_PHASE:
            yield violation(
                self.code,
                f"{slots} slots / {poles} poles: q = {slots}/(3 x {poles}) = "
                f"{two_decimals(Decimal(q.numerator) / q.denominator)} is below 0.25",
                involved,
            )
        t = gcd(slots, poles // 2)
        if slots % (PHASES * t):
            yield violation(
                self.code,
                f"{slots} slots / {poles} poles is unbalanced: {slots} / (3 x gcd({slots}, "
                f"{poles // 2})) = {slots}/{PHASES * t} is not an integer",
                involved,
            )

    def exclude(self, slot: str, j: Judgement) -> None:
        ci, ctx, m = j.ci, j.ctx, j.masks
        if slot == ROTOR_CORE:
            poles = ci.buckets("int", "poles")
            for winding in ctx.parts(WINDING):
                winding_poles = spec_int(winding, "poles")
                if winding_poles is not None:
                    m.add(self.code, poles.present & ~poles.get(winding_poles))
            for source in ctx.parts(STATOR_CORE) or ctx.parts(WINDING):
                slots = spec_int(source, "slots")
                if slots is not None:
                    m.add(self.code, poles.where(lambda p, q=slots: combination_fails(q, p)))
        elif slot == STATOR_CORE:
            slots = ci.buckets("int", "slots")
            for winding in ctx.parts(WINDING):
                winding_slots = spec_int(winding, "slots")
                if winding_slots is not None:
                    m.add(self.code, slots.present & ~slots.get(winding_slots))
            for source in ctx.parts(ROTOR_CORE) or ctx.parts(WINDING):
                poles = spec_int(source, "poles")
                if poles is not None:
                    m.add(self.code, slots.where(lambda q, p=poles: combination_fails(q, p)))
        elif slot == WINDING:
            self._exclude_winding(j)

    def _exclude_winding(self, j: Judgement) -> None:
        ctx, m = j.ctx, j.masks
        stators, rotors = ctx.parts(STATOR_CORE), ctx.parts(ROTOR_CORE)
        slots, poles = j.ci.buckets("int", "slots"), j.ci.buckets("int", "poles")
        for stator in stators:
            stator_slots = spec_int(stator, "slots")
            if stator_slots is not None:
                m.add(self.code, slots.present & ~slots.get(stator_slots))
        for rotor in rotors:
            rotor_poles = spec_int(rotor, "poles")
            if rotor_poles is not None:
                m.add(self.code, poles.present & ~poles.get(rotor_poles))
        # The slot/pole combination: the winding stands in for a missing core.
        if stators and not rotors:
            for stator in stators:
                q = spec_int(stator, "slots")
                if q is not None:
                    m.add(self.code, poles.where(lambda p, q=q: combination_fails(q, p)))
        elif rotors and not stators:
            for rotor in rotors:
                p = spec_int(rotor, "poles")
                if p is not None:
                    m.add(self.code, slots.where(lambda q, p=p: combination_fails(q, p)))
        elif not rotors and not stators:
            for q, slot_mask in slots.masks.items():
                m.add(self.code, slot_mask & poles.where(lambda p, q=q: combination_fails(q, p)))


def combination_fails(slots: int, poles: int) -> bool:
    """SlotPole._combination reports something for this slot/pole pair."""
    if slots <= 0 or slots % PHASES:
        return True
    if poles <= 0 or poles % 2:
        return True
    if Fraction(slots, PHASES * poles) < MIN_SLOTS_PER_POLE_PER_PHASE:
        return True
    return slots % (PHASES * gcd(slots, poles // 2)) != 0
