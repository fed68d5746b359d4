"""Repair suggestions: single-slot changes that remove a kit's errors, cheapest first.

For every slot an error names, three kinds of change are tried:

* ``quantity``: the slot's one line set to the right quantity (the magnet
  formula with the chosen rotor core, otherwise the nearest in the slot's range);
* ``swap``: the slot's part replaced by a catalog candidate, taken from the
  guided options (feasible candidates first; when there are none, the excluded
  ones with the fewest codes), with the quantity the candidate would take;
* ``add``: an empty required slot filled with a feasible candidate.

Each change is applied and the whole kit evaluated again, so ``fixes``,
``errors_after`` and any error a change brings in (``introduces``) are the
engine's word, not an estimate. Repairs are ranked by errors removed (net,
most first), then added cost per kit, then lead time, then SKU, with one
exception: among repairs removing as many errors, a quantity fix comes first.
It keeps every part the buyer chose, whereas a swap that merely happens to be
cheaper (a cheaper magnet that also takes the formula's count) changes the
design to fix a typo. When the slot's trouble is its supply chain
(ORIGIN_EXCLUDED, ORIGIN_UNKNOWN, ENTITY_RESTRICTED), compliant parts from
other suppliers are the ones proposed (the same supplier's only when too few
others qualify), and the message says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from configurator.domain import codes
from configurator.domain.context import slot_rank
from configurator.domain.engine import evaluate
from configurator.domain.options import (
    SOURCING_ERROR_CODES,
    CatalogIndex,
    Option,
    candidate_snapshot,
    cheapest_feasible,
    slot_options,
)
from configurator.domain.sourcing import COMPONENT_MANUFACTURING, MAGNET_MANUFACTURING
from configurator.domain.templates import MAGNET, MAGNET_FORMULA, ROTOR_CORE, magnet_quantity
from configurator.domain.types import Line, Part, Snapshot, Validation, Violation

__all__ = ["REFERENCE_CURRENCY", "Repair", "apply_repair", "suggest_repairs"]

#: The currency of Part.reference_unit_price (configurator.selectors converts to it).
REFERENCE_CURRENCY = "USD"

SWAP = "swap"
QUANTITY = "quantity"
ADD = "add"
_KIND_ORDER = {QUANTITY: 0, SWAP: 1, ADD: 2}

# How many candidates of a slot's options are read (cheap: no engine) and how many
# of those are evaluated with the whole kit (about 0.2 ms each).
_SCAN = 200
_EVALUATE = 12


@dataclass(frozen=True)
class Repair:
    kind: str  # "swap" | "quantity" | "add"
    slot: str
    from_sku: str | None
    to_sku: str | None
    quantity: int
    # Codes of the error violations it removes.
    fixes: tuple[str, ...]
    errors_before: int
    errors_after: int
    # (new reference price x quantity - old x old quantity) per kit, over the lines
    # that change; None when a price is unknown.
    added_cost: Decimal | None
    lead_time_days: int
    message: str
    # Codes of error violations the change brings in (a repair may trade one for another).
    introduces: tuple[str, ...] = ()
    # Warning codes the kit did not have before (they block nothing, but a buyer
    # choosing between equal repairs wants to know).
    new_warnings: tuple[str, ...] = ()
    # A sourcing repair to a part from a supplier the slot did not use.
    other_supplier: bool = False
    # Other slots whose quantity follows (a new rotor core re-derives the magnets).
    follow_ups: tuple[tuple[str, int, int], ...] = ()

    @property
    def errors_removed(self) -> int:
        return self.errors_before - self.errors_after

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "slot": self.slot,
            "from_sku": self.from_sku,
            "to_sku": self.to_sku,
            "quantity": self.quantity,
            "fixes": list(self.fixes),
            "introduces": list(self.introduces),
            "new_warnings": list(self.new_warnings),
            "errors_before": self.errors_before,
            "errors_after": self.errors_after,
            "added_cost": None if self.added_cost is None else format(self.added_cost, "f"),
            "lead_time_days": self.lead_time_days,
            "message": self.message,
        }


@dataclass(frozen=True)
class _Change:
    kind: str
    slot: str
    lines_before: tuple[Line, ...]
    part: Part
    quantity: int
    after: Snapshot
    other_supplier: bool = False


def suggest_repairs(
    snapshot: Snapshot,
    index: CatalogIndex,
    *,
    limit: int = 10,
    per_slot: int = 3,
    currency: str = REFERENCE_CURRENCY,
) -> tuple[Repair, ...]:
    """Up to `limit` single-slot changes that leave fewer errors, best first; () for a kit without errors.

    At most `per_slot` swaps (and `per_slot` additions) per slot, so one slot's
    many near-identical alternatives do not crowd out the other slots' repairs.
    """
    validation = evaluate(snapshot)
    errors = validation.errors
    if not errors or limit <= 0:
        return ()
    slots = sorted({slot for v in errors for slot in v.slots}, key=slot_rank)
    repairs: list[Repair] = []
    for slot in slots:
        slot_def = snapshot.template.slot(slot)
        if slot_def is None:
            continue
        lines = tuple(ln for ln in snapshot.lines if ln.slot == slot)
        slot_errors = [v for v in errors if slot in v.slots]
        if not lines:
            if slot_def.required:
                changes = _additions(snapshot, index, slot)
                repairs += _best(_judged(changes, snapshot, validation, currency), per_slot)
            continue
        quantity_fix = _quantity_fix(snapshot, slot, lines, slot_errors)
        if quantity_fix is not None:
            repairs += _judged([quantity_fix], snapshot, validation, currency)
        repairs += _best(
            _judged(_swaps(snapshot, index, slot, lines, slot_errors), snapshot, validation, currency),
            per_slot,
        )
    repairs.sort(key=_rank)
    return tuple(repairs[:limit])


def _rank(repair: Repair) -> tuple:
    cost = repair.added_cost
    return (
        -repair.errors_removed,
        repair.kind != QUANTITY,
        cost is None,
        cost if cost is not None else Decimal(0),
        repair.lead_time_days,
        repair.to_sku or "",
        _KIND_ORDER[repair.kind],
        repair.slot,
    )


def _best(repairs: list[Repair], count: int) -> list[Repair]:
    """A slot's best few; for sourcing trouble, other suppliers' parts first."""
    return sorted(repairs, key=lambda r: (-r.errors_removed, not r.other_supplier, _rank(r)))[:count]


def apply_repair(snapshot: Snapshot, repair: Repair, index: CatalogIndex) -> Snapshot:
    """The kit with the repair made, exactly as it was judged (KeyError for a SKU gone from the index)."""
    if repair.kind == QUANTITY:
        return replace(
            snapshot,
            lines=tuple(
                replace(ln, quantity=repair.quantity) if ln.slot == repair.slot else ln
                for ln in snapshot.lines
            ),
        )
    part = index.get(repair.to_sku or "")
    if part is None:
        raise KeyError(repair.to_sku)
    return candidate_snapshot(snapshot, repair.slot, part, repair.quantity)


# --------------------------------------------------------------------------- candidate changes


def _quantity_fix(
    snapshot: Snapshot, slot: str, lines: tuple[Line, ...], slot_errors: Sequence[Violation]
) -> _Change | None:
    if len(lines) != 1 or not any(v.code == codes.SLOT_QUANTITY for v in slot_errors):
        return None
    (line,) = lines
    slot_def = snapshot.template.slot(slot)
    assert slot_def is not None
    target = None
    if slot == MAGNET and slot_def.formula == MAGNET_FORMULA:
        rotors = sorted((ln.part for ln in snapshot.lines if ln.slot == ROTOR_CORE), key=lambda p: p.sku)
        if rotors:
            derived = magnet_quantity(rotors[0].specs, line.part.specs)
            target = derived if derived >= 1 else None
    if target is None:
        target = min(max(line.quantity, slot_def.min_qty, 1), max(slot_def.max_qty, 1))
    if target == line.quantity:
        return None
    after = replace(
        snapshot,
        lines=tuple(replace(ln, quantity=target) if ln is line else ln for ln in snapshot.lines),
    )
    return _Change(QUANTITY, slot, lines, line.part, target, after)


def _sourcing_trouble(slot_errors: Iterable[Violation]) -> bool:
    return any(v.code in SOURCING_ERROR_CODES for v in slot_errors)


def _swaps(
    snapshot: Snapshot,
    index: CatalogIndex,
    slot: str,
    lines: tuple[Line, ...],
    slot_errors: Sequence[Violation],
) -> list[_Change]:
    current = {ln.part.sku for ln in lines}
    suppliers = {ln.part.supplier_code for ln in lines}
    prefer_others = _sourcing_trouble(slot_errors)
    chosen: list[Option] = []
    if prefer_others:
        chosen = cheapest_feasible(
            snapshot, index, slot, count=_EVALUATE, avoid_skus=current, avoid_suppliers=suppliers
        )[:_EVALUATE]
    if len(chosen) < _EVALUATE:
        seen = current | {o.part.sku for o in chosen}
        more = cheapest_feasible(snapshot, index, slot, count=_EVALUATE, avoid_skus=seen)
        chosen += more[: _EVALUATE - len(chosen)]
    if len(chosen) < _EVALUATE // 2:
        # No part clears the slot: the excluded ones with the fewest codes may still
        # remove some of its errors (the page lists them fewest codes first).
        own_codes = {v.code for v in slot_errors}
        page = slot_options(snapshot, index, slot, limit=_SCAN, include_excluded=True, confirm=False)
        helpful = [
            o
            for o in page.items
            if not o.feasible and o.part.sku not in current and not own_codes <= set(o.codes)
        ]
        chosen += helpful[: _EVALUATE - len(chosen)]
    return [
        _Change(
            SWAP,
            slot,
            lines,
            option.part,
            option.quantity,
            candidate_snapshot(snapshot, slot, option.part, option.quantity),
            other_supplier=prefer_others and option.part.supplier_code not in suppliers,
        )
        for option in chosen
    ]


def _additions(snapshot: Snapshot, index: CatalogIndex, slot: str) -> list[_Change]:
    chosen = cheapest_feasible(snapshot, index, slot, count=_EVALUATE)[:_EVALUATE]
    return [
        _Change(
            ADD,
            slot,
            (),
            o.part,
            o.quantity,
            candidate_snapshot(snapshot, slot, o.part, o.quantity),
        )
        for o in chosen
    ]


# --------------------------------------------------------------------------- judging a change


def _line_cost(lines: Iterable[Line]) -> Decimal | None:
    total = Decimal(0)
    for line in lines:
        price = line.part.reference_unit_price
        if price is None:
            return None
        total += price * line.quantity
    return total


def _added_cost(before: Snapshot, after: Snapshot) -> Decimal | None:
    """The per-kit cost of the lines that differ (a new rotor core may re-derive the magnets too)."""

    def keyed(snapshot: Snapshot) -> dict[tuple[str, str, int], Line]:
        return {(ln.slot, ln.part.sku, ln.quantity): ln for ln in snapshot.lines}

    old, new = keyed(before), keyed(after)
    removed = _line_cost(old[k] for k in old.keys() - new.keys())
    added = _line_cost(new[k] for k in new.keys() - old.keys())
    if removed is None or added is None:
        return None
    return added - removed


def _follow_ups(snapshot: Snapshot, change: _Change) -> tuple[tuple[str, int, int], ...]:
    """(slot, old total, new total) for the other slots whose quantity the change moves."""

    def totals(s: Snapshot) -> Counter:
        out: Counter = Counter()
        for line in s.lines:
            if line.slot != change.slot:
                out[line.slot] += line.quantity
        return out

    old, new = totals(snapshot), totals(change.after)
    return tuple(
        (slot, old[slot], new[slot]) for slot in sorted(old, key=slot_rank) if old[slot] != new[slot]
    )


def _judged(
    changes: Sequence[_Change], snapshot: Snapshot, validation: Validation, currency: str
) -> list[Repair]:
    errors = validation.errors
    before = Counter(v.code for v in errors)
    warnings_before = {v.code for v in validation.warnings}
    out = []
    for change in changes:
        validation = evaluate(change.after)
        after_errors = validation.errors
        if len(after_errors) >= len(errors):
            continue
        after = Counter(v.code for v in after_errors)
        fixes = tuple(sorted((before - after).keys()))
        introduces = tuple(sorted((after - before).keys()))
        new_warnings = tuple(sorted({v.code for v in validation.warnings} - warnings_before))
        cost = _added_cost(snapshot, change.after)
        repair = Repair(
            kind=change.kind,
            slot=change.slot,
            from_sku=", ".join(sorted({ln.part.sku for ln in change.lines_before})) or None,
            to_sku=change.part.sku,
            quantity=change.quantity,
            fixes=fixes,
            errors_before=len(errors),
            errors_after=len(after_errors),
            added_cost=cost,
            lead_time_days=change.part.lead_time_days,
            message="",
            introduces=introduces,
            new_warnings=new_warnings,
            other_supplier=change.other_supplier,
            follow_ups=_follow_ups(snapshot, change),
        )
        out.append(replace(repair, message=_message(change, repair, currency)))
    return out


# --------------------------------------------------------------------------- messages


def _country(part: Part) -> str:
    stage = MAGNET_MANUFACTURING if part.category == "magnet" else COMPONENT_MANUFACTURING
    countries = [s.country.upper() for s in part.provenance if s.stage == stage]
    return ", ".join(dict.fromkeys(countries))


def _who(part: Part) -> str:
    country = _country(part)
    return f"{part.supplier_name}, {country}" if country else part.supplier_name


def _money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "cost per kit unknown"
    sign = "+" if amount >= 0 else "-"
    return f"{sign}{abs(amount).quantize(Decimal('0.01'))} {currency} per kit"


def _message(change: _Change, repair: Repair, currency: str) -> str:
    slot = change.slot.replace("_", " ")
    part = change.part
    if change.kind == QUANTITY:
        (line,) = change.lines_before
        head = f"Set the {slot} quantity of {part.sku} from {line.quantity} to {change.quantity}"
    elif change.kind == ADD:
        head = f"Add {slot} {part.sku} ({_who(part)}) x {change.quantity}"
    else:
        olds = ", ".join(sorted({ln.part.sku for ln in change.lines_before}))
        old_quantity = sum(ln.quantity for ln in change.lines_before)
        another = "; another supplier" if change.other_supplier else ""
        head = f"Swap {slot} {olds} for {part.sku} ({_who(part)}{another})"
        if change.quantity != old_quantity:
            head += f" x {change.quantity}"
    for other, old, new in repair.follow_ups:
        head += f", {other.replace('_', ' ')} quantity {old} -> {new}"
    text = f"{head}: removes {', '.join(repair.fixes) or 'an error'}"
    if repair.introduces:
        text += f" but brings {', '.join(repair.introduces)}"
    if repair.errors_after:
        text += f" ({repair.errors_after} error{'s' if repair.errors_after != 1 else ''} left)"
    text += f"; {_money(repair.added_cost, currency)}; lead time {part.lead_time_days} d"
    if repair.new_warnings:
        text += f"; warns {', '.join(repair.new_warnings)}"
    return text
