"""Completion: can the kit still be finished without an error, holding what is chosen?

Guided options promise that no offered part is a dead end: after choosing it, a
complete kit with no error still exists that holds it and every part already
chosen (requirements, sourcing policy per delivery year and capacity for the
schedule included). This module answers that question exactly and fast.

How
---
The compatibility rules are binary between slots (each violation names at most
two slots' parts), so the question is a binary constraint problem:

* **Classes.** The parts of a category are grouped by the spec fields the
  pairwise rules read. Which fields those are is not listed here: each rule
  declares the fields it reads (`Rule.reads`, configurator.domain.rules), and
  the engine's own rules are also run on sample pairs with specs that record
  what is read, so a rule added to the rules package is picked up without
  touching this module.
* **Class tables.** For every pair of slots some rule reads together, the
  engine (`evaluate`) is run once per pair of class representatives, with no
  requirements, no policy and no schedule; an error naming both slots makes
  the pair incompatible. Built once per catalog (and template) and cached on
  the `CatalogIndex`.
* **Unary verdicts** (inactive, requirements, sourcing policy per delivery
  year, lead time, capacity at the slot's quantity) come per part from the
  options index (the forward check of an empty kit), cached per context.
  A class is alive when one of its parts passes. The magnet's capacity depends
  on the rotor core (the formula), so that pair's table is narrowed per
  schedule: a magnet class fits a rotor class only if one of its parts can
  deliver the formula's units.
* **Search.** Chosen parts prune their neighbours' domains; a depth-first
  search with forward checking over the required slots' classes then decides
  each candidate class. Every solution found witnesses a class of every slot,
  so most candidates need no search of their own. Plain arc consistency is not
  enough (rotor-shaft-end plate and rotor-stator-winding form triangles); the
  search is.

Optional slots never make a dead end: an empty optional slot is not a variable.
Quantities are the kit's (magnets: the formula), not the lines' current ones:
a wrong quantity is fixed by setting it, not by another part.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import combinations
from typing import Any

from configurator.domain.codes import DEAD_END, SLOT_REQUIRED, STRUCTURE_CODES
from configurator.domain.engine import evaluate
from configurator.domain.sourcing import BUILTIN_POLICIES, CAPACITY, delivery_years
from configurator.domain.templates import MAGNET, MAGNET_FORMULA, ROTOR_CORE, magnet_quantity
from configurator.domain.types import ERROR, KitTemplate, Line, Part, Requirements, Snapshot, Violation

__all__ = ["DEAD_END", "Completion", "completion_status", "slot_dead_ends"]

_SAMPLE = 10  # parts per category whose reads decide the class fields
_TODAY = date(2000, 1, 1)  # the tables ignore dates (no schedule, no policy)


def _label(slot: str) -> str:
    return slot.replace("_", " ")


# --------------------------------------------------------------------------- recording reads


class _Recording(Mapping):
    """A spec mapping that notes every field read (by the rules, on sample pairs)."""

    __slots__ = ("_data", "_seen")

    def __init__(self, data: Mapping[str, Any], seen: set[str]) -> None:
        self._data = data
        self._seen = seen

    def __getitem__(self, key: str) -> Any:
        self._seen.add(key)
        return self._data[key]

    def get(self, key: str, default: Any = None) -> Any:
        self._seen.add(key)
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        self._seen.add(str(key))
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        self._seen.update(self._data)
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return ("<unhashable>", repr(value))
    return value


# --------------------------------------------------------------------------- catalog tables


def _related_pairs(template: KitTemplate) -> list[tuple[str, str]]:
    """Pairs of template slots some compatibility rule reads together (the magnet formula too)."""
    from configurator.domain.rules import RULES

    codes = {s.code for s in template.slots}
    found: set[tuple[str, str]] = set()
    for rule in RULES:
        if rule.code in STRUCTURE_CODES:
            continue
        slots = [s for s in rule.slots if s in codes]
        for a, b in combinations(slots, 2):
            found.add((a, b) if a < b else (b, a))
    if ROTOR_CORE in codes and MAGNET in codes:
        found.add((MAGNET, ROTOR_CORE))
    return sorted(found)


class _SlotClasses:
    """The parts of one slot's category grouped by the fields the pairwise rules read."""

    def __init__(self, slot: str, parts: Sequence[Part], fields: tuple[str, ...], nbytes: int) -> None:
        from configurator.domain.options.bits import bitset

        self.slot = slot
        self.fields = fields
        ids: dict[tuple, int] = {}
        positions: list[list[int]] = []
        self.reps: list[Part] = []
        self.of_position: list[int] = []
        fields_ = fields
        for i, part in enumerate(parts):
            get = part.specs.get
            key = tuple([get(f) for f in fields_])
            try:
                cid = ids.get(key)
            except TypeError:
                key = self.key(part)
                cid = ids.get(key)
            if cid is None:
                cid = ids[key] = len(positions)
                positions.append([])
                self.reps.append(part)
            positions[cid].append(i)
            self.of_position.append(cid)
        self.ids = ids
        self.masks = [bitset(p, nbytes) for p in positions]
        self.n = len(self.reps)
        self.all = (1 << self.n) - 1

    def key(self, part: Part) -> tuple:
        return tuple(_hashable(part.specs.get(f)) for f in self.fields)

    def class_of(self, part: Part, position: int | None) -> int | None:
        if position is not None and position < len(self.of_position):
            return self.of_position[position]
        return self.ids.get(self.key(part))


def _slot_classes(index: Any, slot: str, ci: Any, fields: tuple[str, ...]) -> _SlotClasses:
    """Classes cached on the index per category and fields, so templates share them."""
    cache = index.__dict__.setdefault("_completion_classes", {})
    key = (ci.category, fields)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _SlotClasses(slot, ci.parts, fields, ci.nbytes)
    return found


def _pair_lines(template: KitTemplate, a: str, pa: Part, b: str, pb: Part) -> tuple[Line, ...]:
    def qty(slot: str, part: Part, other: Part) -> int:
        slot_def = template.slot(slot)
        if slot == MAGNET and slot_def is not None and slot_def.formula == MAGNET_FORMULA:
            q = magnet_quantity(other.specs, part.specs) if other.category == ROTOR_CORE else 0
            if q >= 1:
                return q
        return max(slot_def.min_qty, 1) if slot_def is not None else 1

    return (Line(a, pa, qty(a, pa, pb)), Line(b, pb, qty(b, pb, pa)))


def _pair_errors(template: KitTemplate, a: str, pa: Part, b: str, pb: Part) -> list[Violation]:
    """The engine's errors naming both slots, for a kit of these two parts alone."""
    snapshot = Snapshot(
        template=template, requirements=Requirements(), lines=_pair_lines(template, a, pa, b, pb),
        policy=BUILTIN_POLICIES["none"], today=_TODAY,
    )
    return [
        v for v in evaluate(snapshot).violations
        if v.severity == ERROR and a in v.slots and b in v.slots
    ]


def _distinct_sample(parts: Sequence[Part], count: int) -> list[Part]:
    """Up to `count` parts with distinct specs, spread over the category (a few hundred looked at)."""
    if len(parts) > 400:
        step = len(parts) / 400
        parts = [parts[int(i * step)] for i in range(400)]
    seen: dict[tuple, Part] = {}
    for part in parts:
        key = tuple(sorted((k, repr(v)) for k, v in part.specs.items()))
        seen.setdefault(key, part)
    values = list(seen.values())
    if len(values) <= count:
        return values
    step = len(values) / count
    return [values[int(i * step)] for i in range(count)]


class Tables:
    """Class tables of one template over one catalog (build once, share)."""

    def __init__(self, index: Any, template: KitTemplate) -> None:
        from configurator.domain.rules import indexed_fields

        self.template = template
        self.slots = [s.code for s in template.slots]
        self.pairs = _related_pairs(template)
        self.neighbors: dict[str, list[str]] = {s: [] for s in self.slots}
        for a, b in self.pairs:
            self.neighbors[a].append(b)
            self.neighbors[b].append(a)
        cis = {s.code: index.category_index(s.category) for s in template.slots}
        self.cis = cis
        # Which fields the pairwise rules read, per slot and per pair side.
        read: dict[str, set[str]] = {s: set() for s in self.slots}
        side_read: dict[tuple[str, str], set[str]] = {}
        samples = {s: _distinct_sample(cis[s].parts, _SAMPLE) for s in self.slots}
        for a, b in self.pairs:
            seen_a, seen_b = side_read.setdefault((a, b), set()), side_read.setdefault((b, a), set())
            for pa in samples[a]:
                for pb in samples[b]:
                    ra = replace(pa, specs=_Recording(pa.specs, seen_a))
                    rb = replace(pb, specs=_Recording(pb.specs, seen_b))
                    _pair_errors(template, a, ra, b, rb)
            read[a] |= seen_a
            read[b] |= seen_b
        for s in template.slots:
            category = s.category
            if not self.neighbors[s.code]:
                continue
            read[s.code] |= indexed_fields(category)
        self.classes = {s: _slot_classes(index, s, cis[s], tuple(sorted(read[s]))) for s in self.slots}
        # compat[(a, b)][class of a] = bit set of the classes of b it fits.
        self.compat: dict[tuple[str, str], list[int]] = {}
        self.engine_calls = 0
        for a, b in self.pairs:
            ca, cb = self.classes[a], self.classes[b]
            fa = tuple(sorted(side_read[(a, b)] | _always(a, b)))
            fb = tuple(sorted(side_read[(b, a)] | _always(b, a)))
            memo: dict[tuple, bool] = {}
            ab = [0] * ca.n
            ba = [0] * cb.n
            for i, pa in enumerate(ca.reps):
                ka = tuple(_hashable(pa.specs.get(f)) for f in fa)
                for j, pb in enumerate(cb.reps):
                    key = (ka, tuple(_hashable(pb.specs.get(f)) for f in fb))
                    fits = memo.get(key)
                    if fits is None:
                        self.engine_calls += 1
                        fits = memo[key] = not _pair_errors(template, a, pa, b, pb)
                    if fits:
                        ab[i] |= 1 << j
                        ba[j] |= 1 << i
            self.compat[(a, b)] = ab
            self.compat[(b, a)] = ba
        self.formula = (
            MAGNET in self.classes and ROTOR_CORE in self.classes
            and (template.slot(MAGNET).formula == MAGNET_FORMULA)  # type: ignore[union-attr]
        )
        self._contexts: dict[tuple, _Context] = {}
        # Problems per (context, chosen parts), kept here rather than on their context: a
        # problem refers to its context, and to these tables only weakly, so a catalog view
        # holds no reference cycle and is freed the moment the process swaps it out.
        self._problems: dict[tuple, _Problem] = {}
        self._last_booked: tuple[Mapping, frozenset] | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        # Contexts and problems are this process's request caches: not part of an artifact
        # (a problem refers to its tables weakly, and a worker's are of no use elsewhere).
        return {**self.__dict__, "_contexts": {}, "_problems": {}, "_last_booked": None}

    def _booked_key(self, booked: Mapping[tuple[str, int], int]) -> frozenset:
        """The bookings as a key: verdicts judged before an order booked capacity are not
        answered after it (they offered parts no complete kit could still hold). A web
        process's reading is the same object while the bookings do not change: its key is
        made once."""
        last = self._last_booked
        if last is not None and last[0] is booked:
            return last[1]
        key = frozenset(booked.items())
        self._last_booked = (booked, key)
        return key

    def context(self, snapshot: Snapshot, index: Any) -> _Context:
        key = (
            snapshot.requirements, snapshot.policy.code, tuple(v.version for v in snapshot.policy.versions),
            tuple(sorted(delivery_years(snapshot.schedule).items())), snapshot.today,
            snapshot.restricted_entities, self._booked_key(snapshot.booked),
        )
        found = self._contexts.get(key)
        if found is None:
            found = _Context(self, snapshot, index)
            found.key = key
            with self._lock:
                self._contexts[key] = found
                while len(self._contexts) > 32:
                    self._contexts.pop(next(iter(self._contexts)))
        return found


def _always(slot: str, other: str) -> set[str]:
    """Fields the formula reads (the quantity a pair is judged with)."""
    if {slot, other} == {ROTOR_CORE, MAGNET}:
        return {"poles", "magnets_per_pole", "pocket_length_mm"} if slot == ROTOR_CORE else {"length_mm"}
    return set()


def tables(index: Any, template: KitTemplate) -> Tables:
    """The cached class tables of `template` over this catalog index."""
    cache = index.__dict__.setdefault("_completion_tables", {})
    found = cache.get(template)
    if found is None:
        lock = index.__dict__.setdefault("_completion_lock", threading.Lock())
        with lock:
            found = cache.get(template)
            if found is None:
                found = cache[template] = Tables(index, template)
    return found


# --------------------------------------------------------------------------- per context


class _Context:
    """Unary verdicts for one set of requirements, policy, schedule and day."""

    def __init__(self, t: Tables, snapshot: Snapshot, index: Any) -> None:
        from configurator.domain.options.judge import Judge

        empty = replace(snapshot, lines=())
        self.unary_ok: dict[str, int] = {}
        self.unary_codes: dict[str, dict[str, int]] = {}
        self.alive: dict[str, int] = {}
        for slot in t.slots:
            judge = Judge(empty, index, slot)
            by_code = judge.run()
            bad = 0
            for mask in by_code.values():
                bad |= mask
            ci = t.cis[slot]
            self.unary_codes[slot] = by_code
            self.unary_ok[slot] = ci.all & ~bad
            classes = t.classes[slot]
            ok = self.unary_ok[slot]
            self.alive[slot] = sum(1 << c for c, m in enumerate(classes.masks) if m & ok)
        self.years = delivery_years(snapshot.schedule)
        self.kits = max(self.years.values(), default=0)
        self.booked = snapshot.booked
        self.compat = t.compat
        self.key: tuple = ()  # set by Tables.context
        self._delivering: dict[int, int] = {}
        # Magnets other orders booked units of in this program's years: the most magnets a
        # kit each can still deliver every year (capacity less what is booked, per year).
        self.magnet_left: dict[int, int] = {}
        if t.formula and self.kits and self.booked:
            ci = t.cis[MAGNET]
            for sku, year in self.booked:
                at = ci.position.get(sku)
                if at is not None and year in self.years and at not in self.magnet_left:
                    self.magnet_left[at] = self.magnet_count_left(ci.parts[at])
        if t.formula and self.kits:
            self._narrow_formula(t)

    def magnet_count_left(self, part: Part) -> int:
        """The most magnets a kit this part can deliver in every year of the schedule, after
        the units accepted orders booked (domain.md section 7)."""
        return min((part.annual_capacity - self.booked.get((part.sku, year), 0)) // kits
                   for year, kits in self.years.items())

    def delivers(self, part: Part, q: int) -> bool:
        """Whether this magnet part can deliver q magnets a kit for the schedule."""
        return q <= self.magnet_count_left(part)

    def magnets_delivering(self, t: Tables, q: int) -> int:
        """The magnet parts (index positions) that can deliver q magnets a kit every year."""
        mask = self._delivering.get(q)
        if mask is None:
            mask = t.cis[MAGNET].attr("annual_capacity").ge(self.kits * q)
            for at, left in self.magnet_left.items():
                mask = mask | (1 << at) if left >= q else mask & ~(1 << at)
            self._delivering[q] = mask
        return mask

    def _narrow_formula(self, t: Tables) -> None:
        """A magnet class fits a rotor class only if one of its parts can deliver the formula's units."""
        rotors, magnets = t.classes[ROTOR_CORE], t.classes[MAGNET]
        ok = self.unary_ok[MAGNET]
        rm = list(t.compat[(ROTOR_CORE, MAGNET)])
        mr = list(t.compat[(MAGNET, ROTOR_CORE)])
        for r in range(rotors.n):
            bits = rm[r]
            while bits:
                low = bits & -bits
                m = low.bit_length() - 1
                bits ^= low
                q = max(magnet_quantity(rotors.reps[r].specs, magnets.reps[m].specs), 1)
                if not magnets.masks[m] & ok & self.magnets_delivering(t, q):
                    rm[r] &= ~low
                    mr[m] &= ~(1 << r)
        self.compat = {**t.compat, (ROTOR_CORE, MAGNET): rm, (MAGNET, ROTOR_CORE): mr}


# --------------------------------------------------------------------------- the search


def _arc_consistent(
    doms: dict[str, int], free: Sequence[str], t: Tables, compat: Mapping
) -> dict[str, int] | None:
    """Drop every class with no fitting class in some free neighbour's domain (AC-3); None if one empties."""
    doms = dict(doms)
    inside = set(free)
    queue = [(x, y) for x in free for y in t.neighbors[x] if y in inside]
    pending = set(queue)
    while queue:
        arc = queue.pop()
        pending.discard(arc)
        x, y = arc
        table, dy, keep, bits = compat[arc], doms[y], 0, doms[x]
        while bits:
            low = bits & -bits
            if table[low.bit_length() - 1] & dy:
                keep |= low
            bits ^= low
        if keep != doms[x]:
            if not keep:
                return None
            doms[x] = keep
            for z in t.neighbors[x]:
                if z in inside and z != y and (z, x) not in pending:
                    queue.append((z, x))
                    pending.add((z, x))
    return doms


def _components(free: Sequence[str], t: Tables) -> list[list[str]]:
    inside, seen, out = set(free), set(), []
    for start in free:
        if start in seen:
            continue
        group, stack = [], [start]
        seen.add(start)
        while stack:
            s = stack.pop()
            group.append(s)
            for nb in t.neighbors[s]:
                if nb in inside and nb not in seen:
                    seen.add(nb)
                    stack.append(nb)
        out.append(group)
    return out


def _solve(doms: dict[str, int], free: list[str], t: Tables, compat: Mapping) -> dict[str, int] | None:
    """One class per free slot, consistent with every table and the domains; None when none exists.

    Arc consistency first, then each connected group of free slots on its own (so a
    hopeless group is not retried for every choice in another), depth-first with
    forward checking inside a group.
    """
    consistent = _arc_consistent(doms, free, t, compat)
    if consistent is None:
        return None
    found: dict[str, int] = {}
    for group in _components(free, t):
        part = _search(consistent, group, t, compat)
        if part is None:
            return None
        found.update(part)
    return found


def _search(doms: dict[str, int], free: list[str], t: Tables, compat: Mapping) -> dict[str, int] | None:
    if not free:
        return {}
    if len(free) == 1:
        d = doms[free[0]]
        return {free[0]: (d & -d).bit_length() - 1} if d else None
    var = min(free, key=lambda s: (doms[s].bit_count(), s))
    rest = [s for s in free if s != var]
    near = [s for s in t.neighbors[var] if s in rest]
    d = doms[var]
    while d:
        low = d & -d
        c = low.bit_length() - 1
        d ^= low
        new = dict(doms)
        for nb in near:
            nd = new[nb] & compat[(var, nb)][c]
            if not nd:
                break
            new[nb] = nd
        else:
            found: dict[str, int] | None = {}
            for group in _components(rest, t):
                part = _search(new, group, t, compat)
                if part is None:
                    found = None
                    break
                found.update(part)
            if found is not None:
                found[var] = c
                return found
    return None


@dataclass
class _Problem:
    """Chosen parts held, the free required slots, and their class domains."""

    tables_ref: weakref.ReferenceType[Tables]  # the tables cache the problem: not a strong cycle
    ctx: _Context
    snapshot: Snapshot
    free: list[str]
    doms: dict[str, int]
    # Why no completion exists whatever the free slots hold (None: it may).
    blocked: str | None = None
    blocked_slots: tuple[str, ...] = ()
    fixed: dict[str, list[tuple[Part, int]]] = field(default_factory=dict)
    witnessed: dict[str, int] = field(default_factory=dict)
    solved: bool | None = None
    # Per slot, candidate classes already decided: (supported bits, dead bits).
    decided: dict[str, list[int]] = field(default_factory=dict)
    # Explanations per (slot, class), for the class's first part (its SKU is swapped in).
    explained: dict[tuple[str, int], tuple[str, Violation]] = field(default_factory=dict)

    @property
    def t(self) -> Tables:
        t = self.tables_ref()
        assert t is not None, "a problem outlived its catalog view's tables"
        return t

    @property
    def compat(self) -> Mapping:
        return self.ctx.compat


def _fixed_parts(snapshot: Snapshot, slot: str) -> list[Part]:
    slot_def = snapshot.template.slot(slot)
    found: dict[str, Part] = {}
    for line in snapshot.lines:
        if line.slot == slot and slot_def is not None and line.part.category == slot_def.category:
            found.setdefault(line.part.sku, line.part)
    return list(found.values())


_PROBLEMS_KEPT = 4096  # (was 128 per context, of up to 32 contexts)


def _problem(snapshot: Snapshot, index: Any, free_slot: str | None) -> _Problem:
    """The kit's chosen parts (those of `free_slot` left out) as a constraint problem (cached per context)."""
    template = snapshot.template
    t = tables(index, template)
    ctx = t.context(snapshot, index)
    key = (ctx.key, tuple(sorted((ln.slot, ln.part.sku) for ln in snapshot.lines if ln.slot != free_slot)))
    found = t._problems.get(key)
    if found is None:
        found = _new_problem(snapshot, t, ctx, free_slot)
        with t._lock:
            t._problems[key] = found
            while len(t._problems) > _PROBLEMS_KEPT:
                t._problems.pop(next(iter(t._problems)))
    return found


def _new_problem(snapshot: Snapshot, t: Tables, ctx: _Context, free_slot: str | None) -> _Problem:
    template = snapshot.template
    required = [s.code for s in template.slots if s.required]
    chosen_slots = {line.slot for line in snapshot.lines if line.slot != free_slot}
    free = [s for s in required if s not in chosen_slots]
    doms = {s: ctx.alive[s] for s in t.slots}
    p = _Problem(weakref.ref(t), ctx, snapshot, free, doms)
    for line in snapshot.lines:
        if line.slot == free_slot:
            continue
        slot_def = template.slot(line.slot)
        if slot_def is None or line.part.category != slot_def.category:
            p.blocked = f"{line.part.sku} cannot stay in {_label(line.slot)}"
            p.blocked_slots = (line.slot,)
            return p
    for slot in t.slots:
        if slot == free_slot or slot not in chosen_slots:
            continue
        classes, ci = t.classes[slot], t.cis[slot]
        held = []
        for part in _fixed_parts(snapshot, slot):
            position = ci.position.get(part.sku)
            if position is None or ci.parts[position] != part:
                # Not the catalog's part (a test's, or one changed since): judged by the engine.
                codes = _own_errors(snapshot, slot, part)
                cid = _outsider(t, slot, part)
            else:
                cid = classes.class_of(part, position)
                codes = sorted(c for c, m in ctx.unary_codes[slot].items() if (m >> position) & 1)
            if codes:
                p.blocked = f"the chosen {_label(slot)} {part.sku} has errors of its own ({', '.join(codes)})"
                p.blocked_slots = (slot,)
                return p
            held.append((part, cid))
        p.fixed[slot] = held
    # Chosen parts prune their neighbours (and must fit one another).
    for slot, held in p.fixed.items():
        for nb in t.neighbors[slot]:
            for part, cid in held:
                fits = _fixed_compat(p, slot, part, cid, nb)
                if nb in p.fixed:
                    for other, ocid in p.fixed[nb]:
                        if isinstance(ocid, tuple) or isinstance(cid, tuple):
                            ok = not _pair_errors(t.template, slot, part, nb, other)
                        else:
                            ok = (fits >> ocid) & 1
                        if not ok:
                            p.blocked = (f"the chosen {_label(slot)} {part.sku} and {_label(nb)} "
                                         f"{other.sku} do not fit each other")
                            p.blocked_slots = (slot, nb)
                            return p
                else:
                    doms[nb] &= fits
    for slot in p.free:
        if not doms[slot]:
            p.blocked = _empty_reason(p, slot)
            p.blocked_slots = (slot,)
            return p
    return p


def _own_errors(snapshot: Snapshot, slot: str, part: Part) -> list[str]:
    """The error codes a part has on its own in this context (requirements, policy, schedule)."""
    from configurator.domain.options import default_quantity

    quantity = default_quantity(replace(snapshot, lines=()), slot, part)
    alone = replace(snapshot, lines=(Line(slot, part, quantity),))
    return sorted({v.code for v in evaluate(alone).errors if v.code != SLOT_REQUIRED and slot in v.slots})


def _outsider(t: Tables, slot: str, part: Part) -> tuple[Part, dict[str, int]]:
    """A part outside the index: its fits with every neighbour's classes, by the engine."""
    fits = {}
    for nb in t.neighbors[slot]:
        bits = 0
        for j, rep in enumerate(t.classes[nb].reps):
            if not _pair_errors(t.template, slot, part, nb, rep):
                bits |= 1 << j
        fits[nb] = bits
    return (part, fits)


def _fixed_compat(p: _Problem, slot: str, part: Part, cid: Any, nb: str) -> int:
    """The classes of `nb` a chosen part fits (a chosen magnet: with its own capacity)."""
    if isinstance(cid, tuple):  # outside the index
        fits = cid[1][nb]
        if p.ctx.kits and p.t.formula and slot == MAGNET and nb == ROTOR_CORE:
            return fits & _magnet_capacity_fits(p, part, fits)
        if p.ctx.kits and p.t.formula and slot == ROTOR_CORE and nb == MAGNET:
            magnets = p.t.classes[MAGNET]
            kept, bits = 0, fits
            while bits:
                low = bits & -bits
                m = low.bit_length() - 1
                bits ^= low
                q = max(magnet_quantity(part.specs, magnets.reps[m].specs), 1)
                if magnets.masks[m] & p.ctx.unary_ok[MAGNET] & p.ctx.magnets_delivering(p.t, q):
                    kept |= low
            return kept
        return fits
    fits = p.compat[(slot, nb)][cid]
    if p.ctx.kits and p.t.formula and slot == MAGNET and nb == ROTOR_CORE:
        fits = _magnet_capacity_fits(p, part, p.t.compat[(slot, nb)][cid])
    return fits


def _magnet_capacity_fits(p: _Problem, part: Part, rotor_bits: int) -> int:
    """The rotor classes whose formula count this magnet part can deliver for the schedule."""
    rotors = p.t.classes[ROTOR_CORE]
    fits = 0
    while rotor_bits:
        low = rotor_bits & -rotor_bits
        r = low.bit_length() - 1
        rotor_bits ^= low
        if p.ctx.delivers(part, max(magnet_quantity(rotors.reps[r].specs, part.specs), 1)):
            fits |= low
    return fits


def _empty_reason(p: _Problem, slot: str) -> str:
    if not p.ctx.alive[slot]:
        return f"no {_label(slot)} in the catalog meets the requirements, policy and schedule"
    held = [f"{_label(s)} {part.sku}" for s in p.t.neighbors[slot] for part, _c in p.fixed.get(s, ())]
    if held:
        return f"no {_label(slot)} that meets the requirements fits the chosen {' and '.join(held)}"
    return f"no {_label(slot)} fits"


def _witness(p: _Problem, solution: Mapping[str, int]) -> None:
    for slot, c in solution.items():
        p.witnessed[slot] = p.witnessed.get(slot, 0) | (1 << c)


def _solvable(p: _Problem) -> bool:
    if p.solved is None:
        if p.blocked is not None:
            p.solved = False
        else:
            found = _solve(p.doms, p.free, p.t, p.compat)
            p.solved = found is not None
            if found is not None:
                _witness(p, found)
    return p.solved


def _assume(p: _Problem, slot: str, c: int, doms: dict[str, int] | None = None) -> dict[str, int] | None:
    """The domains with `slot` holding class c (its free neighbours pruned); None if one empties."""
    doms = dict(p.doms if doms is None else doms)
    if slot in p.free:
        doms[slot] &= 1 << c
        if not doms[slot]:
            return None
    for nb in p.t.neighbors[slot]:
        if nb in p.free and nb != slot:
            doms[nb] &= p.compat[(slot, nb)][c]
            if not doms[nb]:
                return None
    return doms


def _try_class(p: _Problem, slot: str, c: int, doms: dict[str, int] | None = None) -> bool:
    """Is there a completion with `slot` holding class c?"""
    doms = _assume(p, slot, c, doms)
    if doms is None:
        return False
    found = _solve(doms, p.free, p.t, p.compat)
    if found is None:
        return False
    _witness(p, {**found, slot: c})
    return True


# --------------------------------------------------------------------------- public answers


@dataclass(frozen=True)
class SlotDeadEnds:
    """Candidates of one slot that fit the chosen parts but no complete kit can hold."""

    slot: str
    mask: int  # positions (in the category's page order) of dead-end parts
    problem: _Problem | None = None

    def explain(self, part: Part) -> Violation:
        return _explain(self.problem, self.slot, part) if self.problem is not None else _dead(
            self.slot, part, (), "no complete kit holds it")


def slot_dead_ends(snapshot: Snapshot, index: Any, slot: str, candidates: int) -> SlotDeadEnds:
    """The dead ends among `candidates` (a bit set over the slot's category, forward-feasible parts)."""
    if not candidates:
        return SlotDeadEnds(slot, 0)
    p = _problem(snapshot, index, slot)
    t = p.t
    if p.blocked is not None:
        return SlotDeadEnds(slot, candidates, p)
    classes = t.classes[slot]
    dead = 0
    # The candidate classes: those of the forward-feasible parts.
    present = 0
    for c, mask in enumerate(classes.masks):
        if mask & candidates:
            present |= 1 << c
    _solvable(p)
    if p.solved is False:
        return SlotDeadEnds(slot, candidates, p)
    level_slot = bool(p.ctx.kits and t.formula and slot == MAGNET and ROTOR_CORE in p.free)
    if level_slot:
        bits = present
        while bits:
            low = bits & -bits
            bits ^= low
            dead |= _magnet_levels(p, low.bit_length() - 1, candidates)
        return SlotDeadEnds(slot, dead & candidates, p)
    decided = p.decided.setdefault(slot, [0, 0])
    bits = present & ~(decided[0] | decided[1])
    while bits:
        low = bits & -bits
        c = low.bit_length() - 1
        bits ^= low
        if p.witnessed.get(slot, 0) & low or _try_class(p, slot, c):
            decided[0] |= low
        else:
            decided[1] |= low
    bits = present & decided[1]
    while bits:
        low = bits & -bits
        dead |= classes.masks[low.bit_length() - 1]
        bits ^= low
    return SlotDeadEnds(slot, dead & candidates, p)


def _magnet_levels(p: _Problem, c: int, candidates: int) -> int:
    """Dead magnets of class c: those whose own capacity no completing rotor core's formula fits."""
    t = p.t
    rotors, magnets = t.classes[ROTOR_CORE], t.classes[MAGNET]
    rm = t.compat[(MAGNET, ROTOR_CORE)][c] & p.doms[ROTOR_CORE]
    by_q: dict[int, int] = {}
    bits = rm
    while bits:
        low = bits & -bits
        r = low.bit_length() - 1
        bits ^= low
        q = max(magnet_quantity(rotors.reps[r].specs, magnets.reps[c].specs), 1)
        by_q[q] = by_q.get(q, 0) | low
    allowed = 0
    for q in sorted(by_q):
        allowed |= by_q[q]
        doms = dict(p.doms)
        doms[ROTOR_CORE] = allowed
        if _try_class(p, MAGNET, c, doms):
            return magnets.masks[c] & candidates & ~p.ctx.magnets_delivering(t, q)
    return magnets.masks[c] & candidates


def _dead(slot: str, part: Part, slots: Sequence[str], reason: str) -> Violation:
    from configurator.domain.context import slot_rank

    blocked = sorted(set(slots) - {slot}, key=slot_rank)
    names = ", ".join(_label(s) for s in blocked)
    head = f"{_label(slot)} {part.sku} fits the parts chosen, but no complete kit holds it"
    if names:
        head += f": {names} could no longer be filled"
    return Violation(DEAD_END, ERROR, f"{head} ({reason})", tuple(sorted({slot, *blocked}, key=slot_rank)),
                     (part.sku,))


def _explain(p: _Problem, slot: str, part: Part) -> Violation:
    """Which slots could no longer be filled with `part` in `slot`, and the chain that blocks them."""
    if p.blocked is not None:
        return _dead(slot, part, p.blocked_slots, p.blocked)
    t = p.t
    c = t.classes[slot].class_of(part, t.cis[slot].position.get(part.sku))
    if c is None:
        return _dead(slot, part, (), "it is not in the catalog")
    if p.ctx.kits and slot == MAGNET:  # capacity is the part's own: no sharing within the class
        return _explain_class(p, slot, part, c)
    cached = p.explained.get((slot, c))
    if cached is None:
        cached = p.explained[(slot, c)] = (part.sku, _explain_class(p, slot, part, c))
    sku, found = cached
    if sku == part.sku:
        return found
    # The class's reason, told for this part: its SKU as a whole word only (a plain replace
    # also renamed "K1-PLATE" to "K2-PLATE" in the reason for shaft K2, a part that is not
    # in the catalog).
    told = re.sub(rf"(?<![\w.-]){re.escape(sku)}(?![\w.-])", lambda _m: part.sku, found.message)
    return replace(found, message=told, skus=(part.sku,))


def _explain_class(p: _Problem, slot: str, part: Part, c: int) -> Violation:
    t = p.t
    chosen = p.fixed.get(MAGNET, ())
    if p.ctx.kits and t.formula and slot == ROTOR_CORE and chosen:
        # The chosen magnet fits but cannot deliver this rotor core's count: say that, not
        # which other slots a search without the magnet's capacity finds blocked.
        magnet = chosen[0][0]
        q = max(magnet_quantity(part.specs, magnet.specs), 1)
        if not p.ctx.delivers(magnet, q):
            return _dead(slot, part, (), f"it takes {q} magnets a kit; {_can_deliver(p, magnet)}")
    doms = dict(p.doms)
    if slot in p.free:
        doms[slot] = 1 << c
    for nb in t.neighbors[slot]:
        if nb in p.free and nb != slot:
            doms[nb] &= p.compat[(slot, nb)][c]
            if not doms[nb]:
                return _dead(slot, part, (nb,), _direct(p, slot, part, nb))
    # A smallest set of free slots that cannot be filled together with the part.
    blocking = [s for s in p.free if s != slot]
    for s in list(blocking):
        trial = [x for x in blocking if x != s]
        if _solve(doms, trial + ([slot] if slot in p.free else []), t, p.compat) is None:
            blocking = trial
    if not blocking:
        if p.ctx.kits and slot == MAGNET:
            return _dead(slot, part, (ROTOR_CORE,),
                         f"no rotor core it fits takes a magnet count within {part.sku}'s annual "
                         f"capacity of {part.annual_capacity:,}{_booked_note(p, part)} for "
                         f"{p.ctx.kits:,} kits a year")
        return _dead(slot, part, (), "the chosen parts leave no completion")
    return _dead(slot, part, blocking, _chain(p, slot, part, c, doms, blocking))


def _cheapest_part(p: _Problem, slot: str, class_bits: int) -> Part | None:
    classes, ci = p.t.classes[slot], p.t.cis[slot]
    mask = 0
    bits = class_bits
    while bits:
        low = bits & -bits
        mask |= classes.masks[low.bit_length() - 1]
        bits ^= low
    mask &= p.ctx.unary_ok[slot]
    if not mask:
        return None
    return ci.parts[(mask & -mask).bit_length() - 1]


def _example(p: _Problem, lines: Iterable[Line], slot: str) -> str:
    snapshot = replace(p.snapshot, lines=tuple(lines))
    errors = [v for v in evaluate(snapshot).errors if slot in v.slots and v.code != CAPACITY]
    return errors[0].message if errors else ""


def _line(p: _Problem, slot: str, part: Part, rotor: Part | None = None) -> Line:
    from configurator.domain.options import default_quantity

    base = p.snapshot
    if rotor is not None and slot == MAGNET:
        base = replace(base, lines=(Line(ROTOR_CORE, rotor, 1),))
    return Line(slot, part, default_quantity(base, slot, part))


def _held_lines(p: _Problem) -> list[Line]:
    return [Line(s, part, _line(p, s, part).quantity) for s, held in p.fixed.items() for part, _c in held]


def _booked_note(p: _Problem, magnet: Part) -> str:
    return " less what other orders booked" if any(sku == magnet.sku for sku, _y in p.ctx.booked) else ""


def _can_deliver(p: _Problem, magnet: Part) -> str:
    return (f"magnet {magnet.sku} can deliver {max(p.ctx.magnet_count_left(magnet), 0):,} a kit for "
            f"{p.ctx.kits:,} kits a year (annual capacity {magnet.annual_capacity:,}"
            f"{_booked_note(p, magnet)})")


def _direct(p: _Problem, slot: str, part: Part, nb: str) -> str:
    """No class of `nb` that the chosen parts allow fits the part: say so, with one example's numbers."""
    if slot == ROTOR_CORE and nb == MAGNET and p.ctx.kits and p.t.formula:
        # Magnets that fit the rotor core but cannot deliver its count: capacity, not fit.
        c = p.t.classes[slot].class_of(part, p.t.cis[slot].position.get(part.sku))
        fitting = None if c is None else _cheapest_part(p, nb, p.t.compat[(slot, nb)][c] & p.doms[nb])
        if fitting is not None:
            q = max(magnet_quantity(part.specs, fitting.specs), 1)
            return (f"no magnet that fits {_label(slot)} {part.sku} can deliver its {q} magnets a kit; "
                    f"e.g. {_can_deliver(p, fitting)}")
    sample = _cheapest_part(p, nb, p.doms[nb])
    what = f"no {_label(nb)} that fits the chosen parts and requirements fits {_label(slot)} {part.sku}"
    if not p.fixed:
        what = f"no {_label(nb)} that meets the requirements fits {_label(slot)} {part.sku}"
    if sample is None:
        return what
    lines = [ln for ln in _held_lines(p) if ln.slot not in (slot, nb)]
    lines += [_line(p, slot, part), _line(p, nb, sample, part if slot == ROTOR_CORE else None)]
    example = _example(p, lines, nb)
    return f"{what}; e.g. {example}" if example else what


def _chain(p: _Problem, slot: str, part: Part, c: int, doms: dict[str, int], blocking: list[str]) -> str:
    """Every choice for the first blocking slot leaves the others unfillable: one example chain."""
    names = " and ".join(_label(s) for s in blocking)
    head = f"no {names} fit together with {_label(slot)} {part.sku}"
    first = blocking[0]
    sample = _cheapest_part(p, first, doms[first])
    if sample is None or len(blocking) < 2:
        return head
    second = blocking[1]
    sc = p.t.classes[first].class_of(sample, p.t.cis[first].position.get(sample.sku))
    if sc is None or (first, second) not in p.compat:
        return f"{head}; e.g. with {_label(first)} {sample.sku}"
    other = _cheapest_part(p, second, doms[second])
    if other is None:
        return f"{head}; e.g. with {_label(first)} {sample.sku}"
    lines = [ln for ln in _held_lines(p) if ln.slot not in (slot, first, second)]
    lines += [_line(p, slot, part), _line(p, first, sample), _line(p, second, other)]
    example = _example(p, lines, second)
    if not example:
        return f"{head}; e.g. with {_label(first)} {sample.sku}"
    near = set(p.t.neighbors[slot])
    both = (f"{_label(slot)} {part.sku}" if first in near and second in near
            else "what is chosen")
    return (f"{head}: e.g. {_label(first)} {sample.sku} and {_label(second)} {other.sku} both fit "
            f"{both} but not each other: {example}")


# --------------------------------------------------------------------------- the whole kit


@dataclass(frozen=True)
class Completion:
    """Whether the kit can still be completed without an error, and if not why and what would relax it."""

    possible: bool
    reason: str = ""
    # The smallest set of choices, requirements, schedule years or policy that rules out every completion.
    causes: tuple[str, ...] = ()
    relax: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"possible": self.possible, "reason": self.reason, "causes": list(self.causes),
                "relax": list(self.relax)}


def completable(snapshot: Snapshot, index: Any) -> bool:
    """A complete kit with no error exists that holds every chosen part (quantities aside)."""
    return _solvable(_problem(snapshot, index, None))


@dataclass(frozen=True)
class _Assumption:
    key: str
    cause: str
    relax: str

    def drop(self, snapshot: Snapshot) -> Snapshot:
        kind, _sep, what = self.key.partition(":")
        if kind == "line":
            return replace(snapshot, lines=tuple(ln for ln in snapshot.lines if ln.slot != what))
        if kind == "req":
            return replace(snapshot, requirements=replace(snapshot.requirements, **{what: None}))
        if kind == "policy":
            return replace(snapshot, policy=BUILTIN_POLICIES["none"])
        if kind == "year":
            return replace(snapshot, schedule=tuple(s for s in snapshot.schedule if str(s.year) != what))
        raise ValueError(self.key)


def _assumptions(snapshot: Snapshot) -> list[_Assumption]:
    out = []
    for slot in dict.fromkeys(ln.slot for ln in snapshot.lines):
        skus = ", ".join(sorted({ln.part.sku for ln in snapshot.lines if ln.slot == slot}))
        out.append(_Assumption(f"line:{slot}", f"the chosen {_label(slot)} {skus}",
                               f"choose another {_label(slot)} than {skus}"))
    req = snapshot.requirements
    words = {"dc_bus_voltage_v": ("DC bus voltage", "V", "lower"),
             "max_speed_rpm": ("maximum speed", "rpm", "lower"),
             "max_magnet_temp_c": ("magnet temperature", "°C", "lower"),
             "max_winding_temp_c": ("winding temperature", "°C", "lower")}
    for name, (label, unit, verb) in words.items():
        value = getattr(req, name)
        if value is not None:
            out.append(_Assumption(f"req:{name}", f"the required {label} of {value} {unit}",
                                   f"{verb} the required {label} ({value} {unit})"))
    for year, kits in delivery_years(snapshot.schedule).items():
        out.append(_Assumption(f"year:{year}", f"{kits:,} kits in {year}",
                               f"lower the {year} volume or move its first delivery later"))
    if snapshot.policy.code != "none":
        out.append(_Assumption("policy:", f"the sourcing policy {snapshot.policy.code}",
                               f"allow suppliers that {snapshot.policy.code} excludes (another policy)"))
    return out


def completion_status(snapshot: Snapshot, index: Any) -> Completion:
    """Possible, or the smallest set of assumptions that rules out every completion (deletion filter)."""
    p = _problem(snapshot, index, None)
    if _solvable(p):
        return Completion(True)
    assumptions = _assumptions(snapshot)
    needed = list(assumptions)
    for a in assumptions:
        trial = [x for x in needed if x is not a]
        relaxed = snapshot
        for x in assumptions:
            if x not in trial:
                relaxed = x.drop(relaxed)
        if not completable(relaxed, index):
            needed = trial
    reason = p.blocked or "no complete kit without an error holds every part chosen"
    if not needed:
        return Completion(False, reason)
    causes = tuple(a.cause for a in needed)
    lead = reason if p.blocked else "no complete kit without an error exists with " + "; ".join(causes)
    return Completion(False, lead, causes, tuple(a.relax for a in needed))
