"""Compatibility rules of domain.md section 4, one small class per stable code.

Modelled on django.contrib.auth.password_validation: every rule reports all it
finds, the engine collects every rule. Geometry is compared in Decimal so the
thresholds are exact (an air gap of exactly 0.25 mm is an error, 0.35 mm is
not a warning).

A rule lists the slots it reads; the engine skips a rule none of whose slots
hold a part, and a rule comparing two parts stays silent until both are
chosen. Each violation names only the slots whose parts produce it, which is
what lets guided options judge a candidate by the violations it takes part in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from math import gcd
from typing import ClassVar

from configurator.domain import codes
from configurator.domain.context import KitContext, violation
from configurator.domain.templates import (
    BUSBAR,
    END_PLATE,
    INSULATION,
    MAGNET,
    MAGNET_FORMULA,
    RESOLVER,
    ROTOR_CORE,
    SHAFT,
    SLOT_ORDER,
    STATOR_CORE,
    WINDING,
    axial_segments,
    magnet_quantity,
)
from configurator.domain.types import ERROR, WARNING, Part, Violation
from configurator.domain.units import (
    mm,
    one_decimal,
    plain,
    thousands,
    to_decimal,
    to_int,
    two_decimals,
)

# IEC 60085 thermal classes.
INSULATION_CLASS_TEMP_C: dict[str, int] = {"F": 155, "H": 180, "N": 200, "R": 220}

AIR_GAP_ERROR_MIN = Decimal("0.25")
AIR_GAP_ERROR_MAX = Decimal("1.5")
AIR_GAP_WARN_MIN = Decimal("0.35")
AIR_GAP_WARN_MAX = Decimal("1.0")
STACK_ROTOR_STATOR_MAX = Decimal("2.0")
STACK_WINDING_STATOR_MAX = Decimal("0.5")
MAGNET_MIN_CLEARANCE = Decimal("0.02")
PRESS_FIT_MIN = Decimal("0.01")
PRESS_FIT_MAX = Decimal("0.10")
KEYED_FIT_MIN = Decimal(0)
KEYED_FIT_MAX = Decimal("0.05")
# The end plate passes over the shaft seat and must still be located by it.
END_PLATE_BORE_CLEARANCE_MIN = Decimal(0)
END_PLATE_BORE_CLEARANCE_MAX = Decimal("1.0")
RESOLVER_BORE_MAX_DIFFERENCE = Decimal("0.10")
STACK_INSULATION_STATOR_MAX = Decimal("0.5")
SURFACE_SPEED_MAX_M_S = 120
PD_FREE_ABOVE_V = 500
MIN_SLOTS_PER_POLE_PER_PHASE = Fraction(1, 4)
PHASES = 3

# 30 digits: well past the 28-digit context, so pi never decides a comparison.
_PI = Decimal("3.141592653589793238462643383279")
# v [m/s] = pi * D [mm] / 1000 * n [rpm] / 60, so v > 120 <=> pi * D * n > 7,200,000.
_SURFACE_SPEED_LIMIT = Decimal(SURFACE_SPEED_MAX_M_S * 1000 * 60)

WINDING_SLOT_TYPE: dict[str, str] = {"hairpin": "rectangular", "round_wire": "round_wire"}

# No spec field says "high-strength", so the rotor's grade designation decides:
# it counts when it contains "HS" or "high-strength" (any case, "-", "_" or a
# space between the words). The general EN 10106 / EN 10303 designations
# (M250-35A, NO20-1500) contain neither, so ordinary pairs are still checked;
# a high-strength grade named otherwise gets the warning, which blocks nothing.
_HIGH_STRENGTH = re.compile(r"hs|high[\s_-]?strength", re.IGNORECASE)


def is_high_strength_grade(grade: object) -> bool:
    return isinstance(grade, str) and _HIGH_STRENGTH.search(grade) is not None


def _dec(part: Part, field: str) -> Decimal | None:
    return to_decimal(part.specs.get(field))


def _int(part: Part, field: str) -> int | None:
    return to_int(part.specs.get(field))


class Rule:
    code: ClassVar[str]
    slots: ClassVar[tuple[str, ...]]

    def applies(self, ctx: KitContext) -> bool:
        return any(ctx.parts(slot) for slot in self.slots)

    def check(self, ctx: KitContext) -> Iterable[Violation]:
        raise NotImplementedError


# --- structure -------------------------------------------------------------


class SlotRequired(Rule):
    code = codes.SLOT_REQUIRED
    slots = SLOT_ORDER

    def applies(self, ctx: KitContext) -> bool:
        # The one rule whose point is an empty slot.
        return True

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for slot in ctx.template.slots:
            if slot.required and not ctx.lines(slot.code):
                yield violation(
                    self.code,
                    f"{slot.code} is required in {ctx.template.code} and has no part",
                    slots=(slot.code,),
                )


class SlotQuantity(Rule):
    code = codes.SLOT_QUANTITY
    slots = SLOT_ORDER

    def applies(self, ctx: KitContext) -> bool:
        # Lines in slots the template does not have must be caught too.
        return bool(ctx.snapshot.lines)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for slot_code in ctx.filled_slots():
            lines = ctx.lines(slot_code)
            involved = [(slot_code, line.part) for line in lines]
            slot = ctx.template.slot(slot_code)
            total = sum(line.quantity for line in lines)
            if slot is None:
                # Reported as a quantity because the template allows none there.
                yield violation(
                    self.code,
                    f"{slot_code} is not a slot of {ctx.template.code}; quantity {total} "
                    "where none is allowed",
                    involved,
                )
                continue
            for line in lines:
                if line.quantity < 1:
                    yield violation(
                        self.code,
                        f"{line.part.sku} quantity {line.quantity} in {slot_code} must be at least 1",
                        [(slot_code, line.part)],
                    )
            if slot.formula == MAGNET_FORMULA and ctx.parts(ROTOR_CORE) and ctx.parts(MAGNET):
                yield from self._magnet_formula(ctx, slot_code, total)
            elif not slot.min_qty <= total <= slot.max_qty:
                yield violation(
                    self.code,
                    f"{slot_code} quantity {total} is outside {slot.min_qty}..{slot.max_qty}",
                    involved,
                )

    def _magnet_formula(self, ctx: KitContext, slot_code: str, total: int) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            for magnet in ctx.parts(MAGNET):
                segments = axial_segments(rotor.specs, magnet.specs)
                if segments == 0:
                    # MAGNET_FIT already says the magnet is longer than the pocket.
                    continue
                expected = magnet_quantity(rotor.specs, magnet.specs)
                if total != expected:
                    yield violation(
                        self.code,
                        f"magnet quantity {total} does not match "
                        f"{rotor.specs.get('poles')} poles x "
                        f"{rotor.specs.get('magnets_per_pole')} magnets per pole x "
                        f"{segments} axial segment{'s' if segments != 1 else ''} = {expected} "
                        f"(pocket length {plain(_dec(rotor, 'pocket_length_mm') or 0)}, "
                        f"magnet length {plain(_dec(magnet, 'length_mm') or 0)})",
                        [(ROTOR_CORE, rotor), *((slot_code, line.part) for line in ctx.lines(slot_code))],
                    )


class SlotCategory(Rule):
    code = codes.SLOT_CATEGORY
    slots = SLOT_ORDER

    def applies(self, ctx: KitContext) -> bool:
        return bool(ctx.snapshot.lines)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for slot in ctx.template.slots:
            for line in ctx.lines(slot.code):
                if line.part.category != slot.category:
                    yield violation(
                        self.code,
                        f"{line.part.sku} is a {line.part.category} part, not a {slot.category}",
                        [(slot.code, line.part)],
                    )


class PartInactive(Rule):
    code = codes.PART_INACTIVE
    slots = SLOT_ORDER

    def applies(self, ctx: KitContext) -> bool:
        return bool(ctx.snapshot.lines)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for slot, part in ctx.distinct_parts():
            if not part.active:
                yield violation(self.code, f"{part.sku} is no longer active", [(slot, part)])


# --- rotor and stator geometry ----------------------------------------------


class AirGap(Rule):
    code = codes.AIR_GAP
    slots = (ROTOR_CORE, STATOR_CORE)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            outer = _dec(rotor, "outer_diameter_mm")
            for stator in ctx.parts(STATOR_CORE):
                bore = _dec(stator, "inner_diameter_mm")
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


class StackLength(Rule):
    code = codes.STACK_LENGTH
    slots = (ROTOR_CORE, STATOR_CORE, WINDING)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for stator in ctx.parts(STATOR_CORE):
            stator_stack = _dec(stator, "stack_length_mm")
            if stator_stack is None:
                continue
            for other_slot, limit in (
                (ROTOR_CORE, STACK_ROTOR_STATOR_MAX),
                (WINDING, STACK_WINDING_STATOR_MAX),
            ):
                for other in ctx.parts(other_slot):
                    other_stack = _dec(other, "stack_length_mm")
                    if other_stack is None:
                        continue
                    difference = abs(other_stack - stator_stack)
                    if difference > limit:
                        name = "rotor" if other_slot == ROTOR_CORE else "winding"
                        yield violation(
                            self.code,
                            f"{name} stack {plain(other_stack)} mm and stator stack "
                            f"{plain(stator_stack)} mm differ by {mm(difference)} mm, "
                            f"more than {limit} mm",
                            [(other_slot, other), (STATOR_CORE, stator)],
                        )


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

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        stators, windings, rotors = ctx.parts(STATOR_CORE), ctx.parts(WINDING), ctx.parts(ROTOR_CORE)
        for stator in stators:
            for winding in windings:
                stator_slots, winding_slots = _int(stator, "slots"), _int(winding, "slots")
                if stator_slots is not None and winding_slots is not None and stator_slots != winding_slots:
                    yield violation(
                        self.code,
                        f"winding {winding.sku} is for {winding_slots} slots, stator "
                        f"{stator.sku} has {stator_slots}",
                        [(STATOR_CORE, stator), (WINDING, winding)],
                    )
        for rotor in rotors:
            for winding in windings:
                rotor_poles, winding_poles = _int(rotor, "poles"), _int(winding, "poles")
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
        slots, poles = _int(slot_source[1], "slots"), _int(pole_source[1], "poles")
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


class MagnetFit(Rule):
    code = codes.MAGNET_FIT
    slots = (ROTOR_CORE, MAGNET)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            for magnet in ctx.parts(MAGNET):
                involved = [(ROTOR_CORE, rotor), (MAGNET, magnet)]
                for dimension in ("width", "thickness"):
                    size = _dec(magnet, f"{dimension}_mm")
                    pocket = _dec(rotor, f"pocket_{dimension}_mm")
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
                length = _dec(magnet, "length_mm")
                pocket_length = _dec(rotor, "pocket_length_mm")
                if length is not None and pocket_length is not None and length > pocket_length:
                    yield violation(
                        self.code,
                        f"magnet length {plain(length)} mm exceeds the pocket length "
                        f"{plain(pocket_length)} mm",
                        involved,
                    )


# --- ratings against the requirements ---------------------------------------


class MagnetTemp(Rule):
    code = codes.MAGNET_TEMP
    slots = (MAGNET,)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        required = to_decimal(ctx.requirements.max_magnet_temp_c)
        if required is None:
            return
        for magnet in ctx.parts(MAGNET):
            rated = _dec(magnet, "max_operating_temp_c")
            if rated is not None and rated < required:
                yield violation(
                    self.code,
                    f"magnet {magnet.sku} ({magnet.specs.get('grade')}) is rated "
                    f"{plain(rated)} °C, below the required {plain(required)} °C",
                    [(MAGNET, magnet)],
                )


class InsulationClass(Rule):
    code = codes.INSULATION_CLASS
    slots = (WINDING, INSULATION)

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


class WindingSlotType(Rule):
    code = codes.WINDING_SLOT_TYPE
    slots = (STATOR_CORE, WINDING)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for winding in ctx.parts(WINDING):
            kind = winding.specs.get("type")
            needed = WINDING_SLOT_TYPE.get(str(kind))
            for stator in ctx.parts(STATOR_CORE):
                slot_type = stator.specs.get("slot_type")
                if needed != slot_type:
                    need = f"needs {needed} slots" if needed else "is of an unknown type"
                    yield violation(
                        self.code,
                        f"{kind} winding {winding.sku} {need}; stator {stator.sku} has {slot_type} slots",
                        [(STATOR_CORE, stator), (WINDING, winding)],
                    )


class VoltageClass(Rule):
    code = codes.VOLTAGE_CLASS
    slots = (WINDING, INSULATION, BUSBAR)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        bus = ctx.requirements.dc_bus_voltage_v
        if bus is None:
            return
        for slot in self.slots:
            for part in ctx.parts(slot):
                rated = _int(part, "voltage_class_v")
                if rated is not None and rated < bus:
                    yield violation(
                        self.code,
                        f"{slot} {part.sku} is rated for the {rated} V class, below the {bus} V DC bus",
                        [(slot, part)],
                    )
        if bus > PD_FREE_ABOVE_V:
            for insulation in ctx.parts(INSULATION):
                if insulation.specs.get("pd_free") is not True:
                    yield violation(
                        self.code,
                        f"insulation {insulation.sku} is not partial-discharge free "
                        f"(IEC 60034-18-41 Type I), required above {PD_FREE_ABOVE_V} V: a "
                        f"{bus} V DC bus puts peaks of about {2 * bus} V on the terminals",
                        [(INSULATION, insulation)],
                    )


class LaminationMatch(Rule):
    """Rotor and stator are normally punched from one coil, so their gauges match.

    High-strength rotor grades are the accepted exception; no spec field says
    so, hence the designation heuristic in `is_high_strength_grade`.
    """

    code = codes.LAMINATION_MATCH
    slots = (ROTOR_CORE, STATOR_CORE)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            if is_high_strength_grade(rotor.specs.get("lamination_grade")):
                continue
            rotor_gauge = _dec(rotor, "lamination_thickness_mm")
            for stator in ctx.parts(STATOR_CORE):
                stator_gauge = _dec(stator, "lamination_thickness_mm")
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


class RotorSpeed(Rule):
    """Ratings against the required speed, and the rotor's surface speed at it.

    The surface speed uses the buyer's maximum speed (what the rotor will see),
    not the part's rating, so it is skipped when no speed is stated.
    """

    code = codes.ROTOR_SPEED
    slots = (ROTOR_CORE, SHAFT)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        speed = ctx.requirements.max_speed_rpm
        if speed is None:
            return
        for slot in self.slots:
            for part in ctx.parts(slot):
                rated = _int(part, "max_speed_rpm")
                if rated is not None and rated < speed:
                    yield violation(
                        self.code,
                        f"{slot} {part.sku} is rated {thousands(rated)} rpm, below the required "
                        f"{thousands(speed)} rpm",
                        [(slot, part)],
                    )
        for rotor in ctx.parts(ROTOR_CORE):
            outer = _dec(rotor, "outer_diameter_mm")
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


# --- rotor assembly ----------------------------------------------------------


class ShaftFit(Rule):
    code = codes.SHAFT_FIT
    slots = (ROTOR_CORE, SHAFT)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            bore = _dec(rotor, "bore_diameter_mm")
            for shaft in ctx.parts(SHAFT):
                seat = _dec(shaft, "seat_diameter_mm")
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


class EndPlateFit(Rule):
    code = codes.END_PLATE_FIT
    slots = (ROTOR_CORE, SHAFT, END_PLATE)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for plate in ctx.parts(END_PLATE):
            plate_outer = _dec(plate, "outer_diameter_mm")
            plate_bore = _dec(plate, "bore_diameter_mm")
            for rotor in ctx.parts(ROTOR_CORE):
                rotor_outer = _dec(rotor, "outer_diameter_mm")
                if plate_outer is not None and rotor_outer is not None and plate_outer > rotor_outer:
                    yield violation(
                        self.code,
                        f"end plate {plate.sku} OD {plain(plate_outer)} mm exceeds the rotor OD "
                        f"{plain(rotor_outer)} mm",
                        [(ROTOR_CORE, rotor), (END_PLATE, plate)],
                    )
            for shaft in ctx.parts(SHAFT):
                seat = _dec(shaft, "seat_diameter_mm")
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


class ResolverPoles(Rule):
    code = codes.RESOLVER_POLES
    slots = (ROTOR_CORE, RESOLVER)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for rotor in ctx.parts(ROTOR_CORE):
            poles = _int(rotor, "poles")
            for resolver in ctx.parts(RESOLVER):
                pairs = _int(resolver, "pole_pairs")
                if poles is None or pairs is None or pairs == 1 or pairs * 2 == poles:
                    continue
                expected = f"1 or {poles // 2}" if poles % 2 == 0 else "1"
                yield violation(
                    self.code,
                    f"resolver {resolver.sku} has {pairs} pole pairs; rotor {rotor.sku} with "
                    f"{poles} poles needs {expected}",
                    [(ROTOR_CORE, rotor), (RESOLVER, resolver)],
                )


class ResolverFit(Rule):
    """The resolver rotor sits on the shaft: its bore is the shaft seat, within 0.10 mm."""

    code = codes.RESOLVER_FIT
    slots = (SHAFT, RESOLVER)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for shaft in ctx.parts(SHAFT):
            seat = _dec(shaft, "seat_diameter_mm")
            for resolver in ctx.parts(RESOLVER):
                bore = _dec(resolver, "bore_diameter_mm")
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


class InsulationFit(Rule):
    """A slot insulation system is cut for one stator: its slot count and stack length."""

    code = codes.INSULATION_FIT
    slots = (STATOR_CORE, INSULATION)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for stator in ctx.parts(STATOR_CORE):
            stator_slots = _int(stator, "slots")
            stator_stack = _dec(stator, "stack_length_mm")
            for insulation in ctx.parts(INSULATION):
                involved = [(STATOR_CORE, stator), (INSULATION, insulation)]
                insulation_slots = _int(insulation, "slots")
                if (
                    stator_slots is not None
                    and insulation_slots is not None
                    and insulation_slots != stator_slots
                ):
                    yield violation(
                        self.code,
                        f"insulation {insulation.sku} is cut for {insulation_slots} slots, stator "
                        f"{stator.sku} has {stator_slots}",
                        involved,
                    )
                insulation_stack = _dec(insulation, "stack_length_mm")
                if stator_stack is None or insulation_stack is None:
                    continue
                difference = abs(insulation_stack - stator_stack)
                if difference > STACK_INSULATION_STATOR_MAX:
                    yield violation(
                        self.code,
                        f"insulation {insulation.sku} stack {plain(insulation_stack)} mm and stator "
                        f"{stator.sku} stack {plain(stator_stack)} mm differ by {mm(difference)} mm, "
                        f"more than {STACK_INSULATION_STATOR_MAX} mm",
                        involved,
                    )


class BusbarPhases(Rule):
    code = codes.BUSBAR_PHASES
    slots = (WINDING, BUSBAR)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for winding in ctx.parts(WINDING):
            for busbar in ctx.parts(BUSBAR):
                w_phases, b_phases = _int(winding, "phases"), _int(busbar, "phases")
                if w_phases is not None and b_phases is not None and w_phases != b_phases:
                    yield violation(
                        self.code,
                        f"busbar {busbar.sku} has {b_phases} phases, winding {winding.sku} has {w_phases}",
                        [(WINDING, winding), (BUSBAR, busbar)],
                    )


class BusbarFit(Rule):
    """The busbar connects the winding of one stator: its slot count is the stator's."""

    code = codes.BUSBAR_FIT
    slots = (STATOR_CORE, BUSBAR)

    def check(self, ctx: KitContext) -> Iterator[Violation]:
        for stator in ctx.parts(STATOR_CORE):
            stator_slots = _int(stator, "slots")
            for busbar in ctx.parts(BUSBAR):
                busbar_slots = _int(busbar, "slots")
                if stator_slots is None or busbar_slots is None or busbar_slots == stator_slots:
                    continue
                yield violation(
                    self.code,
                    f"busbar {busbar.sku} is for a {busbar_slots}-slot stator, stator {stator.sku} "
                    f"has {stator_slots} slots",
                    [(STATOR_CORE, stator), (BUSBAR, busbar)],
                )


RULES: tuple[Rule, ...] = (
    SlotRequired(),
    SlotQuantity(),
    SlotCategory(),
    PartInactive(),
    AirGap(),
    StackLength(),
    SlotPole(),
    MagnetFit(),
    MagnetTemp(),
    InsulationClass(),
    WindingSlotType(),
    VoltageClass(),
    LaminationMatch(),
    RotorSpeed(),
    ShaftFit(),
    EndPlateFit(),
    ResolverPoles(),
    ResolverFit(),
    InsulationFit(),
    BusbarPhases(),
    BusbarFit(),
)
