"""Repair suggestions: changes that remove a kit's errors and never lead into a dead end.

Every suggestion ends in a kit that can still be completed without an error
(configurator.domain.completion): a change after which no complete kit could
hold the remaining parts is not offered. When no single change will do (two
chosen parts that only fit each other's wrong partners, say), a multi-step
repair frees the fewest chosen slots that make the kit completable again and
refills them with the cheapest parts that keep it so, or leaves the ones that
are not the culprit empty ("remove the end plate and swap the shaft").

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
from itertools import combinations

from configurator.domain import codes
from configurator.domain.completion import completable
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

__all__ = ["REFERENCE_CURRENCY", "Repair", "Step", "apply_repair", "suggest_repairs"]

#: The currency of Part.reference_unit_price (configurator.selectors converts to it).
REFERENCE_CURRENCY = "USD"

SWAP = "swap"
QUANTITY = "quantity"
ADD = "add"
REMOVE = "remove"
MULTI = "multi"
_KIND_ORDER = {QUANTITY: 0, SWAP: 1, ADD: 2, MULTI: 3, REMOVE: 4}
# Multi-step repairs free at most this many chosen slots.
_MAX_FREED = 3


@dataclass(frozen=True)
class Step:
    """One change of a multi-step repair: swap a slot's part, or remove it."""

    kind: str  # "swap" | "remove"
    slot: str
    from_sku: str | None
    to_sku: str | None
    quantity: int

    def to_dict(self) -> dict:
        return {"kind": self.kind, "slot": self.slot, "from_sku": self.from_sku, "to_sku": self.to_sku,
                "quantity": self.quantity}

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
    # A multi-step repair's changes, in the order they are made.
    steps: tuple[Step, ...] = ()
    # The kit after the repair is complete and without an error.
    finishes: bool = False

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
            "steps": [step.to_dict() for step in self.steps],
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
    steps: tuple[Step, ...] = ()


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
    repairs = [r for r in repairs if completable(apply_repair(snapshot, r, index), index)]
    if not any(r.finishes for r in repairs):
        repairs += _multi_step(snapshot, index, validation, currency, per_slot)
    repairs.sort(key=_rank)
    return tuple(repairs[:limit])


def _rank(repair: Repair) -> tuple:
    """Kits left with no error first, then errors removed, then added cost per kit and lead time."""
    cost = repair.added_cost
    return (
        repair.errors_after > 0,
        -repair.errors_removed,
        repair.kind != QUANTITY,
        cost is None,
        cost if cost is not None else Decimal(0),
        repair.lead_time_days,
        repair.to_sku or "",
        _KIND_ORDER[repair.kind],
        repair.slot,
    )


def _freed(snapshot: Snapshot, slots: Iterable[str]) -> Snapshot:
    gone = set(slots)
    return replace(snapshot, lines=tuple(ln for ln in snapshot.lines if ln.slot not in gone))


def _freeing_sets(
    snapshot: Snapshot, index: CatalogIndex, errors: Sequence[Violation]
) -> list[tuple[str, ...]]:
    """The smallest sets of chosen slots whose parts, taken out, leave a completable kit."""
    chosen = sorted({ln.slot for ln in snapshot.lines}, key=slot_rank)
    named = {slot for v in errors for slot in v.slots}
    chosen.sort(key=lambda s: (s not in named, slot_rank(s)))
    for size in range(1, min(_MAX_FREED, len(chosen)) + 1):
        found = [
            combo for combo in combinations(chosen, size)
            if any(s in named for s in combo) and completable(_freed(snapshot, combo), index)
        ]
        if found:
            return found[:4]
    return []


def _multi_step(
    snapshot: Snapshot, index: CatalogIndex, validation: Validation, currency: str, per_slot: int
) -> list[Repair]:
    """Free the fewest chosen slots, then refill them cheapest first, each keeping the kit completable."""
    out: list[Repair] = []
    for freed in _freeing_sets(snapshot, index, validation.errors):
        base = _freed(snapshot, freed)
        primary = freed[0]
        primary_options = cheapest_feasible(base, index, primary, count=per_slot)[:per_slot]
        for option in primary_options or [None]:
            for fill_rest in (True, False):
                if len(freed) == 1 and not fill_rest:
                    continue
                after = base
                steps: list[Step] = []
                for slot in sorted(freed, key=slot_rank):
                    slot_def = snapshot.template.slot(slot)
                    old = ", ".join(sorted({ln.part.sku for ln in snapshot.lines if ln.slot == slot})) or None
                    if slot == primary and option is not None:
                        part = option.part
                    elif fill_rest and slot_def is not None and slot_def.required:
                        found = cheapest_feasible(after, index, slot, count=1)
                        if not found:
                            break
                        part = found[0].part
                    else:
                        steps.append(Step(REMOVE, slot, old, None, 0))
                        continue
                    after = candidate_snapshot(after, slot, part)
                    steps.append(Step(SWAP, slot, old, part.sku, 0))
                else:
                    if not completable(after, index):
                        continue
                    # The kit's quantities, once every step is made (the formula follows the rotor core).
                    final = {ln.slot: ln.quantity for ln in after.lines}
                    steps = [replace(st, quantity=final.get(st.slot, 0)) for st in steps]
                    out.append(_multi_repair(snapshot, after, steps, validation, currency))
    return out


def _multi_repair(
    snapshot: Snapshot, after: Snapshot, steps: list[Step], validation: Validation, currency: str
) -> Repair:
    judged = evaluate(after)
    before = Counter(v.code for v in validation.errors)
    after_codes = Counter(v.code for v in judged.errors)
    swapped = [st for st in steps if st.kind == SWAP]
    lead = max((index_part.lead_time_days for index_part in _parts(after, swapped)), default=0)
    head = steps[0]
    repair = Repair(
        kind=MULTI,
        slot=head.slot,
        from_sku=head.from_sku,
        to_sku=head.to_sku,
        quantity=head.quantity,
        fixes=tuple(sorted((before - after_codes).keys())),
        errors_before=len(validation.errors),
        errors_after=len(judged.errors),
        added_cost=_added_cost(snapshot, after),
        lead_time_days=lead,
        message="",
        introduces=tuple(sorted((after_codes - before).keys())),
        new_warnings=tuple(sorted({v.code for v in judged.warnings} - {v.code for v in validation.warnings})),
        steps=tuple(steps),
        finishes=judged.valid,
    )
    words = []
    for st in steps:
        label = st.slot.replace("_", " ")
        if st.kind == REMOVE:
            words.append(f"remove {label} {st.from_sku}")
        elif st.from_sku:
            words.append(f"swap {label} {st.from_sku} for {st.to_sku} x {st.quantity}")
        else:
            words.append(f"add {label} {st.to_sku} x {st.quantity}")
    text = "; ".join(words)
    text = text[0].upper() + text[1:]
    text += f": removes {', '.join(repair.fixes) or 'the errors'}"
    if judged.errors:
        left = [v.code for v in judged.errors]
        only_missing = all(code == codes.SLOT_REQUIRED for code in left)
        text += " (the kit can still be completed" + (
            ": choose the removed parts again from the options)" if only_missing else ")")
    text += f"; {_money(repair.added_cost, currency)}; lead time {lead} d"
    return replace(repair, message=text)


def _parts(snapshot: Snapshot, steps: Sequence[Step]) -> list[Part]:
    skus = {st.to_sku for st in steps}
    return [ln.part for ln in snapshot.lines if ln.part.sku in skus]


def _best(repairs: list[Repair], count: int) -> list[Repair]:
    """A slot's best few; for sourcing trouble, other suppliers' parts first."""
    return sorted(repairs, key=lambda r: (-r.errors_removed, not r.other_supplier, _rank(r)))[:count]


def apply_repair(snapshot: Snapshot, repair: Repair, index: CatalogIndex) -> Snapshot:
    """The kit with the repair made, exactly as it was judged (KeyError for a SKU gone from the index)."""
    if repair.kind == MULTI:
        after = snapshot
        for step in repair.steps:
            if step.kind == REMOVE:
                after = _freed(after, (step.slot,))
                continue
            part = index.get(step.to_sku or "")
            if part is None:
                raise KeyError(step.to_sku)
            after = candidate_snapshot(after, step.slot, part)
        return after
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
            finishes=validation.valid,
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
        if change.slot == MAGNET and not any(ln.slot == ROTOR_CORE for ln in change.after.lines):
            head = f"Add {slot} {part.sku} ({_who(part)}; the count follows the rotor core)"
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
