"""Guided options remembered per kit, on the catalog view that answered them.

`slot_options` is a function of the kit (the snapshot) and the catalog index alone, and
buyers ask the same kit again and again: the web page asks every slot after each change,
a partner polls a program's options, the next catalog view is warmed with the kits the
previous one was asked (`configurator.domain.warm`). The answers are kept on the index
(a new catalog view starts with none), the most recently used ones up to `ITEMS_KEPT`
options in all (about 25 KB per answer of 20 items: 256 such pages take 6-7 MB, whatever
the page sizes asked), under a key that holds every field of the snapshot:

* by value: the template, the schedule, the day and the restricted list; the requirements
  and a custom policy by their repr (a custom policy is rebuilt from its rows on each
  request; a temperature of 150 and one of 150.0 are equal but read differently in a
  violation's message);
* by identity: the parts of the lines (a view hands out one object per SKU, and a part is
  immutable), a built-in policy (a module constant) and the bookings (this process's
  reading hands out one mapping per reading and program years, and keeps it while the
  bookings read the same). The entry keeps those objects alive, so an id in a key always
  names the object it was taken from. Only read-only bookings (a `MappingProxyType`) are
  compared that way: a kit whose bookings are a plain dict (an exact read of the
  database, made for that one snapshot and mutable) is answered without being kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from types import MappingProxyType
from typing import Any

from configurator.domain.options.index import CatalogIndex
from configurator.domain.options.listing import SlotOptions, slot_options
from configurator.domain.sourcing import BUILTIN_POLICIES
from configurator.domain.types import Snapshot

ITEMS_KEPT = 5_120  # options, over every answer kept on one index


def kit_key(snapshot: Snapshot) -> tuple:
    """Equal keys, equal guided options (on one index): every field of the snapshot."""
    policy = snapshot.policy
    builtin = BUILTIN_POLICIES.get(policy.code) is policy
    return (
        snapshot.template,
        repr(snapshot.requirements),
        tuple((line.slot, id(line.part), line.quantity) for line in snapshot.lines),
        id(policy) if builtin else repr(policy),
        snapshot.schedule,
        snapshot.today,
        snapshot.restricted_entities,
        id(snapshot.booked),
    )


class _Answers:
    """The last answers of one index, least recently used out first (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple, tuple[Any, SlotOptions]] = OrderedDict()
        self._items = 0  # options in the answers kept

    def get(self, key: tuple) -> SlotOptions | None:
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                return None
            self._kept.move_to_end(key)
            return found[1]

    def put(self, key: tuple, alive: Any, answer: SlotOptions) -> None:
        with self._lock:
            replaced = self._kept.pop(key, None)
            if replaced is not None:
                self._items -= _weight(replaced[1])
            self._kept[key] = (alive, answer)
            self._items += _weight(answer)
            while self._items > ITEMS_KEPT and len(self._kept) > 1:
                self._items -= _weight(self._kept.popitem(last=False)[1][1])

    def __len__(self) -> int:
        return len(self._kept)


def _weight(answer: SlotOptions) -> int:
    return max(len(answer.items), 1)


def answers_of(index: CatalogIndex) -> _Answers:
    return index.__dict__.setdefault("_guided_answers", _Answers())


def remembered_slot_options(
    snapshot: Snapshot,
    index: CatalogIndex,
    slot: str,
    *,
    offset: int = 0,
    limit: int = 20,
    include_excluded: bool = True,
    search: str = "",
    key: tuple | None = None,
) -> SlotOptions:
    """`slot_options` (engine-confirmed, dead ends excluded), answered once per kit and
    page on this index. `key`: the snapshot's `kit_key`, when the caller has it already."""
    if not isinstance(snapshot.booked, MappingProxyType):
        return slot_options(snapshot, index, slot, offset=offset, limit=limit,
                            include_excluded=include_excluded, search=search)
    found_key = (kit_key(snapshot) if key is None else key, slot, offset, limit, include_excluded, search)
    answers = answers_of(index)
    answer = answers.get(found_key)
    if answer is None:
        answer = slot_options(snapshot, index, slot, offset=offset, limit=limit,
                              include_excluded=include_excluded, search=search)
        answers.put(found_key, (snapshot.lines, snapshot.policy, snapshot.booked), answer)
    return answer


def remembered_all_slot_options(
    snapshot: Snapshot, index: CatalogIndex, *, offset: int = 0, limit: int = 20,
    include_excluded: bool = True, search: str = "",
) -> dict[str, SlotOptions]:
    """`all_slot_options` (the same page of every slot), each slot answered through
    `remembered_slot_options`."""
    key = kit_key(snapshot)
    return {
        s.code: remembered_slot_options(snapshot, index, s.code, offset=offset, limit=limit,
                                        include_excluded=include_excluded, search=search, key=key)
        for s in snapshot.template.slots
    }
