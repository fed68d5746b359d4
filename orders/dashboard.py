"""The organization's home: its configurations, quotes and orders, and what needs attention."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum

from configurator.models import ChangeImpact, Configuration
from core import clock
from core.domain.money import money_text
from orders.domain import quote_states
from orders.models import Order, Quote
from parts.models import ProvenanceStage
from parts.selectors import capacity_report


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
        if q.status in quote_states.OFFERED and q.approval_pending:
            # No final price and not acceptable yet: it said "is ready" beside "awaiting approval".
            attention.append(("warn", f"Quote {q.number} v{q.version} is awaiting corekit sales' "
                              "approval of its terms", f"/quotes/{q.pk}/"))
        elif q.status in quote_states.OFFERED:
            label = "expires" if q.valid_until and q.valid_until <= soon else "is ready"
            attention.append(("warn" if label == "expires" else "ok",
                              f"Quote {q.number} v{q.version} {label}"
                              + (f" on {q.valid_until}" if label == "expires" else ""),
                              f"/quotes/{q.pk}/"))
        elif q.status == Quote.Status.FAILED:
            attention.append(("err", f"Quote {q.number} v{q.version} failed: {q.failure_reason}",
                              f"/quotes/{q.pk}/"))
    lately = clock.today() - dt.timedelta(days=30)  # a cancellation is news for a month
    for o in orders:
        changed = o.status_changed_at
        if o.status == Order.Status.CANCELLED and changed and changed.date() >= lately:
            attention.append(("err", f"Order {o.number} was cancelled by corekit sales on "
                              f"{changed:%Y-%m-%d}", f"/orders/{o.pk}/"))
    return {"configurations": configurations, "quotes": quotes, "orders": orders,
            "attention": attention}


def sales_dashboard() -> dict:
    """The admin index for sales reps: what to act on, in a fixed number of queries."""
    today = clock.today()
    counts = dict(Quote.objects.values_list("status").annotate(n=Count("id")))
    month_start = today.replace(day=1)
    # Priced this month and still waiting for the customer: accepted, rejected and expired
    # quotes are no longer "ready".
    ready_month = list(
        Quote.objects.filter(ready_at__date__gte=month_start, total__isnull=False,
                             status__in=quote_states.OFFERED)
        .values_list("currency").annotate(total=Sum("total"), n=Count("id")).order_by("currency")
    )
    # Capacity is booked by accepted orders (open quotes book nothing): the parts and
    # years at 80 % or more of their annual capacity, from one aggregate query.
    capacity = [
        {"sku": r["sku"], "year": r["year"], "capacity": f"{r['capacity']:,}", "pct": r["pct"],
         "free": f"{r['free']:,}", "orders": r["orders"]}
        for r in capacity_report() if r["pct"] is None or r["pct"] >= 80
    ]
    orders = Order.objects.aggregate(
        total=Count("id"), month=Count("id", filter=Q(created_at__date__gte=month_start)))
    return {
        "open": [(s, Quote.Status(s).label, counts.get(s, 0)) for s in quote_states.OPEN],
        "awaiting": Quote.objects.filter(approval_required=True, approved_at__isnull=True)
        .exclude(status__in=quote_states.CLOSED_WITHOUT_ORDER).count(),
        "ready_month": [(c, money_text(t, c), n) for c, t, n in ready_month],
        "expiring_evidence_count": ProvenanceStage.objects.filter(
            evidence_expires__gte=today, evidence_expires__lte=today + dt.timedelta(days=90)).count(),
        "expiring_evidence": list(
            ProvenanceStage.objects.filter(evidence_expires__gte=today,
                                           evidence_expires__lte=today + dt.timedelta(days=90))
            .select_related("part").order_by("evidence_expires")[:50]
        ),
        "capacity": capacity[:8],
        "orders": orders,
        "impacts": ChangeImpact.objects.filter(created_at__date__gte=today - dt.timedelta(days=30)).count(),
    }
