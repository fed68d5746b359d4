"""Exact numbers for the rules, and how they are written in messages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

_HUNDREDTH = Decimal("0.01")
_TENTH = Decimal("0.1")


def to_decimal(value: Any) -> Decimal | None:
    """The spec value as an exact Decimal, or None when it is missing or not a number.

    Floats go through repr so 49.3 stays 49.3 rather than its binary neighbour;
    bools are refused because True would otherwise read as 1 mm.
    """
    if isinstance(value, Decimal):
        return value
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def to_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def plain(value: Decimal | int) -> str:
    """A catalog number as it was entered (161.9 stays 161.9, never 1.619E+2)."""
    return format(value, "f")


def mm(value: Decimal) -> str:
    """A derived length (gap, clearance, difference) with at least two decimals."""
    if value.as_tuple().exponent > -2:  # type: ignore[operator]
        value = value.quantize(_HUNDREDTH)
    return format(value, "f")


def two_decimals(value: Decimal) -> str:
    return format(value.quantize(_HUNDREDTH), "f")


def one_decimal(value: Decimal) -> str:
    return format(value.quantize(_TENTH), "f")


def thousands(value: int) -> str:
    return f"{value:,}"
