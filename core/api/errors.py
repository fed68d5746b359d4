"""One error shape for every API error: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def _first_message(fields: dict[str, Any]) -> str:
    for name, value in fields.items():
        while isinstance(value, (list, dict)) and value:
            value = value[0] if isinstance(value, list) else next(iter(value.values()))
        if name == "non_field_errors":
            return str(value)
        return f"{name}: {value}"
    return "Invalid input."


def error_body(code: str, message: str, fields: dict[str, Any] | None = None, **extra) -> dict:
    body = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra)
    return {"error": body}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(
            error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        response.data = error_body("invalid", _first_message(fields), fields)
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if not isinstance(code, str):
            code = "error"
        response.data = error_body(code, str(getattr(exc, "detail", exc)))
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = "Api-Key"
    return response
