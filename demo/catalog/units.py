"""Small conversions the demo catalog's builders share (decimals, money, grades)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from demo.catalog.tables import (
    GRADE_RE,
    GRADE_REMANENCE,
    GRADE_SUFFIXES,
)


def dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def json_number(value: Any) -> int | float:
    """A spec number as JSON wants it: an int where integral, else a short float."""
    number = dec(value)
    if number == number.to_integral_value():
        return int(number)
    return float(number.normalize())


def money_text(amount: Decimal, currency: str) -> str:
    if currency == "KRW":
        return str((amount / 10).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * 10)
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def round_kg(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def tag(value: str, scale: int) -> str:
    return str(int((dec(value) * scale).to_integral_value()))


def parse_grade(grade: str) -> tuple[int, str]:
    """'N48SH' -> (48, 'SH'). Raises ValueError for a grade outside the tables."""
    match = GRADE_RE.match(grade)
    if not match or int(match.group(1)) not in GRADE_REMANENCE or match.group(2) not in (GRADE_SUFFIXES):
        raise ValueError(f"unknown NdFeB grade {grade!r}")
    return int(match.group(1)), match.group(2)


def magnet_quantity(rotor_specs: dict[str, Any], magnet_specs: dict[str, Any]) -> int:
    """Magnets per rotor kit: poles x magnets_per_pole x floor(pocket_length / length)."""
    segments = math.floor(dec(rotor_specs["pocket_length_mm"]) / dec(magnet_specs["length_mm"]))
    return rotor_specs["poles"] * rotor_specs["magnets_per_pole"] * segments
