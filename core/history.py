"""Who to record in the audit history for a change."""

from __future__ import annotations


def history_user(request=None, **kwargs):
    """The signed-in person; None for API-key calls and background work (no person behind them)."""
    from core.models import User

    user = getattr(request, "user", None) if request is not None else None
    return user if isinstance(user, User) else None
