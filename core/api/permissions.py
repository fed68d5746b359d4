from rest_framework.permissions import BasePermission

from core.api.tenancy import request_principal


class IsOrganizationMember(BasePermission):
    """Authenticated and acting for an organization (API key, or a user with a membership)."""

    message = "Authentication with an organization is required."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request_principal(request) is not None
