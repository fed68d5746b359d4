"""Warming a new catalog view with the questions the previous one was recently asked.

A view arrives with its index and class tables built, but the caches requests fill (unit
prices per tier break, a policy's masks, the completion contexts and problems of a kit)
start empty: the first options request answered by a new view paid 40-90 ms at 100k parts
to fill them. A web process answers the kits it was recently asked about on the new view
before swapping it in, in the background, so that no request pays."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from configurator.domain.completion import completion_status
from configurator.domain.options.memo import remembered_all_slot_options, remembered_slot_options
from configurator.domain.types import Snapshot


def rebound(snapshot: Snapshot, index: Any) -> Snapshot | None:
    """The same kit with its parts as `index` has them (None: a part is gone)."""
    lines = []
    for line in snapshot.lines:
        part = index.get(line.part.sku) if line.part is not None else None
        if line.part is not None and part is None:
            return None
        lines.append(replace(line, part=part))
    return replace(snapshot, lines=tuple(lines))


def warm(index: Any, asked: Iterable[tuple[Snapshot, str | None]],
         pause: Callable[[], None] | None = None) -> int:
    """Answer each (kit, slot or every slot) once on `index`; how many were answered.
    `pause` is called before each kit (a background warm-up yields to requests there)."""
    answered = 0
    for snapshot, slot in asked:
        if pause is not None:
            pause()
        kit = rebound(snapshot, index)
        if kit is None:
            continue
        if slot:
            remembered_slot_options(kit, index, slot, offset=0, limit=20, include_excluded=True)
        else:
            remembered_all_slot_options(kit, index, limit=20, include_excluded=True)
        completion_status(kit, index)
        answered += 1
    return answered
