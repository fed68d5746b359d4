"""Who the caller is, resolved once per request, for every API view."""

from __future__ import annotations

from core.selectors import Principal, principal_for_user


def request_principal(request) -> Principal | None:
    """The caller's organization and role: from the API key, else from the session user."""
    cached = getattr(request, "_corekit_principal", None)
    if cached is not None:
        return cached
    auth = getattr(request, "auth", None)
    principal = auth if isinstance(auth, Principal) else principal_for_user(request.user)
    request._corekit_principal = principal
    return principal


def request_organization(request):
    principal = request_principal(request)
    return principal.organization if principal else None
