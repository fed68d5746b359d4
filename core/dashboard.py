"""The organization's home: its configurations, quotes and orders, and what needs attention."""

from __future__ import annotations

import datetime as dt

from configurator.models import Configuration
from core import clock
from orders.models import Order, Quote


def organization_dashboard(*, organization) -> dict:
    configurations = list(
        Configuration.objects.for_organization(organization).select_related("template")[:20]
    )
    quotes = list(Quote.objects.for_organization(organization).order_by("-created_at")[:20])
    orders = list(Order.objects.for_organization(organization).order_by("-created_at")[:20])
    soon = clock.today() + dt.timedelta(days=7)
    attention = []
    for c in configurations:
        if c.invalidated_by_change:
            attention.append(("err", f"Configuration “{c.name}” became invalid: {c.invalidated_by_change}",
                              f"/configurations/{c.pk}/"))
    for q in quotes:
        if q.status in (Quote.Status.READY, Quote.Status.SENT):
            label = "expires" if q.valid_until and q.valid_until <= soon else "is ready"
            attention.append(("warn" if label == "expires" else "ok",
                              f"Quote {q.number} v{q.version} {label}"
                              + (f" on {q.valid_until}" if label == "expires" else ""),
                              f"/quotes/{q.pk}/"))
        elif q.status == Quote.Status.FAILED:
            attention.append(("err", f"Quote {q.number} v{q.version} failed: {q.failure_reason}",
                              f"/quotes/{q.pk}/"))
    return {"configurations": configurations, "quotes": quotes, "orders": orders,
            "attention": attention}
