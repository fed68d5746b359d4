"""Plumbing for the buyer web app: who the signed-in user acts for."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from core.selectors import principal_for_user


def organization_required(view):
    """Signed in, with a membership; sets request.principal and request.organization."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        principal = principal_for_user(request.user)
        if principal is None:
            raise PermissionDenied("this account is not a member of an organization")
        request.principal = principal
        request.organization = principal.organization
        return view(request, *args, **kwargs)

    return wrapper
