"""evaluate(): every compatibility and sourcing violation of one kit snapshot."""

from __future__ import annotations

from collections.abc import Iterable

from configurator.domain.context import KitContext, slot_rank
from configurator.domain.rules import RULES, Rule
from configurator.domain.sourcing import policy_violations, schedule_violations
from configurator.domain.types import ERROR, Snapshot, Validation, Violation


def violation_sort_key(v: Violation) -> tuple:
    # Slots compare in drawing order (rotor side first) rather than alphabetically,
    # so a code's violations read the way the kit is laid out. Years and message
    # only break ties, so equal inputs give equal output whatever the line order.
    return (v.severity != ERROR, v.code, tuple(map(slot_rank, v.slots)), v.skus, v.years, v.message)


def _collect(snapshot: Snapshot, rules: Iterable[Rule]) -> tuple[KitContext, list[Violation]]:
    ctx = KitContext(snapshot)
    found: list[Violation] = []
    for rule in rules:
        if rule.applies(ctx):
            found.extend(rule.check(ctx))
    found.extend(policy_violations(snapshot, ctx))
    found.extend(schedule_violations(snapshot))
    return ctx, found


def _finish(found: list[Violation]) -> tuple[Violation, ...]:
    return tuple(sorted(set(found), key=violation_sort_key))


def is_complete(snapshot: Snapshot) -> bool:
    """Every required slot has a line; a misfiled part still fills it (SLOT_CATEGORY says why not)."""
    filled = {line.slot for line in snapshot.lines}
    return all(slot.code in filled for slot in snapshot.template.slots if slot.required)


def evaluate(snapshot: Snapshot) -> Validation:
    """All violations, errors first, then by code, slots and SKUs."""
    _ctx, found = _collect(snapshot, RULES)
    violations = _finish(found)
    complete = is_complete(snapshot)
    valid = complete and not any(v.severity == ERROR for v in violations)
    return Validation(valid=valid, complete=complete, violations=violations)


def violations_involving(snapshot: Snapshot, slot: str) -> tuple[Violation, ...]:
    """The violations a part in `slot` takes part in, for guided options.

    Only the rules that read the slot run, so judging many candidates for one
    slot does not pay for the rest of the kit's rules each time.
    """
    rules = [rule for rule in RULES if slot in rule.slots]
    _ctx, found = _collect(snapshot, rules)
    return _finish([v for v in found if slot in v.slots])
