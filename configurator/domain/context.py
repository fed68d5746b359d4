"""The snapshot indexed once per evaluation, so each rule is a few dict look-ups."""

from __future__ import annotations

from collections.abc import Iterable

from configurator.domain.templates import SLOT_ORDER
from configurator.domain.types import ERROR, Line, Part, Snapshot, Violation

_SLOT_RANK = {slot: rank for rank, slot in enumerate(SLOT_ORDER)}


def slot_rank(slot: str) -> tuple[int, str]:
    """Sort key putting template slots in drawing order and unknown ones after, by name."""
    return (_SLOT_RANK.get(slot, len(_SLOT_RANK)), slot)


class KitContext:
    """Lines grouped by slot, and the parts each slot holds.

    `parts(slot)` only yields parts whose category is the slot's: a misfiled part
    is reported once as SLOT_CATEGORY and would otherwise feed nonsense (a
    busbar's missing bore, say) into every geometric rule. Parts are distinct by
    SKU and sorted, so nothing depends on the order the lines came in.
    """

    __slots__ = ("_lines", "_parts", "requirements", "snapshot", "template")

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.template = snapshot.template
        self.requirements = snapshot.requirements
        grouped: dict[str, list[Line]] = {}
        for line in snapshot.lines:
            grouped.setdefault(line.slot, []).append(line)
        categories = {slot.code: slot.category for slot in snapshot.template.slots}
        self._lines: dict[str, tuple[Line, ...]] = {}
        self._parts: dict[str, tuple[Part, ...]] = {}
        for slot, lines in grouped.items():
            lines.sort(key=lambda line: (line.part.sku, line.quantity))
            self._lines[slot] = tuple(lines)
            category = categories.get(slot)
            fitting: dict[str, Part] = {}
            for line in lines:
                if line.part.category == category:
                    fitting.setdefault(line.part.sku, line.part)
            self._parts[slot] = tuple(fitting.values())

    def lines(self, slot: str) -> tuple[Line, ...]:
        return self._lines.get(slot, ())

    def parts(self, slot: str) -> tuple[Part, ...]:
        return self._parts.get(slot, ())

    def filled_slots(self) -> list[str]:
        return sorted(self._lines, key=slot_rank)

    def quantity(self, slot: str) -> int:
        return sum(line.quantity for line in self._lines.get(slot, ()))

    def distinct_parts(self) -> list[tuple[str, Part]]:
        """Every (slot, part) in the kit, whatever its category: sourcing covers them all."""
        seen: dict[tuple[str, str], Part] = {}
        for slot in self.filled_slots():
            for line in self._lines[slot]:
                seen.setdefault((slot, line.part.sku), line.part)
        return [(slot, part) for (slot, _sku), part in seen.items()]


def violation(
    code: str,
    message: str,
    involved: Iterable[tuple[str, Part]] = (),
    *,
    severity: str = ERROR,
    slots: Iterable[str] = (),
    years: tuple[int, ...] = (),
) -> Violation:
    """A violation naming its slots in drawing order and its SKUs in the same order."""
    pairs = sorted({(slot, part.sku) for slot, part in involved}, key=lambda p: (*slot_rank(p[0]), p[1]))
    all_slots = {slot for slot, _sku in pairs} | set(slots)
    return Violation(
        code=code,
        severity=severity,
        message=message,
        slots=tuple(sorted(all_slots, key=slot_rank)),
        skus=tuple(dict.fromkeys(sku for _slot, sku in pairs)),
        years=years,
    )
