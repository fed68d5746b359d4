"""Money as the sales workspace shows it: grouped, rounded to the currency's minor unit."""

from __future__ import annotations

from decimal import Decimal

from orders.documents import format_money


def money_text(amount, currency: str) -> str:
    """``4,327,934.14 USD``, ``152,345,678,901 KRW``; "—" when there is no amount yet."""
    if amount in (None, ""):
        return "—"
    return f"{format_money(Decimal(str(amount)), currency).split(' ', 1)[1]} {currency}"
