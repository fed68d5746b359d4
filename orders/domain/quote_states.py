"""The quote's states and what each allows: the one place services, views, admin, dashboards,
documents and templates (through orders.templatetags.quotes) ask.

    queued → pricing → ready → sent → accepted | rejected | expired
                    ↘ failed          (a new version supersedes an open quote)

Pure standard library: a quote is described by its status, whether its terms await a
sales rep's approval, and the day it is valid until.
"""

from __future__ import annotations

import datetime as dt

__all__ = [
    "ACCEPTED", "APPROVAL_QUEUE", "BINDING", "CLOSED_WITHOUT_ORDER", "EXPIRED", "FAILED",
    "IN_PROGRESS", "OFFERED", "OPEN", "PRICING", "PRINTED_AS_IS", "QUEUED", "READY", "REJECTED",
    "SENT", "SUPERSEDED",
    "acceptance_refusal", "awaiting_approval", "badge_tone", "is_acceptable", "is_approvable",
    "is_binding", "is_rejectable", "is_retryable", "is_sendable", "lapsed",
]

QUEUED = "queued"
PRICING = "pricing"
READY = "ready"
SENT = "sent"
ACCEPTED = "accepted"
REJECTED = "rejected"
EXPIRED = "expired"
SUPERSEDED = "superseded"
FAILED = "failed"

# Being worked on by a worker: no price yet.
IN_PROGRESS = frozenset({QUEUED, PRICING})
# Priced and in front of the buyer: the only states a buyer can accept or reject.
OFFERED = frozenset({READY, SENT})
# An offer that binds, or the order it became: shown as good news, printed without a draft band.
BINDING = frozenset({READY, SENT, ACCEPTED})
# Still needs someone (a worker, the buyer or a sales rep), in lifecycle order for listings.
OPEN = (QUEUED, PRICING, READY, SENT, FAILED)
# Ended without an order: nothing left to approve.
CLOSED_WITHOUT_ORDER = frozenset({REJECTED, EXPIRED, SUPERSEDED})
# Where a quote whose terms need approval waits for a sales rep: being priced, or priced and
# not yet sent (sending needs the approval first).
APPROVAL_QUEUE = frozenset({QUEUED, PRICING, READY})
# Printed on the quote document under their own name; any other state is issued as ready.
PRINTED_AS_IS = frozenset({SENT, ACCEPTED, EXPIRED, REJECTED})


def awaiting_approval(*, status: str, approval_pending: bool) -> bool:
    """Offered with terms below the agreement that no sales rep has approved: a draft, no final price."""
    return approval_pending and status in OFFERED


def lapsed(*, valid_until: dt.date | None, today: dt.date) -> bool:
    """Past its validity (its last day is still in it), whether or not the expiry has run."""
    return valid_until is not None and valid_until < today


def acceptance_refusal(*, status: str, approval_pending: bool, valid_until: dt.date | None,
                       today: dt.date) -> tuple[str, str] | None:
    """Why the buyer cannot accept this quote now, as (code, message); None when they can."""
    if awaiting_approval(status=status, approval_pending=approval_pending):
        return ("approval_pending", "it is awaiting approval by corekit sales")
    if status not in OFFERED:
        return ("quote_not_acceptable", f"it is {status.replace('_', ' ')}")
    if lapsed(valid_until=valid_until, today=today):
        return ("quote_expired", f"it expired on {valid_until.isoformat()}")
    return None


def is_acceptable(*, status: str, approval_pending: bool, valid_until: dt.date | None,
                  today: dt.date) -> bool:
    return acceptance_refusal(status=status, approval_pending=approval_pending,
                              valid_until=valid_until, today=today) is None


def is_rejectable(*, status: str) -> bool:
    return status in OFFERED


def is_sendable(*, status: str) -> bool:
    """Only a ready quote is sent to the buyer (and only once its terms are approved)."""
    return status == READY


def is_approvable(*, status: str, approval_required: bool) -> bool:
    """A sales rep approves the terms of an offered quote that asked for approval."""
    return approval_required and status in OFFERED


def is_retryable(*, status: str) -> bool:
    """Only a failed quote goes back to the queue."""
    return status == FAILED


def is_binding(*, status: str) -> bool:
    return status in BINDING


def badge_tone(*, status: str) -> str:
    """The tone of the status badge in quote listings: "ok", "err" or "" (neutral)."""
    if status == FAILED:
        return "err"
    return "ok" if status in BINDING else ""
