"""Judging one slot's candidates against the rest of the kit: candidate kits, and the inverted rules.

Each compatibility rule's inverted form lives with the rule (configurator.domain.rules);
this module runs them for a slot, adds the structure, quantity, capacity, schedule and
policy exclusions, and judges one by one what the bit sets cannot.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from configurator.domain.codes import PART_INACTIVE, SLOT_QUANTITY
from configurator.domain.context import KitContext
from configurator.domain.engine import violation_sort_key, violations_involving
from configurator.domain.options.bits import bitset, members
from configurator.domain.options.index import CatalogIndex, policy_version_key
from configurator.domain.rules import COMPATIBILITY_RULES, RULES, Rule, inverted_rules
from configurator.domain.rules.base import spec_dec, spec_int
from configurator.domain.sourcing import (
    CAPACITY,
    LEAD_TIME,
    PolicyVersion,
    delivery_years,
    rule_pack_violations,
    schedule_clean,
    schedule_violations,
)
from configurator.domain.templates import (
    MAGNET,
    MAGNET_FORMULA,
    ROTOR_CORE,
    SLOT_ORDER,
    axial_segments,
    magnet_quantity,
)
from configurator.domain.types import (
    ERROR,
    KitTemplate,
    Line,
    Part,
    Requirements,
    SlotDef,
    Snapshot,
    Violation,
)


def _neighbour_slots() -> dict[str, frozenset[str]]:
    """Per slot, the slots whose parts the slot's compatibility rules read (itself included)."""
    out: dict[str, frozenset[str]] = {}
    for slot in SLOT_ORDER:
        near = {slot}
        for rule in COMPATIBILITY_RULES:
            if slot in rule.slots:
                near.update(rule.slots)
        if slot in (ROTOR_CORE, MAGNET):  # the magnet formula ties the two
            near.update((ROTOR_CORE, MAGNET))
        out[slot] = frozenset(near)
    return out


_NEIGHBOURS = _neighbour_slots()


# --------------------------------------------------------------------------- candidates


def _fitting(snapshot: Snapshot, slot: str) -> list[Part]:
    """The parts of `slot` whose category is the slot's, distinct by SKU, by SKU (KitContext.parts)."""
    slot_def = snapshot.template.slot(slot)
    if slot_def is None:
        return []
    found: dict[str, Part] = {}
    for line in sorted(snapshot.lines, key=lambda ln: ln.part.sku):
        if line.slot == slot and line.part.category == slot_def.category:
            found.setdefault(line.part.sku, line.part)
    return list(found.values())


def minimum_quantity(slot_def: SlotDef | None) -> int:
    return max(slot_def.min_qty, 1) if slot_def is not None else 1


def default_quantity(snapshot: Snapshot, slot: str, part: Part) -> int:
    """The quantity a part takes when chosen for `slot`.

    Magnets follow the formula with the chosen rotor core (the first by SKU if
    the slot holds several); otherwise, and when the formula gives no magnet,
    the slot's minimum, at least 1.
    """
    slot_def = snapshot.template.slot(slot)
    if follows_formula(slot, slot_def) and _is_magnet(snapshot.template, part):
        rotors = _fitting(snapshot, ROTOR_CORE)
        if rotors:
            quantity = magnet_quantity(rotors[0].specs, part.specs)
            if quantity >= 1:
                return quantity
    return minimum_quantity(slot_def)


def follows_formula(slot: str, slot_def: SlotDef | None) -> bool:
    return slot == MAGNET and slot_def is not None and slot_def.formula == MAGNET_FORMULA


def _is_magnet(template: KitTemplate, part: Part) -> bool:
    magnet_slot = template.slot(MAGNET)
    return magnet_slot is not None and part.category == magnet_slot.category


def _rederived_magnets(template: KitTemplate, lines: Sequence[Line], rotor: Part) -> list[Line]:
    """The other lines with a single magnet line's quantity re-derived for a new rotor core."""
    rotor_slot = template.slot(ROTOR_CORE)
    magnet_lines = [ln for ln in lines if ln.slot == MAGNET]
    if rotor_slot is None or rotor.category != rotor_slot.category or len(magnet_lines) != 1:
        return list(lines)
    (magnet_line,) = magnet_lines
    if not _is_magnet(template, magnet_line.part):
        return list(lines)
    quantity = magnet_quantity(rotor.specs, magnet_line.part.specs)
    if quantity < 1 or quantity == magnet_line.quantity:
        return list(lines)
    return [replace(ln, quantity=quantity) if ln is magnet_line else ln for ln in lines]


def candidate_snapshot(snapshot: Snapshot, slot: str, part: Part, quantity: int | None = None) -> Snapshot:
    """The kit with `part` alone in `slot`, exactly as guided options judge it.

    The slot's current lines are replaced by one line of `part` with the default
    quantity (or `quantity`). A new rotor core re-derives the quantity of a
    single magnet line by the formula (when it gives at least one magnet).
    """
    if quantity is None:
        quantity = default_quantity(snapshot, slot, part)
    others = [ln for ln in snapshot.lines if ln.slot != slot]
    if slot == ROTOR_CORE:
        others = _rederived_magnets(snapshot.template, others, part)
    return replace(snapshot, lines=(*others, Line(slot, part, quantity)))


def _confirm_snapshot(snapshot: Snapshot, slot: str, part: Part, quantity: int) -> Snapshot:
    """`candidate_snapshot` trimmed to the lines the slot's rules read: same errors involving `slot`.

    Policies judge parts one by one (the concentration warning aside), the
    schedule rules one SKU at a time, and every other rule reads its own slots;
    so the lines of unrelated slots can go, which makes confirming a page cheap.
    """
    near = _NEIGHBOURS.get(slot, frozenset((slot,)))
    others = [ln for ln in snapshot.lines if ln.slot != slot and (ln.slot in near or ln.part.sku == part.sku)]
    if slot == ROTOR_CORE:
        others = _rederived_magnets(snapshot.template, others, part)
    # Slots outside `near` only ever produce violations of their own (a missing
    # one's SLOT_REQUIRED, say), so the template can forget them too.
    template = _trimmed_template(snapshot.template, near | {slot})
    return replace(snapshot, template=template, lines=(*others, Line(slot, part, quantity)))


_TRIMMED: dict[tuple[KitTemplate, frozenset[str]], KitTemplate] = {}


def _trimmed_template(template: KitTemplate, keep: frozenset[str]) -> KitTemplate:
    key = (template, keep)
    found = _TRIMMED.get(key)
    if found is None:
        found = replace(template, slots=tuple(s for s in template.slots if s.code in keep))
        if len(_TRIMMED) > 256:
            _TRIMMED.clear()
        _TRIMMED[key] = found
    return found


def engine_errors(snapshot: Snapshot, slot: str, part: Part, quantity: int) -> tuple[Violation, ...]:
    """The engine's error violations involving `slot` with `part` chosen there (one candidate)."""
    return Confirmer(snapshot, slot).errors(part, quantity)


class Confirmer:
    """The engine's error violations involving one slot, candidate by candidate, for one kit.

    The answer is `violations_involving` on the candidate's kit (`_confirm_snapshot`),
    errors only (`full_engine_errors`), without the work whose result would be
    thrown away, and without repeating a verdict already known:

    * the sourcing policy is judged for the candidate alone (its per-part findings
      are the only policy errors naming the slot; concentration and evidence are
      warnings) and the schedule for the candidate's SKU alone (lines holding
      another SKU never name the slot);
    * the rules that read the slot run as in the engine, with the candidate's specs
      recording which fields they read. When they find no error, the fields read
      and their values (with the category, active flag and quantity, the only other
      things of a part the rules look at besides the SKU they name it by) are kept:
      a later candidate with the same values takes the same path through every rule
      with the same other parts, so it has no rule error either, and only its own
      policy and schedule are judged. A page of guided options holds one or two
      completion classes, so most of its items are confirmed that way. A candidate
      whose SKU another line holds (their quantities add up) is always run in full.

    One Confirmer serves one snapshot and slot (one `slot_options` call): nothing is
    kept across calls.
    """

    def __init__(self, snapshot: Snapshot, slot: str) -> None:
        self.snapshot = snapshot
        self.slot = slot
        self.kits_by_year = delivery_years(snapshot.schedule)
        self.years = list(self.kits_by_year)
        self.held = {ln.part.sku for ln in snapshot.lines if ln.slot != slot}
        # fields read (in the order first read) -> their values for candidates with no rule error
        self.clean: dict[tuple[str, ...], set[tuple]] = {}
        # the same for the policy (part attributes read)
        self.policy_clean: dict[tuple[str, ...], set[tuple]] = {}

    def errors(self, part: Part, quantity: int) -> tuple[Violation, ...]:
        slot = self.slot
        if part.sku not in self.held and _seen(part, self.clean, _trace_key, quantity):
            return self._sorted(self._own(part, quantity, ()))
        read: dict[str, None] = {}
        traced = replace(part, specs=_Traced(part.specs, read))
        judged = _confirm_snapshot(self.snapshot, slot, traced, quantity)
        ctx = KitContext(judged)
        found: list[Violation] = []
        for rule in _rules_reading(slot):
            if rule.applies(ctx):
                found.extend(v for v in rule.check(ctx) if v.severity == ERROR and slot in v.slots)
        if not found and part.sku not in self.held:
            fields = tuple(read)
            self.clean.setdefault(fields, set()).add(_trace_key(part, fields, quantity))
        return self._sorted(self._own(part, quantity, judged.lines, found))

    def _own(
        self, part: Part, quantity: int, lines: Sequence[Line], found: list[Violation] | None = None
    ) -> list[Violation]:
        """The candidate's own policy and schedule errors, added to `found`.

        The policy's clean verdicts are kept too, by the part's attributes the rule
        packs read (traced like the specs); the schedule of a SKU no other line holds
        is run in full only when `schedule_clean` finds something.
        """
        slot = self.slot
        found = [] if found is None else found
        if not _seen(part, self.policy_clean, _attribute_key):
            read: dict[str, None] = {}
            traced = _TracedPart(part, read)
            errors = [
                v for v in rule_pack_violations(self.snapshot, ((slot, traced),), (), self.years)
                if v.severity == ERROR and slot in v.slots
            ]
            if errors:
                found.extend(errors)
            else:
                names = tuple(read)
                self.policy_clean.setdefault(names, set()).add(_attribute_key(part, names))
        if self.years and (part.sku in self.held or not schedule_clean(
            part, quantity, self.kits_by_year, self.snapshot.booked, self.snapshot.today
        )):
            same_sku = [ln for ln in lines if ln.part.sku == part.sku] or [Line(slot, part, quantity)]
            # The traced part stands in the judged lines; the schedule is judged on the part itself.
            same_sku = [ln if ln.slot != slot else Line(slot, part, quantity) for ln in same_sku]
            kit = replace(self.snapshot, lines=tuple(same_sku))
            found.extend(v for v in schedule_violations(kit) if v.severity == ERROR and slot in v.slots)
        return found

    @staticmethod
    def _sorted(found: list[Violation]) -> tuple[Violation, ...]:
        return tuple(sorted(set(found), key=violation_sort_key))


def _seen(part: Part, clean: dict[tuple[str, ...], set[tuple]], key: Any, *extra: Any) -> bool:
    """Whether a clean verdict was kept for a part with the same values of the names read."""
    return any(key(part, names, *extra) in seen for names, seen in clean.items())


def _attribute_key(part: Part, names: tuple[str, ...]) -> tuple:
    out = []
    for name in names:
        value = getattr(part, name)
        try:
            hash(value)
        except TypeError:
            out.append((type(value), repr(value)))
        else:
            out.append((type(value), value))
    return tuple(out)


class _TracedPart:
    """A part that notes the attributes read (the policy's rule packs, on one candidate)."""

    __slots__ = ("_part", "_read")

    def __init__(self, part: Part, read: dict[str, None]) -> None:
        object.__setattr__(self, "_part", part)
        object.__setattr__(self, "_read", read)

    def __getattr__(self, name: str) -> Any:
        self._read[name] = None
        return getattr(self._part, name)


def _trace_key(part: Part, fields: tuple[str, ...], quantity: int) -> tuple:
    specs = part.specs
    return (part.category, part.active, quantity, tuple([_frozen(specs.get(f, _MISSING)) for f in fields]))


_MISSING = object()


def _frozen(value: object) -> tuple:
    # The type and repr, not the value: Decimal("1.0") == 1 but they read differently.
    return (type(value), repr(value))


class _Traced(Mapping):
    """A part's specs that note every field a rule reads (asking for all of them notes all)."""

    __slots__ = ("_data", "_read")

    def __init__(self, data: Mapping[str, Any], read: dict[str, None]) -> None:
        self._data = data
        self._read = read

    def __getitem__(self, key: str) -> Any:
        self._read[key] = None
        return self._data[key]

    def get(self, key: str, default: Any = None) -> Any:
        self._read[key] = None
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        self._read[str(key)] = None
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        self._read.update(dict.fromkeys(self._data))
        return iter(self._data)

    def __len__(self) -> int:
        self._read.update(dict.fromkeys(self._data))
        return len(self._data)


def full_engine_errors(snapshot: Snapshot, slot: str, part: Part, quantity: int) -> tuple[Violation, ...]:
    """`engine_errors` the long way (the whole engine on the trimmed kit): the tests hold it to this."""
    judged = _confirm_snapshot(snapshot, slot, part, quantity)
    return tuple(v for v in violations_involving(judged, slot) if v.severity == ERROR)


_READING: dict[str, tuple[Rule, ...]] = {}


def _rules_reading(slot: str) -> tuple[Rule, ...]:
    """The engine's rules that read `slot`, in the engine's order (violations_involving runs these)."""
    found = _READING.get(slot)
    if found is None:
        found = _READING[slot] = tuple(rule for rule in RULES if slot in rule.slots)
    return found


def codes_of(errors: Iterable[Violation]) -> tuple[str, ...]:
    return tuple(sorted({v.code for v in errors}))


# --------------------------------------------------------------------------- the rules, inverted


class _Masks:
    def __init__(self) -> None:
        self.by_code: dict[str, int] = {}

    def add(self, code: str, mask: int) -> None:
        if mask:
            self.by_code[code] = self.by_code.get(code, 0) | mask


class Judge:
    """Everything about one slot of one snapshot that does not depend on the candidate."""

    def __init__(self, snapshot: Snapshot, index: CatalogIndex, slot: str) -> None:
        slot_def = snapshot.template.slot(slot)
        if slot_def is None:
            raise KeyError(f"{slot!r} is not a slot of {snapshot.template.code}")
        self.snapshot = snapshot
        self.slot = slot
        self.slot_def = slot_def
        self.ci = index.category_index(slot_def.category)
        self.base = replace(snapshot, lines=tuple(ln for ln in snapshot.lines if ln.slot != slot))
        self.ctx = KitContext(self.base)
        self.req: Requirements = snapshot.requirements
        self.masks = _Masks()
        self.brute = self.ci.irregular()
        # (bit set, default quantity) covering the category; None when worked out part by part.
        self.quantity_groups: list[tuple[int, int]] | None = None
        self.years = delivery_years(snapshot.schedule)
        # The magnet formula's rotor (default quantities), when the slot is the formula's.
        self.formula_rotors: list[Part] = []
        if follows_formula(slot, slot_def):
            self.formula_rotors = list(self.ctx.parts(ROTOR_CORE))
        # The formula on a slot other than "magnet" is not modelled here: judge part by part.
        if any(s.formula == MAGNET_FORMULA and s.code != MAGNET for s in snapshot.template.slots):
            self.brute = self.ci.all

    # -- quantities

    def quantity(self, part: Part) -> int:
        if self.formula_rotors:
            quantity = magnet_quantity(self.formula_rotors[0].specs, part.specs)
            if quantity >= 1:
                return quantity
        return minimum_quantity(self.slot_def)

    # -- the whole judgement

    def run(self) -> dict[str, int]:
        ci, m = self.ci, self.masks
        if ci.n == 0:
            return {}
        structure = self.slot in SLOT_ORDER  # violations_involving runs the structure rules for these
        if structure:
            m.add(PART_INACTIVE, ci.inactive)
        self._quantity_and_capacity(structure)
        for rule in inverted_rules(self.slot):
            rule.exclude(self.slot, self)
        if self.slot == ROTOR_CORE:
            _rotor_magnet_formula(self)
        self._policy()
        if self.years:
            days = (date(next(iter(self.years)), 1, 1) - self.snapshot.today).days
            m.add(LEAD_TIME, ci.attr("lead_time_days").gt(days))
        for line in self.base.lines:  # a SKU also on another line: CAPACITY adds the lines up
            position = ci.position.get(line.part.sku)
            if position is not None:
                self.brute |= 1 << position
        # Units other orders booked shrink a part's free capacity: the few parts with
        # bookings in this program's years are judged one by one, as the engine does.
        for sku, year in self.snapshot.booked:
            if year in self.years and self.snapshot.booked[(sku, year)] > 0:
                position = ci.position.get(sku)
                if position is not None:
                    self.brute |= 1 << position
        if self.brute:
            self._judge_one_by_one(self.brute)
        return m.by_code

    def _judge_one_by_one(self, mask: int) -> None:
        by_code = self.masks.by_code
        for code in by_code:
            by_code[code] &= ~mask
        confirmer = Confirmer(self.snapshot, self.slot)
        for position in members(mask, 0, mask.bit_count()):
            part = self.ci.parts[position]
            errors = confirmer.errors(part, self.quantity(part))
            for code in codes_of(errors):
                by_code[code] = by_code.get(code, 0) | (1 << position)
        for code in [c for c, mask_ in by_code.items() if not mask_]:
            del by_code[code]

    def _policy(self) -> None:
        policy = self.snapshot.policy
        days = [date(year, 1, 1) for year in self.years] or [self.snapshot.today]
        versions: dict[str, PolicyVersion] = {}
        for day in days:
            version = policy.version_in_force(day)
            if version is not None:
                versions.setdefault(version.version, version)
        restricted = self.snapshot.restricted_entities
        for version in versions.values():
            key = policy_version_key(policy, version, restricted)
            for code, mask in self.ci.policy_masks(version, key, restricted).items():
                self.masks.add(code, mask)

    def _quantity_and_capacity(self, structure: bool) -> None:
        ci, m, slot_def = self.ci, self.masks, self.slot_def
        kits = max(self.years.values(), default=0)
        capacity = ci.attr("annual_capacity") if kits else None
        minimum = minimum_quantity(slot_def)
        self.quantity_groups = [(ci.all, minimum)]
        if not self.formula_rotors:
            if structure and not slot_def.min_qty <= minimum <= slot_def.max_qty:
                m.add(SLOT_QUANTITY, ci.all)
            if capacity is not None:
                m.add(CAPACITY, capacity.lt(kits * minimum))
            return
        if len(self.formula_rotors) > 1:
            self.quantity_groups = None
            self._formula_one_by_one(structure, kits)
            return
        (rotor,) = self.formula_rotors
        per_segment = (spec_int(rotor, "poles") or 0) * (spec_int(rotor, "magnets_per_pole") or 0)
        pocket = spec_dec(rotor, "pocket_length_mm")
        lengths = ci.num("length_mm")
        # Candidates with at least one axial segment, grouped by their segment count.
        groups: list[tuple[int, int, int]] = []
        if pocket is not None and pocket > 0:
            i, end = bisect_right(lengths.values, 0), bisect_right(lengths.values, pocket)
            values = lengths.values
            while i < end:
                segments = int(pocket // values[i])
                lo, hi = i + 1, end  # first index whose segment count is smaller
                while lo < hi:
                    mid = (lo + hi) // 2
                    if int(pocket // values[mid]) < segments:
                        hi = mid
                    else:
                        lo = mid + 1
                groups.append((i, lo, segments))
                i = lo
        fitted = lengths.span(groups[0][0], groups[-1][1]) if groups else 0
        if per_segment < 1:
            # The formula gives no magnet: the default quantity cannot match it.
            if structure:
                m.add(SLOT_QUANTITY, fitted)
            if capacity is not None:
                m.add(CAPACITY, capacity.lt(kits * minimum))
            return
        self.quantity_groups = [(ci.all & ~fitted, minimum)]
        self.quantity_groups += [(lengths.span(i, j), per_segment * segments) for i, j, segments in groups]
        if capacity is not None:
            for mask, quantity in self.quantity_groups:
                m.add(CAPACITY, mask & capacity.lt(kits * quantity))

    def _formula_one_by_one(self, structure: bool, kits: int) -> None:
        """Several rotor cores in the kit: the formula is checked against each, part by part."""
        ci, m = self.ci, self.masks
        quantity_bad: list[int] = []
        capacity_bad: list[int] = []
        for position, part in enumerate(ci.parts):
            quantity = self.quantity(part)
            for rotor in self.formula_rotors:
                if axial_segments(rotor.specs, part.specs) and quantity != magnet_quantity(
                    rotor.specs, part.specs
                ):
                    quantity_bad.append(position)
                    break
            if kits and kits * quantity > part.annual_capacity:
                capacity_bad.append(position)
        if structure:
            m.add(SLOT_QUANTITY, bitset(quantity_bad, ci.nbytes))
        m.add(CAPACITY, bitset(capacity_bad, ci.nbytes))


# -- the magnet formula, from the rotor core's side


def _rotor_magnet_formula(j: Judge) -> None:
    """SLOT_QUANTITY on the magnets, which names the rotor core too.

    A single magnet line follows the candidate's formula, so only rotor cores
    whose formula gives no magnet can be blamed; with several magnet lines the
    total is compared with every magnet's formula, part by part.
    """
    ctx, ci = j.ctx, j.ci
    template = j.snapshot.template
    magnets = ctx.parts(MAGNET)
    formula_slots = [s.code for s in template.slots if s.formula == MAGNET_FORMULA and ctx.lines(s.code)]
    if not magnets or not formula_slots:
        return
    magnet_lines = ctx.lines(MAGNET)
    follows = len(magnet_lines) == 1 and _is_magnet(template, magnet_lines[0].part)
    if follows and formula_slots == [MAGNET]:
        candidates = ci.flag(
            "no_magnet_formula",
            lambda part: (spec_int(part, "poles") or 0) * (spec_int(part, "magnets_per_pole") or 0) < 1,
        )
    else:
        candidates = ci.all
    bad = []
    for position in members(candidates, 0, candidates.bit_count()):
        rotor = ci.parts[position]
        for slot_code in formula_slots:
            total = ctx.quantity(slot_code)
            if slot_code == MAGNET and follows:
                derived = magnet_quantity(rotor.specs, magnet_lines[0].part.specs)
                total = derived if derived >= 1 else total
            if any(
                axial_segments(rotor.specs, magnet.specs)
                and total != magnet_quantity(rotor.specs, magnet.specs)
                for magnet in magnets
            ):
                bad.append(position)
                break
    j.masks.add(SLOT_QUANTITY, bitset(bad, ci.nbytes))
