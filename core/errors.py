"""The application's one exception family. The API maps it to HTTP in one place."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A domain or service error with a stable code, an HTTP status and per-field detail."""

    code = "error"
    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields = fields or {}
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    code = "invalid"
    status = 400


class NotFound(ApplicationError):
    code = "not_found"
    status = 404


class Conflict(ApplicationError):
    code = "conflict"
    status = 409


class Unprocessable(ApplicationError):
    code = "unprocessable"
    status = 422


class Busy(ApplicationError):
    """A moment's contention (a catalog import holds what this needs): nothing was done;
    the same call succeeds later. The API answers 503 with Retry-After."""

    code = "busy"
    status = 503

    def __init__(self, message: str, *, retry_after: int = 30, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
