"""One error shape for every API error: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError


def _join(prefix: str, key: Any) -> str:
    if isinstance(key, int):  # DRF keys list-item errors by index
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"lines[1].quantity": ["..."]}: each field named by its path."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            out.update(_flatten(value, _join(prefix, key)))
    elif isinstance(detail, list) and any(isinstance(v, (dict, list)) for v in detail):
        for i, value in enumerate(detail):
            if value:
                out.update(_flatten(value, f"{prefix}[{i}]"))
    elif isinstance(detail, list):
        out[prefix or "non_field_errors"] = [str(v) for v in detail]
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _first_message(fields: dict[str, Any]) -> str:
    for name, messages in fields.items():
        return messages[0] if name == "non_field_errors" else f"{name}: {messages[0]}"
    return "Invalid input."


def error_body(code: str, message: str, fields: dict[str, Any] | None = None, **extra) -> dict:
    body = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra)
    return {"error": body}


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("too_large", "the request body is too large"), status=413)
    if isinstance(exc, ApplicationError):
        response = Response(
            error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status
        )
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        response.data = error_body("invalid", _first_message(fields), fields)
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if not isinstance(code, str):
            code = "error"
        response.data = error_body(code, str(getattr(exc, "detail", exc)))
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = "Api-Key"
    return response


@csrf_exempt  # a JSON 404 for any method: there is nothing here to protect
def api_not_found(request, *args, **kwargs):
    from django.http import JsonResponse

    return JsonResponse(error_body("not_found", f"no such path: {request.path}"), status=404)
