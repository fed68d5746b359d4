"""The quote's states and what each allows: the one place services, views and templates ask.

    queued → pricing → ready → sent → accepted | rejected | expired
                    ↘ failed          (a new version supersedes an open quote)

Pure standard library: a quote is described by its status, whether its terms await a
sales rep's approval, and the day it is valid until.
"""

from __future__ import annotations

import datetime as dt

__all__ = [
    "ACCEPTED", "EXPIRED", "FAILED", "IN_PROGRESS", "OFFERED", "PRICING", "QUEUED", "READY",
    "REJECTED", "SENT", "SUPERSEDED", "acceptance_refusal", "awaiting_approval", "is_acceptable",
    "is_rejectable",
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


def awaiting_approval(*, status: str, approval_pending: bool) -> bool:
    """Offered with terms below the agreement that no sales rep has approved: a draft, no final price."""
    return approval_pending and status in OFFERED


def acceptance_refusal(*, status: str, approval_pending: bool, valid_until: dt.date | None,
                       today: dt.date) -> tuple[str, str] | None:
    """Why the buyer cannot accept this quote now, as (code, message); None when they can."""
    if awaiting_approval(status=status, approval_pending=approval_pending):
        return ("approval_pending", "it is awaiting approval by corekit sales")
    if status not in OFFERED:
        return ("quote_not_acceptable", f"status {status}")
    if valid_until is not None and valid_until < today:
        return ("quote_expired", f"it expired on {valid_until.isoformat()}")
    return None


def is_acceptable(*, status: str, approval_pending: bool, valid_until: dt.date | None,
                  today: dt.date) -> bool:
    return acceptance_refusal(status=status, approval_pending=approval_pending,
                              valid_until=valid_until, today=today) is None


def is_rejectable(*, status: str) -> bool:
    return status in OFFERED
