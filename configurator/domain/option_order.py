"""A slot's options in another order than the engine's: lead time, name, SKU or the slot's key spec.

The engine (configurator.domain.options) ranks a slot's parts by cost per kit and
decides which fit; this module only re-orders the parts that fit, with one key per
order, kept here so the web builder and the API sort alike. Python's sort is
stable and the engine hands the parts over cheapest per kit first, so parts equal
on the chosen key stay cheapest first. Parts that do not fit keep the engine's
order after them (fewest reasons first): the sort is for choosing, and what
excludes a part matters more than its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from configurator.domain.options import CatalogIndex, Option, SlotOptions, slot_options
from configurator.domain.options.judge import codes_of, engine_errors
from configurator.domain.types import Snapshot

COST = "cost"
LEAD_TIME = "lead_time"
NAME = "name"
SKU = "sku"
SPEC = "spec"
DEFAULT_SORT = COST
SORTS = (COST, LEAD_TIME, NAME, SKU, SPEC)
# Large enough to take every part of a category in one answer.
_EVERY = 10**9


@dataclass(frozen=True)
class KeySpec:
    """The spec a buyer compares first in a slot, and which end of it they look at first."""

    field: str
    name: str  # short, for the sort control
    descending: bool = False

    @property
    def label(self) -> str:
        return f"{self.name.lower()}, {'highest' if self.descending else 'smallest'} first"


# Per part category. Sizes smallest first; ratings (temperature, current, voltage) highest first.
KEY_SPECS: dict[str, KeySpec] = {
    "stator_core": KeySpec("outer_diameter_mm", "Outer diameter"),
    "rotor_core": KeySpec("outer_diameter_mm", "Outer diameter"),
    "magnet": KeySpec("max_operating_temp_c", "Operating temperature", descending=True),
    "shaft": KeySpec("seat_diameter_mm", "Seat diameter"),
    "end_plate": KeySpec("outer_diameter_mm", "Outer diameter"),
    "winding": KeySpec("voltage_class_v", "Voltage class", descending=True),
    "insulation": KeySpec("voltage_class_v", "Voltage class", descending=True),
    "busbar": KeySpec("max_current_a", "Maximum current", descending=True),
    "resolver": KeySpec("bore_diameter_mm", "Bore diameter"),
    "temperature_sensor": KeySpec("max_temp_c", "Maximum temperature", descending=True),
}

# (short name for the control, how the list reads once sorted)
_ORDERS = {
    COST: ("Cost per kit", "cost per kit, lowest first"),
    LEAD_TIME: ("Lead time", "lead time, shortest first"),
    NAME: ("Name", "name, A to Z"),
    SKU: ("SKU", "SKU, A to Z"),
}


def sort_choices(category: str) -> list[tuple[str, str]]:
    """(value, short label) of the orders that make sense for a category, the default first."""
    choices = [(COST, _ORDERS[COST][0]), (LEAD_TIME, _ORDERS[LEAD_TIME][0])]
    if category in KEY_SPECS:
        choices.append((SPEC, KEY_SPECS[category].name))
    return [*choices, (NAME, _ORDERS[NAME][0]), (SKU, _ORDERS[SKU][0])]


def sort_label(sort: str, category: str) -> str:
    """How the list is ordered, in words ("lead time, shortest first")."""
    if sort == SPEC and category in KEY_SPECS:
        return KEY_SPECS[category].label
    return _ORDERS.get(sort, _ORDERS[COST])[1]


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _key(sort: str, category: str) -> Callable[[Option], tuple]:
    if sort == LEAD_TIME:
        return lambda o: (o.part.lead_time_days,)
    if sort == NAME:
        return lambda o: ((o.part.name or o.part.sku).casefold(), o.part.sku)
    if sort == SKU:
        return lambda o: (o.part.sku,)
    spec = KEY_SPECS.get(category)
    if sort == SPEC and spec is not None:
        sign = -1 if spec.descending else 1

        def by_spec(o: Option) -> tuple:
            value = _number(o.part.specs.get(spec.field))
            return (value is None, sign * value if value is not None else 0)

        return by_spec
    return lambda o: ()  # the engine's order (cost per kit): a stable sort keeps it


def sorted_slot_options(
    snapshot: Snapshot,
    index: CatalogIndex,
    slot: str,
    *,
    sort: str = DEFAULT_SORT,
    offset: int = 0,
    limit: int = 20,
    include_excluded: bool = True,
    search: str = "",
) -> SlotOptions:
    """`slot_options`, with the parts that fit in `sort` order (one of SORTS).

    The default (cost per kit) is the engine's own answer. Any other order takes
    every part that fits from the engine, sorts them here and pages; each page item
    is then run through the engine, as the engine's own pages are. Raises
    ValueError for an unknown sort, KeyError for a slot the template does not have.
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; one of {', '.join(SORTS)}")
    if sort == COST:
        return slot_options(snapshot, index, slot, offset=offset, limit=limit,
                            include_excluded=include_excluded, search=search)
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must not be negative")
    every = slot_options(snapshot, index, slot, offset=0, limit=_EVERY, include_excluded=False,
                         confirm=False, search=search)
    fits = sorted(every.items, key=_key(sort, every.category))
    items = []
    for option in fits[offset:offset + limit]:
        errors = engine_errors(snapshot, slot, option.part, option.quantity)
        codes = codes_of(errors)
        items.append(replace(option, feasible=not codes, codes=codes, violations=errors))
    if include_excluded and len(items) < limit:
        rest = slot_options(snapshot, index, slot, offset=max(offset, every.feasible_count),
                            limit=limit - len(items), include_excluded=True, search=search)
        items += rest.items
    return replace(every, items=tuple(items), offset=offset, limit=limit)
