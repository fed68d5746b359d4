"""An order's states and the changes between them: the one place the service and the admin ask.

    confirmed → in_delivery → completed
         ↘          ↘
          cancelled  cancelled

Pure standard library.
"""

from __future__ import annotations

CONFIRMED = "confirmed"
IN_DELIVERY = "in_delivery"
COMPLETED = "completed"
CANCELLED = "cancelled"

_NEXT = {
    CONFIRMED: frozenset({IN_DELIVERY, CANCELLED}),
    IN_DELIVERY: frozenset({COMPLETED, CANCELLED}),
    COMPLETED: frozenset(),
    CANCELLED: frozenset(),
}


def may_change(*, status: str, to: str) -> bool:
    return to in _NEXT.get(status, frozenset())


def released_years(*, status: str, years: list[int], current_year: int) -> list[int]:
    """The delivery years whose booked capacity a cancellation gives back: every year of an
    order not yet in delivery; of one in delivery, the years after the current one (this
    year's units may be partly delivered already, and the years before are)."""
    if status == CONFIRMED:
        return sorted(years)
    return sorted(y for y in years if y > current_year)
