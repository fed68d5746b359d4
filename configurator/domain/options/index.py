"""The catalog indexed for guided options: per category, parts in page order and cached bit sets."""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from configurator.domain.options.bits import Buckets, SortedBits, bitset
from configurator.domain.rules import DECIMAL_FIELDS, INT_FIELDS, LABEL_FIELDS
from configurator.domain.sourcing import PolicyVersion, SourcingPolicy, policy_findings
from configurator.domain.types import ERROR, Part
from configurator.domain.units import to_decimal, to_int


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


class CategoryIndex:
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

    def num(self, field: str) -> SortedBits:
        """Decimal spec values, as `to_decimal` reads them (the engine's `_dec`)."""

        def build() -> SortedBits:
            pairs, bad = [], []
            for i, part in enumerate(self.parts):
                number, ok = _finite_decimal(part.specs.get(field))
                if not ok:
                    bad.append(i)
                elif number is not None:
                    pairs.append((number, i))
            self._cache[("bad", field)] = bitset(bad, self.nbytes)
            return SortedBits(pairs, self.nbytes)

        return self._cached(("num", field), build)

    def ints(self, field: str) -> SortedBits:
        """Integer spec values, as `to_int` reads them (the engine's `_int`)."""

        def build() -> SortedBits:
            pairs = []
            for i, part in enumerate(self.parts):
                number = to_int(part.specs.get(field))
                if number is not None:
                    pairs.append((number, i))
            return SortedBits(pairs, self.nbytes)

        return self._cached(("ints", field), build)

    def attr(self, name: str) -> SortedBits:
        """An integer attribute of the part itself (annual_capacity, lead_time_days)."""
        return self._cached(
            ("attr", name),
            lambda: SortedBits([(getattr(part, name), i) for i, part in enumerate(self.parts)], self.nbytes),
        )

    def buckets(self, kind: str, field: str, default: Any = None) -> Buckets:
        def build() -> Buckets:
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
            return Buckets(groups, self.nbytes)

        return self._cached(("buckets", kind, field, default), build)

    def flag(self, name: str, predicate: Callable[[Part], bool]) -> int:
        return self._cached(
            ("flag", name),
            lambda: bitset((i for i, part in enumerate(self.parts) if predicate(part)), self.nbytes),
        )

    def irregular(self) -> int:
        """Parts with a NaN or infinite value in a spec some rule reads numerically."""
        out = 0
        for field in DECIMAL_FIELDS.get(self.category, ()):
            self.num(field)
            out |= self._cache[("bad", field)]
        return out

    def suppliers(self) -> dict[str, int]:
        """Bit set per supplier code."""

        def build() -> dict[str, int]:
            groups: dict[str, list[int]] = {}
            for i, part in enumerate(self.parts):
                groups.setdefault(part.supplier_code, []).append(i)
            return {code: bitset(positions, self.nbytes) for code, positions in groups.items()}

        return self._cached("suppliers", build)

    def prices(self, units: int) -> SortedBits:
        """Unit prices at a year's units (tier by tier), sorted, cached per tier break."""
        breaks = self._cached(
            "tier_breaks", lambda: sorted({q for part in self.parts for q, _p in part.price_tiers} | {0})
        )
        brk = breaks[bisect_right(breaks, units) - 1] if units > 0 else -1

        def build() -> SortedBits:
            pairs = []
            for i, part in enumerate(self.parts):
                price = part.unit_price_at(brk) if brk >= 0 else part.reference_unit_price
                if price is not None:
                    pairs.append((price, i))
            return SortedBits(pairs, self.nbytes)

        return self._cached(("prices", brk), build)

    def matching(self, text: str) -> int:
        """Parts whose SKU, name or supplier (code or name) contains `text`, any case."""
        needle = text.strip().casefold()

        def build() -> int:
            return bitset(
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
            return [(first[key], bitset(positions, self.nbytes)) for key, positions in groups.items()]

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
    findings = policy_findings(params, [(part.category, part)], (), restricted)
    return {f.code for f in findings if f.severity == ERROR}


def policy_version_key(policy: SourcingPolicy, version: PolicyVersion, restricted: frozenset[str]) -> tuple:
    # The restricted list only matters to versions that match entities.
    entities = restricted if version.params.get("restricted_entities") else frozenset()
    return (policy.code, version.version, version.effective_from, entities)


_RELEASE_SLICE = 2000  # parts freed between two pauses of `CatalogIndex.release`
_OWN_ATTRIBUTES = {"_categories", "_by_sku", "_empty", "_satisfying", "_lock"}


class CatalogIndex:
    """The whole catalog, indexed for guided options; build once, share across requests.

    Immutable from the outside; the bit sets it derives are built on first use
    (thread-safe) and kept, so the first request after a catalog change pays
    for them. `warm()` builds them ahead.
    """

    def __init__(self, categories: dict[str, CategoryIndex], by_sku: dict[str, Part]) -> None:
        self._categories = categories
        self._by_sku = by_sku
        self._empty: dict[str, CategoryIndex] = {}
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
        return cls({c: CategoryIndex(c, ps) for c, ps in grouped.items()}, by_sku)

    def release(self, pause: Callable[[], None]) -> None:
        """Let go of every part and cache a slice at a time, `pause` between slices: for an
        index its process has swapped out and nobody reads any more. Dropped whole, its
        100k parts took ~40 ms of deallocation (more on a busy machine) that held the
        interpreter lock: the first request answered by the new view waited for it."""
        for name in set(self.__dict__) - _OWN_ATTRIBUTES:  # what other modules cached on it
            del self.__dict__[name]
        self._satisfying.clear()
        self._empty.clear()
        pause()
        by_sku = self._by_sku
        while by_sku:
            for _ in range(min(_RELEASE_SLICE, len(by_sku))):
                by_sku.popitem()
            pause()
        for category in list(self._categories):
            ci = self._categories.pop(category)
            ci._cache.clear()
            ci.position.clear()
            parts = list(ci.parts)
            ci.parts = ()
            del ci
            pause()
            while parts:
                del parts[-_RELEASE_SLICE:]
                pause()

    def category_index(self, category: str) -> CategoryIndex:
        found = self._categories.get(category)
        if found is None:
            with self._lock:
                found = self._empty.setdefault(category, CategoryIndex(category, ()))
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

    def skus(self) -> frozenset[str]:
        return frozenset(self._by_sku)

    def memo(self, key: tuple, build: Callable[[], Any], *, keep: int = 16) -> Any:
        """A value derived from the whole catalog (policy filters), kept for the `keep` latest keys."""
        cache = self._satisfying
        found = cache.get(key)
        if found is not None:
            return found
        result = build()
        with self._lock:
            cache[key] = result
            while len(cache) > keep:
                cache.pop(next(iter(cache)))
        return result

    def warm(self) -> CatalogIndex:
        """Build every bit set the rules use now rather than on the first request."""
        for category, ci in self._categories.items():
            ci.irregular()
            ci.inactive  # noqa: B018  (builds the cached bit set)
            ci.chains()
            ci.suppliers()
            ci.attr("annual_capacity")
            ci.attr("lead_time_days")
            for field in INT_FIELDS.get(category, ()):
                ci.ints(field)
                ci.buckets("int", field)
            for kind, field, default in LABEL_FIELDS.get(category, ()):
                ci.buckets(kind, field, default)
        return self
