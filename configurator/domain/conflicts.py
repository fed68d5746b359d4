"""Conflicts between chosen parts, in words: which part to change, and the cheapest suggested fix.

A violation that names two or more slots holding parts (AIR_GAP between the rotor core
and the stator core, SHAFT_FIT, END_PLATE_FIT, ...) is a conflict: either part could be
the one to change. `change_hint` says so in words ("Change the end plate (EP-1) or the
rotor core (RC-1)"); `cheapest_fix` picks, among the repairs the domain already suggested
(configurator.domain.repairs), the one that removes the violation for the least added
cost per kit. Nothing here judges a kit or builds a repair.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from configurator.domain.repairs import Repair


def conflict_slots(slots: Iterable[str], chosen: Mapping[str, Sequence[str]]) -> list[str]:
    """The violation's slots that hold a part, in the violation's order; a conflict has two or more."""
    return [slot for slot in dict.fromkeys(slots) if chosen.get(slot)]


def repair_slots(repair: Repair) -> set[str]:
    return {repair.slot} | {step.slot for step in repair.steps}


def cheapest_fix(code: str, slots: Iterable[str], repairs: Sequence[Repair]) -> Repair | None:
    """Of the suggested repairs that remove `code` by changing one of `slots`, the cheapest per
    kit (one that brings in no other error first; unknown cost last; ties in the given order)."""
    wanted = set(slots)
    fixing = [(position, r) for position, r in enumerate(repairs)
              if code in r.fixes and repair_slots(r) & wanted]
    if not fixing:
        return None
    _position, best = min(fixing, key=lambda pr: (
        bool(pr[1].introduces), pr[1].added_cost is None,
        pr[1].added_cost if pr[1].added_cost is not None else Decimal(0), pr[0]))
    return best


def change_hint(slots: Iterable[str], chosen: Mapping[str, Sequence[str]], labels: Mapping[str, str],
                *, first: Iterable[str] = ()) -> str | None:
    """"Change the end plate (EP-1) or the rotor core (RC-1)." for a conflict between chosen parts;
    None when the violation involves fewer than two chosen slots. Slots in `first` (those the
    cheapest fix changes) are named first."""
    involved = conflict_slots(slots, chosen)
    if len(involved) < 2:
        return None
    lead = [s for s in involved if s in set(first)]
    ordered = lead + [s for s in involved if s not in lead]
    named = [f"the {labels.get(s, s.replace('_', ' ')).lower()} ({', '.join(chosen[s])})" for s in ordered]
    return f"Change {', '.join(named[:-1])} or {named[-1]}."
