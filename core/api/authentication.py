from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from core.selectors import Principal, api_key_authenticate


class ApiKeyUser:
    """The request.user of an API-key call: authenticated, but no person behind it."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    is_active = True
    pk = None
    id = None

    def __init__(self, api_key) -> None:
        self.api_key = api_key
        self.username = f"api-key:{api_key.prefix}"

    def __str__(self) -> str:
        return self.username


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`. A bad or revoked key is 401, never silently anonymous."""

    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, raw_key = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        raw_key = raw_key.strip()
        if not raw_key:
            raise exceptions.AuthenticationFailed("Api-Key header without a key.")
        api_key = api_key_authenticate(raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        principal = Principal(organization=api_key.organization, role=api_key.role, api_key=api_key)
        return ApiKeyUser(api_key), principal

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>` as issued by a sales rep or `manage.py create_api_key`.",
        }
