"""The public answer: a slot's options, ranked by cost per kit, searched and paged."""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from configurator.domain.codes import DEAD_END
from configurator.domain.options.bits import exactly, has, members
from configurator.domain.options.index import CatalogIndex
from configurator.domain.options.judge import Confirmer, Judge, codes_of
from configurator.domain.sourcing import delivery_years
from configurator.domain.types import Part, Snapshot, Violation

# --------------------------------------------------------------------------- the public answer

_log = logging.getLogger("configurator.domain.options")


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


def _judged_slot(snapshot: Snapshot, index: CatalogIndex, slot: str) -> tuple[Judge, dict[str, int], int]:
    judge = Judge(snapshot, index, slot)
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
        from configurator.domain.completion import slot_dead_ends

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
        layers = exactly([by_code[c] for c in sorted(by_code)], ci.all)
        skip = max(offset - feasible_size, 0)
        for layer in layers:
            if len(chosen) >= limit:
                break
            size = layer.bit_count()
            if skip >= size:
                skip -= size
                continue
            chosen += members(layer, skip, limit - len(chosen))
            skip = 0

    items = []
    confirmer = Confirmer(snapshot, slot) if confirm and chosen else None
    for position in chosen:
        part = ci.parts[position]
        quantity = judge.quantity(part)
        codes = tuple(sorted(code for code, mask in by_code.items() if has(mask, position)))
        violations: tuple[Violation, ...] = ()
        if confirmer is not None:
            violations = confirmer.errors(part, quantity)
            confirmed = codes_of(violations)
            index_codes = tuple(c for c in codes if dead is None or c != DEAD_END)
            if confirmed != index_codes:
                _log.warning(
                    "guided options: index says %s for %s in %s, the engine %s",
                    index_codes,
                    part.sku,
                    slot,
                    confirmed,
                )
            if dead is not None and has(dead.mask, position):
                violations += (dead.explain(part),)
            codes = codes_of(violations)
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


def first_year_volume(snapshot: Snapshot) -> int:
    """Kits in the first delivery year (0 without a schedule: reference prices)."""
    years = delivery_years(snapshot.schedule)
    return next(iter(years.values()), 0)


def cost_per_kit(part: Part, quantity: int, kits: int) -> Decimal | None:
    """Unit price at the year's units (kits x quantity per kit) x quantity per kit."""
    price = part.unit_price_at(kits * quantity) if kits else part.reference_unit_price
    return None if price is None else price * quantity


def _by_cost(judge: Judge, feasible: int, skip: int, take: int) -> list[int]:
    """Positions skip .. skip + take - 1 of the feasible parts ordered by cost per kit, lead time, SKU."""
    ci = judge.ci
    kits = first_year_volume(judge.snapshot)
    need = skip + take
    groups = judge.quantity_groups if judge.quantity_groups is not None else None
    if groups is None:
        # Quantities worked out part by part (several rotor cores): sort them all.
        positions = members(feasible, 0, feasible.bit_count())
        keyed = [(cost_key(ci.parts[p], judge.quantity(ci.parts[p]), kits), p) for p in positions]
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
        for p in members(priced, 0, priced.bit_count()):
            found.append((cost_key(ci.parts[p], quantity, kits), p))
        unpriced = pool & ~prices.present
        for p in members(unpriced, 0, need):
            found.append((cost_key(ci.parts[p], quantity, kits), p))
    found.sort()
    return [p for _k, p in found[skip:need]]


def cost_key(part: Part, quantity: int, kits: int) -> tuple:
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
            snapshot,
            index,
            s.code,
            limit=limit,
            include_excluded=include_excluded,
            dead_ends=dead_ends,
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
        for position in members(feasible & mask, 0, count if quantity is not None else count * 4):
            part = ci.parts[position]
            found.append(Option(part, True, (), (), judge.quantity(part)))

    kits = first_year_volume(snapshot)

    def per_kit(option: Option) -> tuple:
        return cost_key(option.part, option.quantity, kits)

    return sorted(found, key=per_kit)
