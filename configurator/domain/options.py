"""Guided options: the catalog parts that fit a slot, given everything else chosen.

A candidate for slot S is judged the way a buyer would get it by choosing it:
it replaces whatever S holds, with the default quantity (magnets: the formula
with the chosen rotor core, otherwise the slot minimum, at least 1; choosing a
rotor core re-derives the magnet count by the formula, so the magnets' quantity
check is not blamed on the candidate). It is feasible when no error-severity
violation *involving S* follows (`violations_involving`, domain.md section 4):
an empty slot elsewhere hides nothing, and another slot's own trouble is not the
candidate's. `candidate_snapshot()` builds exactly that kit, so callers (and the
property tests) can check any option against the full engine.

How it stays fast on 100k parts
-------------------------------
Running every candidate through the rules costs ~100 us each. Instead the
`CatalogIndex` keeps, per category, the parts in page order (cheapest reference
price, then lead time, then SKU) and bit sets over those positions (Python ints):

* per numeric spec a sorted array with prefix bit sets every few hundred
  entries, so "width > 17.98" is a bisect plus a few hundred bit sets at most;
* per categorical spec (poles, slots, fit, insulation class...) a bit set per
  value;
* per supply-chain signature (supplier and declared stages) a bit set, so a
  policy version is judged once per distinct chain, not once per part.

Each rule is inverted: from the other chosen parts and the requirements it
derives the admissible values of the candidate's specs and yields the bit set
of candidates it excludes. Counts per code, the feasible set and the page
order are then a few big-int operations and `int.bit_count()`. Only the page
items are run through the engine (on the slots the candidate's rules read),
which gives them their messages with numbers and double-checks the bit sets.

Parts the bit sets cannot judge exactly (a non-finite spec value, a rotor core
whose magnet formula is not positive, a part whose SKU is also on another line)
are judged one by one with the engine; in a cleaned catalog there are none.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from math import gcd
from types import MappingProxyType
from typing import Any

from configurator.domain import codes
from configurator.domain.context import KitContext
from configurator.domain.engine import _sort_key, violations_involving
from configurator.domain.rules import (
    AIR_GAP_ERROR_MAX,
    AIR_GAP_ERROR_MIN,
    END_PLATE_BORE_CLEARANCE_MAX,
    END_PLATE_BORE_CLEARANCE_MIN,
    INSULATION_CLASS_TEMP_C,
    KEYED_FIT_MAX,
    KEYED_FIT_MIN,
    MAGNET_MIN_CLEARANCE,
    MIN_SLOTS_PER_POLE_PER_PHASE,
    PD_FREE_ABOVE_V,
    PHASES,
    PRESS_FIT_MAX,
    PRESS_FIT_MIN,
    RESOLVER_BORE_MAX_DIFFERENCE,
    RULES,
    STACK_INSULATION_STATOR_MAX,
    STACK_ROTOR_STATOR_MAX,
    STACK_WINDING_STATOR_MAX,
    WINDING_SLOT_TYPE,
)
from configurator.domain.sourcing import (
    CAPACITY,
    CONCENTRATION,
    ENTITY_RESTRICTED,
    LEAD_TIME,
    ORIGIN_EXCLUDED,
    ORIGIN_UNKNOWN,
    PolicyVersion,
    SourcingPolicy,
    _policy_findings,
    delivery_years,
    policy_violations,
)
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
from configurator.domain.units import to_decimal, to_int

__all__ = [
    "SOURCING_ERROR_CODES",
    "CatalogIndex",
    "Option",
    "SlotOptions",
    "all_slot_options",
    "candidate_snapshot",
    "cheapest_feasible",
    "cost_per_kit",
    "default_quantity",
    "part_policy_violations",
    "parts_satisfying_policy",
    "slot_options",
]

_log = logging.getLogger(__name__)

SLOT_REQUIRED = codes.SLOT_REQUIRED
SLOT_QUANTITY = codes.SLOT_QUANTITY
SLOT_CATEGORY = codes.SLOT_CATEGORY
PART_INACTIVE = codes.PART_INACTIVE
_STRUCTURE_CODES = frozenset({SLOT_REQUIRED, SLOT_QUANTITY, SLOT_CATEGORY, PART_INACTIVE})

#: The error codes a sourcing policy can give one part on its own.
SOURCING_ERROR_CODES = frozenset({ORIGIN_EXCLUDED, ORIGIN_UNKNOWN, ENTITY_RESTRICTED})


def _neighbour_slots() -> dict[str, frozenset[str]]:
    """Per slot, the slots whose parts the slot's compatibility rules read (itself included)."""
    out: dict[str, frozenset[str]] = {}
    for slot in SLOT_ORDER:
        near = {slot}
        for rule in RULES:
            if rule.code not in _STRUCTURE_CODES and slot in rule.slots:
                near.update(rule.slots)
        if slot in (ROTOR_CORE, MAGNET):  # the magnet formula ties the two
            near.update((ROTOR_CORE, MAGNET))
        out[slot] = frozenset(near)
    return out


_NEIGHBOURS = _neighbour_slots()


# --------------------------------------------------------------------------- bit sets


def _bits(positions: Iterable[int], nbytes: int) -> int:
    """The bit set with these positions set (through a bytearray: one big int, not one per bit)."""
    buffer = bytearray(nbytes)
    for p in positions:
        buffer[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(buffer, "little")


def _positions(mask: int, skip: int, take: int) -> list[int]:
    """The positions of set bits number skip .. skip + take - 1 (lowest first)."""
    if take <= 0 or mask == 0:
        return []
    text = format(mask, "b")[::-1]
    start = 0
    if skip:
        chunk = 4096
        while True:
            ones = text.count("1", start, start + chunk)
            if ones > skip:
                break
            skip -= ones
            start += chunk
            if start >= len(text):
                return []
    i = text.find("1", start)
    while skip and i != -1:
        i = text.find("1", i + 1)
        skip -= 1
    out: list[int] = []
    while i != -1 and len(out) < take:
        out.append(i)
        i = text.find("1", i + 1)
    return out


def _has(mask: int, position: int) -> bool:
    return (mask >> position) & 1 == 1


class _Sorted:
    """One numeric value per part (those that have one), sorted, with prefix bit sets.

    `first(k)` is the bit set of the k smallest entries: a stored prefix plus or
    minus at most half a block of single bits.
    """

    __slots__ = ("block", "nbytes", "positions", "prefix", "present", "values")

    def __init__(self, pairs: list[tuple[Any, int]], nbytes: int) -> None:
        pairs.sort(key=lambda pair: pair[0])
        self.values = [value for value, _p in pairs]
        self.positions = [p for _v, p in pairs]
        self.nbytes = nbytes
        n = len(pairs)
        self.block = max(64, -(-n // 256))
        prefix = [0]
        current = 0
        for start in range(0, n, self.block):
            current |= _bits(self.positions[start : start + self.block], nbytes)
            prefix.append(current)
        self.prefix = prefix
        self.present = current

    def first(self, k: int) -> int:
        n = len(self.values)
        if k <= 0:
            return 0
        if k >= n:
            return self.present
        b, r = divmod(k, self.block)
        if r == 0:
            return self.prefix[b]
        lo = b * self.block
        hi = min(lo + self.block, n)
        if r <= (hi - lo) // 2:
            return self.prefix[b] | _bits(self.positions[lo:k], self.nbytes)
        return self.prefix[b + 1] ^ _bits(self.positions[k:hi], self.nbytes)

    def span(self, i: int, j: int) -> int:
        return self.first(j) ^ self.first(i) if j > i else 0

    def lt(self, t: Any) -> int:
        return self.first(bisect_left(self.values, t))

    def le(self, t: Any) -> int:
        return self.first(bisect_right(self.values, t))

    def gt(self, t: Any) -> int:
        return self.present ^ self.le(t)

    def ge(self, t: Any) -> int:
        return self.present ^ self.lt(t)

    def outside(self, lo: Any, hi: Any) -> int:
        """Values below lo or above hi."""
        return self.lt(lo) | self.gt(hi)


class _Buckets:
    """One bit set per distinct value of a categorical spec (parts without one are in none)."""

    __slots__ = ("masks", "present")

    def __init__(self, groups: dict[Any, list[int]], nbytes: int) -> None:
        self.masks = {key: _bits(positions, nbytes) for key, positions in groups.items()}
        present = 0
        for mask in self.masks.values():
            present |= mask
        self.present = present

    def get(self, key: Any) -> int:
        try:
            return self.masks.get(key, 0)
        except TypeError:  # an unhashable key equals no stored value
            return 0

    def where(self, predicate: Callable[[Any], bool]) -> int:
        out = 0
        for key, mask in self.masks.items():
            if predicate(key):
                out |= mask
        return out


class _Unhashable:
    """Stands for a spec value that cannot be a dict key (it equals no other value)."""

    def __repr__(self) -> str:
        return "<unhashable>"


def _finite_decimal(value: Any) -> tuple[Decimal | None, bool]:
    """(value, ok): ok is False for NaN and infinities, which no bisect can order."""
    number = to_decimal(value)
    if number is None:
        return None, True
    if not number.is_finite():
        return None, False
    return number, True


_KEYS: dict[str, Callable[[Part, str, Any], Any]] = {
    "int": lambda part, field, _d: to_int(part.specs.get(field)),
    "str": lambda part, field, default: str(part.specs.get(field, default)),
    "raw": lambda part, field, _d: part.specs.get(field),
    "true": lambda part, field, _d: part.specs.get(field) is True,
}


class _CategoryIndex:
    """The parts of one category in page order, and lazily built bit sets over them."""

    def __init__(self, category: str, parts: Sequence[Part]) -> None:
        self.category = category
        self.parts: tuple[Part, ...] = tuple(sorted(parts, key=_page_key))
        self.n = len(self.parts)
        self.nbytes = (self.n >> 3) + 1
        self.all = (1 << self.n) - 1
        self.position = {part.sku: i for i, part in enumerate(self.parts)}
        self._cache: dict[Any, Any] = {}
        self._lock = threading.RLock()

    def _cached(self, key: Any, build: Callable[[], Any]) -> Any:
        value = self._cache.get(key)
        if value is None:
            with self._lock:
                value = self._cache.get(key)
                if value is None:
                    value = build()
                    self._cache[key] = value
        return value

    # -- numeric specs

    def num(self, field: str) -> _Sorted:
        """Decimal spec values, as `to_decimal` reads them (the engine's `_dec`)."""

        def build() -> _Sorted:
            pairs, bad = [], []
            for i, part in enumerate(self.parts):
                number, ok = _finite_decimal(part.specs.get(field))
                if not ok:
                    bad.append(i)
                elif number is not None:
                    pairs.append((number, i))
            self._cache[("bad", field)] = _bits(bad, self.nbytes)
            return _Sorted(pairs, self.nbytes)

        return self._cached(("num", field), build)

    def ints(self, field: str) -> _Sorted:
        """Integer spec values, as `to_int` reads them (the engine's `_int`)."""

        def build() -> _Sorted:
            pairs = []
            for i, part in enumerate(self.parts):
                number = to_int(part.specs.get(field))
                if number is not None:
                    pairs.append((number, i))
            return _Sorted(pairs, self.nbytes)

        return self._cached(("ints", field), build)

    def attr(self, name: str) -> _Sorted:
        """An integer attribute of the part itself (annual_capacity, lead_time_days)."""
        return self._cached(
            ("attr", name),
            lambda: _Sorted([(getattr(part, name), i) for i, part in enumerate(self.parts)], self.nbytes),
        )

    def buckets(self, kind: str, field: str, default: Any = None) -> _Buckets:
        def build() -> _Buckets:
            read = _KEYS[kind]
            groups: dict[Any, list[int]] = {}
            for i, part in enumerate(self.parts):
                key = read(part, field, default)
                if key is None and kind == "int":
                    continue
                try:
                    hash(key)
                except TypeError:
                    key = _Unhashable()
                groups.setdefault(key, []).append(i)
            return _Buckets(groups, self.nbytes)

        return self._cached(("buckets", kind, field, default), build)

    def flag(self, name: str, predicate: Callable[[Part], bool]) -> int:
        return self._cached(
            ("flag", name),
            lambda: _bits((i for i, part in enumerate(self.parts) if predicate(part)), self.nbytes),
        )

    def irregular(self) -> int:
        """Parts with a NaN or infinite value in a spec some rule reads numerically."""
        out = 0
        for field in _DECIMAL_FIELDS.get(self.category, ()):
            self.num(field)
            out |= self._cache[("bad", field)]
        return out

    def suppliers(self) -> dict[str, int]:
        """Bit set per supplier code."""

        def build() -> dict[str, int]:
            groups: dict[str, list[int]] = {}
            for i, part in enumerate(self.parts):
                groups.setdefault(part.supplier_code, []).append(i)
            return {code: _bits(positions, self.nbytes) for code, positions in groups.items()}

        return self._cached("suppliers", build)

    def prices(self, units: int) -> _Sorted:
        """Unit prices at a year's units (tier by tier), sorted, cached per tier break."""
        breaks = self._cached(
            "tier_breaks", lambda: sorted({q for part in self.parts for q, _p in part.price_tiers} | {0})
        )
        brk = breaks[bisect_right(breaks, units) - 1] if units > 0 else -1

        def build() -> _Sorted:
            pairs = []
            for i, part in enumerate(self.parts):
                price = part.unit_price_at(brk) if brk >= 0 else part.reference_unit_price
                if price is not None:
                    pairs.append((price, i))
            return _Sorted(pairs, self.nbytes)

        return self._cached(("prices", brk), build)

    def matching(self, text: str) -> int:
        """Parts whose SKU, name or supplier (code or name) contains `text`, any case."""
        needle = text.strip().casefold()

        def build() -> int:
            return _bits(
                (
                    i
                    for i, part in enumerate(self.parts)
                    if needle in part.sku.casefold()
                    or needle in part.name.casefold()
                    or needle in part.supplier_code.casefold()
                    or needle in part.supplier_name.casefold()
                ),
                self.nbytes,
            )

        with self._lock:
            searches = self._cache.setdefault("searches", [])
            if ("search", needle) not in self._cache:
                searches.append(("search", needle))
                while len(searches) > 32:
                    self._cache.pop(searches.pop(0), None)
        return self._cached(("search", needle), build)

    @property
    def inactive(self) -> int:
        return self.flag("inactive", lambda part: not part.active)

    # -- sourcing

    def chains(self) -> list[tuple[Part, int]]:
        """One representative part and the bit set per supply-chain signature."""

        def build() -> list[tuple[Part, int]]:
            groups: dict[tuple, list[int]] = {}
            first: dict[tuple, Part] = {}
            for i, part in enumerate(self.parts):
                key = _chain_signature(part)
                groups.setdefault(key, []).append(i)
                first.setdefault(key, part)
            return [(first[key], _bits(positions, self.nbytes)) for key, positions in groups.items()]

        return self._cached("chains", build)

    def policy_masks(self, version: PolicyVersion, key: tuple, restricted: frozenset[str]) -> dict[str, int]:
        """Per sourcing error code, the parts one policy version excludes on their own."""

        def build() -> dict[str, int]:
            out: dict[str, int] = {}
            for part, mask in self.chains():
                for code in _part_error_codes(version.params, part, restricted):
                    out[code] = out.get(code, 0) | mask
            return out

        cache_key = ("policy", key)
        found = self._cache.get(cache_key)
        if found is not None:
            return found
        with self._lock:
            policy_keys = self._cache.setdefault("policy_keys", [])
            if cache_key not in self._cache:
                self._cache[cache_key] = build()
                policy_keys.append(cache_key)
                # Restricted-entity lists change; keep the few most recent versions only.
                while len(policy_keys) > 16:
                    self._cache.pop(policy_keys.pop(0), None)
            return self._cache[cache_key]


# Decimal spec fields the rules compare, per category (others are read as ints or labels).
_DECIMAL_FIELDS: dict[str, tuple[str, ...]] = {
    "rotor_core": (
        "outer_diameter_mm",
        "stack_length_mm",
        "pocket_width_mm",
        "pocket_thickness_mm",
        "pocket_length_mm",
        "bore_diameter_mm",
    ),
    "magnet": ("width_mm", "thickness_mm", "length_mm", "max_operating_temp_c"),
    "shaft": ("seat_diameter_mm",),
    "end_plate": ("outer_diameter_mm", "bore_diameter_mm"),
    "resolver": ("bore_diameter_mm",),
    "stator_core": ("inner_diameter_mm", "stack_length_mm"),
    "winding": ("stack_length_mm",),
    "insulation": ("stack_length_mm",),
}


def _page_key(part: Part) -> tuple:
    price = part.reference_unit_price
    return (price is None, price if price is not None else 0, part.lead_time_days, part.sku)


def _chain_signature(part: Part) -> tuple:
    """Everything a policy reads of a part on its own (not its SKU, specs or evidence)."""
    return (
        part.category,
        part.supplier_code,
        part.supplier_name,
        tuple((s.stage, s.country, s.company) for s in part.provenance),
    )


def _part_error_codes(params: Mapping[str, Any], part: Part, restricted: frozenset[str]) -> set[str]:
    findings = _policy_findings(params, [(part.category, part)], (), restricted)
    return {f.code for f in findings if f.severity == ERROR}


def _version_key(policy: SourcingPolicy, version: PolicyVersion, restricted: frozenset[str]) -> tuple:
    # The restricted list only matters to versions that match entities.
    entities = restricted if version.params.get("restricted_entities") else frozenset()
    return (policy.code, version.version, version.effective_from, entities)


class CatalogIndex:
    """The whole catalog, indexed for guided options; build once, share across requests.

    Immutable from the outside; the bit sets it derives are built on first use
    (thread-safe) and kept, so the first request after a catalog change pays
    for them. `warm()` builds them ahead.
    """

    def __init__(self, categories: dict[str, _CategoryIndex], by_sku: dict[str, Part]) -> None:
        self._categories = categories
        self._by_sku = by_sku
        self._empty: dict[str, _CategoryIndex] = {}
        self._satisfying: dict[tuple, frozenset[str]] = {}
        self._lock = threading.Lock()

    @classmethod
    def build(cls, parts: Iterable[Part]) -> CatalogIndex:
        by_sku: dict[str, Part] = {}
        grouped: dict[str, list[Part]] = {}
        for part in parts:
            if part.sku in by_sku:
                raise ValueError(f"duplicate SKU {part.sku!r} in the catalog")
            by_sku[part.sku] = part
            grouped.setdefault(part.category, []).append(part)
        return cls({c: _CategoryIndex(c, ps) for c, ps in grouped.items()}, by_sku)

    def _category(self, category: str) -> _CategoryIndex:
        found = self._categories.get(category)
        if found is None:
            with self._lock:
                found = self._empty.setdefault(category, _CategoryIndex(category, ()))
        return found

    def parts_in(self, category: str) -> Sequence[Part]:
        """The category's parts in page order: cheapest reference price, then lead time, then SKU."""
        found = self._categories.get(category)
        return found.parts if found is not None else ()

    def categories(self) -> tuple[str, ...]:
        return tuple(sorted(self._categories))

    def get(self, sku: str) -> Part | None:
        return self._by_sku.get(sku)

    def __len__(self) -> int:
        return len(self._by_sku)

    def __contains__(self, sku: object) -> bool:
        return sku in self._by_sku

    def warm(self) -> CatalogIndex:
        """Build every bit set the rules use now rather than on the first request."""
        for category, ci in self._categories.items():
            ci.irregular()
            ci.inactive  # noqa: B018  (builds the cached bit set)
            ci.chains()
            ci.suppliers()
            ci.attr("annual_capacity")
            ci.attr("lead_time_days")
            for field in _INT_FIELDS.get(category, ()):
                ci.ints(field)
                ci.buckets("int", field)
            for kind, field, default in _LABEL_FIELDS.get(category, ()):
                ci.buckets(kind, field, default)
        return self


_INT_FIELDS: dict[str, tuple[str, ...]] = {
    "rotor_core": ("poles", "max_speed_rpm"),
    "shaft": ("max_speed_rpm",),
    "stator_core": ("slots",),
    "winding": ("slots", "poles", "phases", "voltage_class_v"),
    "insulation": ("voltage_class_v", "slots"),
    "busbar": ("phases", "voltage_class_v", "slots"),
    "resolver": ("pole_pairs",),
}
_LABEL_FIELDS: dict[str, tuple[tuple[str, str, Any], ...]] = {
    "shaft": (("raw", "fit", None),),
    "stator_core": (("raw", "slot_type", None),),
    "winding": (("str", "insulation_class", ""), ("str", "type", None)),
    "insulation": (("str", "insulation_class", ""), ("true", "pd_free", None)),
}


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


def _minimum(slot_def: SlotDef | None) -> int:
    return max(slot_def.min_qty, 1) if slot_def is not None else 1


def default_quantity(snapshot: Snapshot, slot: str, part: Part) -> int:
    """The quantity a part takes when chosen for `slot`.

    Magnets follow the formula with the chosen rotor core (the first by SKU if
    the slot holds several); otherwise, and when the formula gives no magnet,
    the slot's minimum, at least 1.
    """
    slot_def = snapshot.template.slot(slot)
    if _follows_formula(slot, slot_def) and _is_magnet(snapshot.template, part):
        rotors = _fitting(snapshot, ROTOR_CORE)
        if rotors:
            quantity = magnet_quantity(rotors[0].specs, part.specs)
            if quantity >= 1:
                return quantity
    return _minimum(slot_def)


def _follows_formula(slot: str, slot_def: SlotDef | None) -> bool:
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


def _engine_errors(snapshot: Snapshot, slot: str, part: Part, quantity: int) -> tuple[Violation, ...]:
    judged = _confirm_snapshot(snapshot, slot, part, quantity)
    return tuple(v for v in violations_involving(judged, slot) if v.severity == ERROR)


def _codes_of(errors: Iterable[Violation]) -> tuple[str, ...]:
    return tuple(sorted({v.code for v in errors}))


# --------------------------------------------------------------------------- the rules, inverted


def _combination_fails(slots: int, poles: int) -> bool:
    """SlotPole._combination reports something for this slot/pole pair."""
    if slots <= 0 or slots % PHASES:
        return True
    if poles <= 0 or poles % 2:
        return True
    if Fraction(slots, PHASES * poles) < MIN_SLOTS_PER_POLE_PER_PHASE:
        return True
    return slots % (PHASES * gcd(slots, poles // 2)) != 0


def _dec(part: Part, field: str) -> Decimal | None:
    return to_decimal(part.specs.get(field))


def _int(part: Part, field: str) -> int | None:
    return to_int(part.specs.get(field))


def _class_temp(part: Part) -> int | None:
    return INSULATION_CLASS_TEMP_C.get(str(part.specs.get("insulation_class", "")))


class _Masks:
    def __init__(self) -> None:
        self.by_code: dict[str, int] = {}

    def add(self, code: str, mask: int) -> None:
        if mask:
            self.by_code[code] = self.by_code.get(code, 0) | mask


class _Judge:
    """Everything about one slot of one snapshot that does not depend on the candidate."""

    def __init__(self, snapshot: Snapshot, index: CatalogIndex, slot: str) -> None:
        slot_def = snapshot.template.slot(slot)
        if slot_def is None:
            raise KeyError(f"{slot!r} is not a slot of {snapshot.template.code}")
        self.snapshot = snapshot
        self.slot = slot
        self.slot_def = slot_def
        self.ci = index._category(slot_def.category)
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
        if _follows_formula(slot, slot_def):
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
        return _minimum(self.slot_def)

    # -- the whole judgement

    def run(self) -> dict[str, int]:
        ci, m = self.ci, self.masks
        if ci.n == 0:
            return {}
        structure = self.slot in SLOT_ORDER  # violations_involving runs the structure rules for these
        if structure:
            m.add(PART_INACTIVE, ci.inactive)
        self._quantity_and_capacity(structure)
        compat = _COMPAT.get(self.slot)
        if compat is not None:
            compat(self)
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
        for position in _positions(mask, 0, mask.bit_count()):
            part = self.ci.parts[position]
            errors = _engine_errors(self.snapshot, self.slot, part, self.quantity(part))
            for code in _codes_of(errors):
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
            key = _version_key(policy, version, restricted)
            for code, mask in self.ci.policy_masks(version, key, restricted).items():
                self.masks.add(code, mask)

    def _quantity_and_capacity(self, structure: bool) -> None:
        ci, m, slot_def = self.ci, self.masks, self.slot_def
        kits = max(self.years.values(), default=0)
        capacity = ci.attr("annual_capacity") if kits else None
        minimum = _minimum(slot_def)
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
        per_segment = (_int(rotor, "poles") or 0) * (_int(rotor, "magnets_per_pole") or 0)
        pocket = _dec(rotor, "pocket_length_mm")
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
            m.add(SLOT_QUANTITY, _bits(quantity_bad, ci.nbytes))
        m.add(CAPACITY, _bits(capacity_bad, ci.nbytes))


# -- per slot: the compatibility rules that read it, from the candidate's side


def _rotor_core(j: _Judge) -> None:
    ci, ctx, m, req = j.ci, j.ctx, j.masks, j.req
    outer = ci.num("outer_diameter_mm")
    for stator in ctx.parts(STATOR_CORE):
        bore = _dec(stator, "inner_diameter_mm")
        if bore is not None:  # gap <= 0.25 or gap >= 1.5
            m.add(
                codes.AIR_GAP, outer.ge(bore - 2 * AIR_GAP_ERROR_MIN) | outer.le(bore - 2 * AIR_GAP_ERROR_MAX)
            )
        stack = _dec(stator, "stack_length_mm")
        if stack is not None:
            m.add(
                codes.STACK_LENGTH,
                ci.num("stack_length_mm").outside(
                    stack - STACK_ROTOR_STATOR_MAX, stack + STACK_ROTOR_STATOR_MAX
                ),
            )
    poles = ci.buckets("int", "poles")
    for winding in ctx.parts(WINDING):
        winding_poles = _int(winding, "poles")
        if winding_poles is not None:
            m.add(codes.SLOT_POLE, poles.present & ~poles.get(winding_poles))
    for source in ctx.parts(STATOR_CORE) or ctx.parts(WINDING):
        slots = _int(source, "slots")
        if slots is not None:
            m.add(codes.SLOT_POLE, poles.where(lambda p, q=slots: _combination_fails(q, p)))
    for magnet in ctx.parts(MAGNET):
        for dimension in ("width", "thickness"):
            size = _dec(magnet, f"{dimension}_mm")
            if size is not None:
                m.add(codes.MAGNET_FIT, ci.num(f"pocket_{dimension}_mm").lt(size + MAGNET_MIN_CLEARANCE))
        length = _dec(magnet, "length_mm")
        if length is not None:
            m.add(codes.MAGNET_FIT, ci.num("pocket_length_mm").lt(length))
    if req.max_speed_rpm is not None:
        m.add(codes.ROTOR_SPEED, ci.ints("max_speed_rpm").lt(req.max_speed_rpm))
    bores = ci.num("bore_diameter_mm")
    for shaft in ctx.parts(SHAFT):
        seat = _dec(shaft, "seat_diameter_mm")
        if seat is None:
            continue
        fit = shaft.specs.get("fit")
        if fit == "press":  # interference seat - bore within 0.01..0.10
            m.add(codes.SHAFT_FIT, bores.outside(seat - PRESS_FIT_MAX, seat - PRESS_FIT_MIN))
        elif fit == "keyed":  # clearance bore - seat within 0..0.05
            m.add(codes.SHAFT_FIT, bores.outside(seat + KEYED_FIT_MIN, seat + KEYED_FIT_MAX))
        else:
            m.add(codes.SHAFT_FIT, bores.present)
    for plate in ctx.parts(END_PLATE):
        plate_outer = _dec(plate, "outer_diameter_mm")
        if plate_outer is not None:
            m.add(codes.END_PLATE_FIT, outer.lt(plate_outer))
    for resolver in ctx.parts(RESOLVER):
        pairs = _int(resolver, "pole_pairs")
        if pairs is not None and pairs != 1:
            m.add(codes.RESOLVER_POLES, poles.present & ~poles.get(2 * pairs))
    _rotor_magnet_formula(j)


def _rotor_magnet_formula(j: _Judge) -> None:
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
            lambda part: (_int(part, "poles") or 0) * (_int(part, "magnets_per_pole") or 0) < 1,
        )
    else:
        candidates = ci.all
    bad = []
    for position in _positions(candidates, 0, candidates.bit_count()):
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
    j.masks.add(SLOT_QUANTITY, _bits(bad, ci.nbytes))


def _magnet(j: _Judge) -> None:
    ci, ctx, m, req = j.ci, j.ctx, j.masks, j.req
    for rotor in ctx.parts(ROTOR_CORE):
        for dimension in ("width", "thickness"):
            pocket = _dec(rotor, f"pocket_{dimension}_mm")
            if pocket is not None:
                m.add(codes.MAGNET_FIT, ci.num(f"{dimension}_mm").gt(pocket - MAGNET_MIN_CLEARANCE))
        pocket_length = _dec(rotor, "pocket_length_mm")
        if pocket_length is not None:
            m.add(codes.MAGNET_FIT, ci.num("length_mm").gt(pocket_length))
    required = to_decimal(req.max_magnet_temp_c)
    if required is not None:
        m.add(codes.MAGNET_TEMP, ci.num("max_operating_temp_c").lt(required))


def _shaft(j: _Judge) -> None:
    ci, ctx, m, req = j.ci, j.ctx, j.masks, j.req
    if req.max_speed_rpm is not None:
        m.add(codes.ROTOR_SPEED, ci.ints("max_speed_rpm").lt(req.max_speed_rpm))
    seats = ci.num("seat_diameter_mm")
    fits = ci.buckets("raw", "fit")
    press, keyed = fits.get("press"), fits.get("keyed")
    for rotor in ctx.parts(ROTOR_CORE):
        bore = _dec(rotor, "bore_diameter_mm")
        if bore is None:
            continue
        m.add(codes.SHAFT_FIT, press & seats.outside(bore + PRESS_FIT_MIN, bore + PRESS_FIT_MAX))
        m.add(codes.SHAFT_FIT, keyed & seats.outside(bore - KEYED_FIT_MAX, bore - KEYED_FIT_MIN))
        m.add(codes.SHAFT_FIT, seats.present & ~(press | keyed))
    for plate in ctx.parts(END_PLATE):
        plate_bore = _dec(plate, "bore_diameter_mm")
        if plate_bore is not None:  # bore - seat within 0..1.0
            m.add(
                codes.END_PLATE_FIT,
                seats.outside(
                    plate_bore - END_PLATE_BORE_CLEARANCE_MAX, plate_bore - END_PLATE_BORE_CLEARANCE_MIN
                ),
            )
    for resolver in ctx.parts(RESOLVER):
        bore = _dec(resolver, "bore_diameter_mm")
        if bore is not None:  # |bore - seat| <= 0.10
            m.add(
                codes.RESOLVER_FIT,
                seats.outside(bore - RESOLVER_BORE_MAX_DIFFERENCE, bore + RESOLVER_BORE_MAX_DIFFERENCE),
            )


def _end_plate(j: _Judge) -> None:
    ci, ctx, m = j.ci, j.ctx, j.masks
    for rotor in ctx.parts(ROTOR_CORE):
        rotor_outer = _dec(rotor, "outer_diameter_mm")
        if rotor_outer is not None:
            m.add(codes.END_PLATE_FIT, ci.num("outer_diameter_mm").gt(rotor_outer))
    for shaft in ctx.parts(SHAFT):
        seat = _dec(shaft, "seat_diameter_mm")
        if seat is not None:  # bore - seat within 0..1.0
            m.add(
                codes.END_PLATE_FIT,
                ci.num("bore_diameter_mm").outside(
                    seat + END_PLATE_BORE_CLEARANCE_MIN, seat + END_PLATE_BORE_CLEARANCE_MAX
                ),
            )


def _resolver(j: _Judge) -> None:
    ci, ctx, m = j.ci, j.ctx, j.masks
    pairs = ci.buckets("int", "pole_pairs")
    for rotor in ctx.parts(ROTOR_CORE):
        poles = _int(rotor, "poles")
        if poles is None:
            continue
        fine = pairs.get(1) | (pairs.get(poles // 2) if poles % 2 == 0 else 0)
        m.add(codes.RESOLVER_POLES, pairs.present & ~fine)
    for shaft in ctx.parts(SHAFT):
        seat = _dec(shaft, "seat_diameter_mm")
        if seat is not None:  # |bore - seat| <= 0.10
            m.add(
                codes.RESOLVER_FIT,
                ci.num("bore_diameter_mm").outside(
                    seat - RESOLVER_BORE_MAX_DIFFERENCE, seat + RESOLVER_BORE_MAX_DIFFERENCE
                ),
            )


def _stator_core(j: _Judge) -> None:
    ci, ctx, m = j.ci, j.ctx, j.masks
    bores = ci.num("inner_diameter_mm")
    stacks = ci.num("stack_length_mm")
    for rotor in ctx.parts(ROTOR_CORE):
        outer = _dec(rotor, "outer_diameter_mm")
        if outer is not None:
            m.add(
                codes.AIR_GAP,
                bores.le(outer + 2 * AIR_GAP_ERROR_MIN) | bores.ge(outer + 2 * AIR_GAP_ERROR_MAX),
            )
        stack = _dec(rotor, "stack_length_mm")
        if stack is not None:
            m.add(
                codes.STACK_LENGTH,
                stacks.outside(stack - STACK_ROTOR_STATOR_MAX, stack + STACK_ROTOR_STATOR_MAX),
            )
    slots = ci.buckets("int", "slots")
    slot_types = ci.buckets("raw", "slot_type")
    for winding in ctx.parts(WINDING):
        stack = _dec(winding, "stack_length_mm")
        if stack is not None:
            m.add(
                codes.STACK_LENGTH,
                stacks.outside(stack - STACK_WINDING_STATOR_MAX, stack + STACK_WINDING_STATOR_MAX),
            )
        winding_slots = _int(winding, "slots")
        if winding_slots is not None:
            m.add(codes.SLOT_POLE, slots.present & ~slots.get(winding_slots))
        needed = WINDING_SLOT_TYPE.get(str(winding.specs.get("type")))
        m.add(codes.WINDING_SLOT_TYPE, ci.all & ~slot_types.get(needed))
    for source in ctx.parts(ROTOR_CORE) or ctx.parts(WINDING):
        poles = _int(source, "poles")
        if poles is not None:
            m.add(codes.SLOT_POLE, slots.where(lambda q, p=poles: _combination_fails(q, p)))
    for insulation in ctx.parts(INSULATION):
        insulation_slots = _int(insulation, "slots")
        if insulation_slots is not None:
            m.add(codes.INSULATION_FIT, slots.present & ~slots.get(insulation_slots))
        stack = _dec(insulation, "stack_length_mm")
        if stack is not None:
            m.add(
                codes.INSULATION_FIT,
                stacks.outside(stack - STACK_INSULATION_STATOR_MAX, stack + STACK_INSULATION_STATOR_MAX),
            )
    for busbar in ctx.parts(BUSBAR):
        busbar_slots = _int(busbar, "slots")
        if busbar_slots is not None:
            m.add(codes.BUSBAR_FIT, slots.present & ~slots.get(busbar_slots))


def _winding(j: _Judge) -> None:
    ci, ctx, m, req = j.ci, j.ctx, j.masks, j.req
    stators, rotors = ctx.parts(STATOR_CORE), ctx.parts(ROTOR_CORE)
    slots, poles = ci.buckets("int", "slots"), ci.buckets("int", "poles")
    kinds = ci.buckets("str", "type")
    for stator in stators:
        stack = _dec(stator, "stack_length_mm")
        if stack is not None:
            m.add(
                codes.STACK_LENGTH,
                ci.num("stack_length_mm").outside(
                    stack - STACK_WINDING_STATOR_MAX, stack + STACK_WINDING_STATOR_MAX
                ),
            )
        stator_slots = _int(stator, "slots")
        if stator_slots is not None:
            m.add(codes.SLOT_POLE, slots.present & ~slots.get(stator_slots))
        slot_type = stator.specs.get("slot_type")
        m.add(
            codes.WINDING_SLOT_TYPE, kinds.where(lambda kind, t=slot_type: WINDING_SLOT_TYPE.get(kind) != t)
        )
    for rotor in rotors:
        rotor_poles = _int(rotor, "poles")
        if rotor_poles is not None:
            m.add(codes.SLOT_POLE, poles.present & ~poles.get(rotor_poles))
    # The slot/pole combination: the winding stands in for a missing core.
    if stators and not rotors:
        for stator in stators:
            q = _int(stator, "slots")
            if q is not None:
                m.add(codes.SLOT_POLE, poles.where(lambda p, q=q: _combination_fails(q, p)))
    elif rotors and not stators:
        for rotor in rotors:
            p = _int(rotor, "poles")
            if p is not None:
                m.add(codes.SLOT_POLE, slots.where(lambda q, p=p: _combination_fails(q, p)))
    elif not rotors and not stators:
        for q, slot_mask in slots.masks.items():
            m.add(codes.SLOT_POLE, slot_mask & poles.where(lambda p, q=q: _combination_fails(q, p)))
    _insulation_class(j, INSULATION)
    if req.dc_bus_voltage_v is not None:
        m.add(codes.VOLTAGE_CLASS, ci.ints("voltage_class_v").lt(req.dc_bus_voltage_v))
    phases = ci.buckets("int", "phases")
    for busbar in ctx.parts(BUSBAR):
        busbar_phases = _int(busbar, "phases")
        if busbar_phases is not None:
            m.add(codes.BUSBAR_PHASES, phases.present & ~phases.get(busbar_phases))


def _insulation_class(j: _Judge, other_slot: str) -> None:
    """INSULATION_CLASS for a winding or insulation candidate; `other_slot` holds the other half."""
    ci, ctx, m = j.ci, j.ctx, j.masks
    classes = ci.buckets("str", "insulation_class", "")
    required = to_decimal(j.req.max_winding_temp_c)

    def own(letter: str) -> bool:
        temp = INSULATION_CLASS_TEMP_C.get(letter)
        return temp is None or (required is not None and temp < required)

    m.add(codes.INSULATION_CLASS, classes.where(own))
    for other in ctx.parts(other_slot):
        other_temp = _class_temp(other)
        if other_temp is None:
            continue
        if other_slot == INSULATION:  # the candidate winding is hotter than the insulation
            fails = classes.where(lambda k, t=other_temp: (INSULATION_CLASS_TEMP_C.get(k) or 0) > t)
        else:  # the candidate insulation is cooler than the winding
            fails = classes.where(lambda k, t=other_temp: INSULATION_CLASS_TEMP_C.get(k, t) < t)
        m.add(codes.INSULATION_CLASS, fails)


def _insulation(j: _Judge) -> None:
    ci, ctx, m, req = j.ci, j.ctx, j.masks, j.req
    _insulation_class(j, WINDING)
    slots = ci.buckets("int", "slots")
    for stator in ctx.parts(STATOR_CORE):
        stator_slots = _int(stator, "slots")
        if stator_slots is not None:
            m.add(codes.INSULATION_FIT, slots.present & ~slots.get(stator_slots))
        stack = _dec(stator, "stack_length_mm")
        if stack is not None:
            m.add(
                codes.INSULATION_FIT,
                ci.num("stack_length_mm").outside(
                    stack - STACK_INSULATION_STATOR_MAX, stack + STACK_INSULATION_STATOR_MAX
                ),
            )
    bus = req.dc_bus_voltage_v
    if bus is not None:
        m.add(codes.VOLTAGE_CLASS, ci.ints("voltage_class_v").lt(bus))
        if bus > PD_FREE_ABOVE_V:
            m.add(codes.VOLTAGE_CLASS, ci.all & ~ci.buckets("true", "pd_free").get(True))


def _busbar(j: _Judge) -> None:
    ci, ctx, m, req = j.ci, j.ctx, j.masks, j.req
    if req.dc_bus_voltage_v is not None:
        m.add(codes.VOLTAGE_CLASS, ci.ints("voltage_class_v").lt(req.dc_bus_voltage_v))
    phases = ci.buckets("int", "phases")
    for winding in ctx.parts(WINDING):
        winding_phases = _int(winding, "phases")
        if winding_phases is not None:
            m.add(codes.BUSBAR_PHASES, phases.present & ~phases.get(winding_phases))
    slots = ci.buckets("int", "slots")
    for stator in ctx.parts(STATOR_CORE):
        stator_slots = _int(stator, "slots")
        if stator_slots is not None:
            m.add(codes.BUSBAR_FIT, slots.present & ~slots.get(stator_slots))


_COMPAT: dict[str, Callable[[_Judge], None]] = {
    ROTOR_CORE: _rotor_core,
    MAGNET: _magnet,
    SHAFT: _shaft,
    END_PLATE: _end_plate,
    RESOLVER: _resolver,
    STATOR_CORE: _stator_core,
    WINDING: _winding,
    INSULATION: _insulation,
    BUSBAR: _busbar,
}


# --------------------------------------------------------------------------- the public answer


@dataclass(frozen=True)
class Option:
    part: Part
    feasible: bool
    # Error-severity rule codes that exclude the part (empty when feasible).
    codes: tuple[str, ...]
    # The error violations it would take part in, with their numbers (page items only).
    violations: tuple[Violation, ...]
    # The quantity it would take (magnets: the formula with the chosen rotor core).
    quantity: int


@dataclass(frozen=True)
class SlotOptions:
    slot: str
    category: str
    # Candidates in the catalog for the slot's category, inactive ones included
    # (PART_INACTIVE excludes them).
    total: int
    feasible_count: int
    # Per code, how many candidates of the whole catalog it excludes; a part
    # excluded by two codes counts under both. Largest count first.
    excluded_by_code: Mapping[str, int]
    # One page: feasible parts first (cheapest reference price, then lead time,
    # then SKU), then, with include_excluded, excluded ones (fewest codes first,
    # then the same order).
    items: tuple[Option, ...]
    offset: int
    limit: int
    # The SKUs the slot holds now (judged like any other candidate).
    current: tuple[str, ...] = ()

    @property
    def excluded_count(self) -> int:
        return self.total - self.feasible_count


def _exactly(masks: Sequence[int], everything: int) -> list[int]:
    """Bit sets of the parts in exactly 1, 2, ... of `masks` (a running tally per level)."""
    at_least = [everything] + [0] * len(masks)
    for seen, mask in enumerate(masks, start=1):
        for level in range(seen, 0, -1):
            at_least[level] |= at_least[level - 1] & mask
    return [at_least[k] & ~at_least[k + 1] for k in range(1, len(masks))] + [at_least[-1]]


def _judged_slot(snapshot: Snapshot, index: CatalogIndex, slot: str) -> tuple[_Judge, dict[str, int], int]:
    judge = _Judge(snapshot, index, slot)
    by_code = judge.run()
    excluded = 0
    for mask in by_code.values():
        excluded |= mask
    return judge, by_code, excluded


def slot_options(
    snapshot: Snapshot,
    index: CatalogIndex,
    slot: str,
    *,
    offset: int = 0,
    limit: int = 20,
    include_excluded: bool = True,
    confirm: bool = True,
    dead_ends: bool = True,
    search: str = "",
) -> SlotOptions:
    """The catalog's candidates for `slot`, judged against everything else chosen.

    With `confirm` (the default) each page item is run through the engine, which
    gives its violations with messages; without it items carry the codes the
    index derived and no violations (the property tests compare the two).
    With `dead_ends` (the default) a part that fits the chosen parts but that no
    complete kit can hold is excluded as DEAD_END (configurator.domain.completion),
    with the slots it leaves unfillable and why. Feasible parts come cheapest per
    kit first (tier price at the first delivery year's volume x the kit quantity),
    then by lead time and SKU. `search` keeps the parts whose SKU, name or
    supplier contains it (any case).
    Raises KeyError for a slot the template does not have.
    """
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    judge, by_code, excluded = _judged_slot(snapshot, index, slot)
    ci = judge.ci
    feasible = ci.all & ~excluded
    dead = None
    if dead_ends and feasible:
        from configurator.domain.completion import DEAD_END, slot_dead_ends

        dead = slot_dead_ends(snapshot, index, slot, feasible)
        if dead.mask:
            by_code = {**by_code, DEAD_END: dead.mask}
            excluded |= dead.mask
            feasible &= ~dead.mask
    scope = ci.all
    if search.strip():
        scope = ci.matching(search)
        feasible &= scope
        by_code = {code: mask & scope for code, mask in by_code.items() if mask & scope}
    counts = {code: mask.bit_count() for code, mask in by_code.items()}

    chosen: list[int] = []
    feasible_size = feasible.bit_count()
    if offset < feasible_size and limit:
        chosen = _by_cost(judge, feasible, offset, limit)
    if include_excluded and offset + limit > feasible_size and by_code:
        layers = _exactly([by_code[c] for c in sorted(by_code)], ci.all)
        skip = max(offset - feasible_size, 0)
        for layer in layers:
            if len(chosen) >= limit:
                break
            size = layer.bit_count()
            if skip >= size:
                skip -= size
                continue
            chosen += _positions(layer, skip, limit - len(chosen))
            skip = 0

    items = []
    for position in chosen:
        part = ci.parts[position]
        quantity = judge.quantity(part)
        codes = tuple(sorted(code for code, mask in by_code.items() if _has(mask, position)))
        violations: tuple[Violation, ...] = ()
        if confirm:
            violations = _engine_errors(snapshot, slot, part, quantity)
            confirmed = _codes_of(violations)
            index_codes = tuple(c for c in codes if dead is None or c != "DEAD_END")
            if confirmed != index_codes:
                _log.warning(
                    "guided options: index says %s for %s in %s, the engine %s",
                    index_codes,
                    part.sku,
                    slot,
                    confirmed,
                )
            if dead is not None and _has(dead.mask, position):
                violations += (dead.explain(part),)
            codes = _codes_of(violations)
        items.append(Option(part, not codes, codes, violations, quantity))

    return SlotOptions(
        slot=slot,
        category=judge.slot_def.category,
        total=scope.bit_count(),
        feasible_count=feasible_size,
        excluded_by_code=MappingProxyType(dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))),
        items=tuple(items),
        offset=offset,
        limit=limit,
        current=tuple(dict.fromkeys(ln.part.sku for ln in snapshot.lines if ln.slot == slot)),
    )


def _volume(snapshot: Snapshot) -> int:
    """Kits in the first delivery year (0 without a schedule: reference prices)."""
    years = delivery_years(snapshot.schedule)
    return next(iter(years.values()), 0)


def cost_per_kit(part: Part, quantity: int, kits: int) -> Decimal | None:
    """Unit price at the year's units (kits x quantity per kit) x quantity per kit."""
    price = part.unit_price_at(kits * quantity) if kits else part.reference_unit_price
    return None if price is None else price * quantity


def _by_cost(judge: _Judge, feasible: int, skip: int, take: int) -> list[int]:
    """Positions skip .. skip + take - 1 of the feasible parts ordered by cost per kit, lead time, SKU."""
    ci = judge.ci
    kits = _volume(judge.snapshot)
    need = skip + take
    groups = judge.quantity_groups if judge.quantity_groups is not None else None
    if groups is None:
        # Quantities worked out part by part (several rotor cores): sort them all.
        positions = _positions(feasible, 0, feasible.bit_count())
        keyed = [(_cost_key(ci.parts[p], judge.quantity(ci.parts[p]), kits), p) for p in positions]
        keyed.sort()
        return [p for _k, p in keyed[skip:need]]
    found: list[tuple[tuple, int]] = []
    for mask, quantity in groups:
        pool = feasible & mask
        if not pool:
            continue
        prices = ci.prices(kits * quantity)
        priced = pool & prices.present
        n = len(prices.values)
        lo, hi = 0, n
        if (priced & prices.first(n)).bit_count() > need:
            while lo < hi:  # the smallest k whose first k prices hold `need` feasible parts
                mid = (lo + hi) // 2
                if (prices.first(mid) & priced).bit_count() >= need:
                    hi = mid
                else:
                    lo = mid + 1
            k = bisect_right(prices.values, prices.values[lo - 1]) if lo else 0
            priced &= prices.first(k)
        for p in _positions(priced, 0, priced.bit_count()):
            found.append((_cost_key(ci.parts[p], quantity, kits), p))
        unpriced = pool & ~prices.present
        for p in _positions(unpriced, 0, need):
            found.append((_cost_key(ci.parts[p], quantity, kits), p))
    found.sort()
    return [p for _k, p in found[skip:need]]


def _cost_key(part: Part, quantity: int, kits: int) -> tuple:
    cost = cost_per_kit(part, quantity, kits)
    return (cost is None, cost if cost is not None else 0, part.lead_time_days, part.sku)


def all_slot_options(
    snapshot: Snapshot,
    index: CatalogIndex,
    *,
    limit: int = 20,
    include_excluded: bool = True,
    dead_ends: bool = True,
    search: str = "",
) -> dict[str, SlotOptions]:
    """`slot_options` for every slot of the template, open or filled, in template order.

    A filled slot's options are the alternatives, judged with its current part
    removed (the current part is among them, judged like the rest).
    """
    return {
        s.code: slot_options(
            snapshot, index, s.code, limit=limit, include_excluded=include_excluded, dead_ends=dead_ends,
            search=search,
        )
        for s in snapshot.template.slots
    }


def cheapest_feasible(
    snapshot: Snapshot,
    index: CatalogIndex,
    slot: str,
    *,
    count: int = 8,
    avoid_skus: Iterable[str] = (),
    avoid_suppliers: Iterable[str] = (),
    dead_ends: bool = True,
) -> list[Option]:
    """Feasible candidates for `slot`, cheapest per kit first (reference price x default quantity).

    Unit price alone misleads for magnets, whose count per kit depends on their
    length; so the `count` cheapest of each default quantity are taken, then
    ordered by cost per kit, lead time and SKU (unknown prices last). Parts in
    `avoid_skus` or from `avoid_suppliers` (supplier codes) are left out. Items
    are not run through the engine (callers evaluate what they use).
    """
    judge, _by_code, excluded = _judged_slot(snapshot, index, slot)
    ci = judge.ci
    feasible = ci.all & ~excluded
    if dead_ends and feasible:
        from configurator.domain.completion import slot_dead_ends

        feasible &= ~slot_dead_ends(snapshot, index, slot, feasible).mask
    for sku in avoid_skus:
        position = ci.position.get(sku)
        if position is not None:
            feasible &= ~(1 << position)
    suppliers = ci.suppliers()
    for code in avoid_suppliers:
        feasible &= ~suppliers.get(code, 0)
    groups = judge.quantity_groups if judge.quantity_groups is not None else [(ci.all, None)]
    found: list[Option] = []
    for mask, quantity in groups:
        for position in _positions(feasible & mask, 0, count if quantity is not None else count * 4):
            part = ci.parts[position]
            found.append(Option(part, True, (), (), judge.quantity(part)))

    kits = _volume(snapshot)

    def per_kit(option: Option) -> tuple:
        return _cost_key(option.part, option.quantity, kits)

    return sorted(found, key=per_kit)


# --------------------------------------------------------------------------- policy filter


def part_policy_violations(
    part: Part,
    policy: SourcingPolicy,
    today: date,
    restricted_entities: frozenset[str] = frozenset(),
) -> tuple[Violation, ...]:
    """The sourcing-policy violations of this part on its own, under the version in force today.

    Errors (ORIGIN_EXCLUDED, ORIGIN_UNKNOWN, ENTITY_RESTRICTED) and the
    EVIDENCE_EXPIRED warning; not CONCENTRATION, which is a share of a kit's
    rare-earth mass and says nothing about one part. The part's slot is its
    category. Messages read as in a validation ("... under china-excluded v1").
    """
    slot = part.category
    template = KitTemplate("part", "Part", (SlotDef(slot, slot, 1, 1, False),))
    alone = Snapshot(
        template=template,
        requirements=Requirements(),
        lines=(Line(slot, part, 1),),
        policy=policy,
        today=today,
        restricted_entities=restricted_entities,
    )
    found = [v for v in policy_violations(alone, KitContext(alone)) if v.code != CONCENTRATION]
    return tuple(sorted(set(found), key=_sort_key))


def parts_satisfying_policy(
    index: CatalogIndex,
    policy: SourcingPolicy,
    today: date,
    restricted: frozenset[str] = frozenset(),
) -> frozenset[str]:
    """SKUs with no error-severity sourcing violation of their own under the version in force today.

    Judged once per supply-chain signature and cached per policy version in the
    index, so GET /parts/?policy=<code> is a set look-up after the first call.
    """
    version = policy.version_in_force(today)
    if version is None:
        return frozenset(index._by_sku)
    key = ("satisfying", _version_key(policy, version, restricted))
    cache = index._satisfying
    found = cache.get(key)
    if found is not None:
        return found
    skus: list[str] = []
    for category in index.categories():
        ci = index._category(category)
        failing = 0
        for mask in ci.policy_masks(version, key[1], restricted).values():
            failing |= mask
        good = ci.all & ~failing
        skus.extend(ci.parts[p].sku for p in _positions(good, 0, good.bit_count()))
    result = frozenset(skus)
    with index._lock:
        cache[key] = result
        while len(cache) > 16:
            cache.pop(next(iter(cache)))
    return result
