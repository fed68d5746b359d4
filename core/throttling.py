"""Sign-in throttling, per username and per client address, shared by every process.

Failures are rows in the database (`SignInFailure`): every web process sees the same count
(a per-process cache let a limit of 5 become 10 with two gunicorn workers), and sign-in
neither fails nor stops being throttled when Redis is down. A username is refused after
COREKIT_LOGIN_MAX_FAILURES failures within COREKIT_LOGIN_LOCK_SECONDS, an address after
COREKIT_LOGIN_MAX_FAILURES_PER_ADDRESS (higher: an office shares one address); a success
clears the username's count. Failures are recorded from Django's `user_login_failed`
signal, so every sign-in form that authenticates with a request is counted; the web and
admin sign-in forms check the lock before they authenticate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress

from django.conf import settings
from django.db.models import Count

from core import clock
from core.models import SignInFailure

LOCKED_MESSAGE = "Too many failed sign-ins. Wait a few minutes, or reset your password."


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind COREKIT_TRUSTED_PROXIES reverse proxies
    the address the outermost trusted proxy saw (N-th from the right of X-Forwarded-For).

    Entries further left are whatever the client sent and are never trusted.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = settings.COREKIT_TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-min(trusted, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate.strip("[]")))
    except ValueError:
        return remote


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _user_key(username: str) -> str:
    return _key("user", (username or "").strip().lower())


def _addr_key(address: str) -> str:
    return _key("addr", address or "")


def _window_start() -> dt.datetime:
    return clock.now() - dt.timedelta(seconds=settings.COREKIT_LOGIN_LOCK_SECONDS)


def login_locked(username: str, address: str | None) -> bool:
    limits = {_user_key(username): settings.COREKIT_LOGIN_MAX_FAILURES}
    if address:
        limits[_addr_key(address)] = settings.COREKIT_LOGIN_MAX_FAILURES_PER_ADDRESS
    counts = (SignInFailure.objects.filter(key__in=limits, at__gte=_window_start())
              .values("key").annotate(n=Count("id")))
    return any(row["n"] >= limits[row["key"]] for row in counts)


def login_failed(username: str, address: str | None) -> None:
    now = clock.now()
    rows = [SignInFailure(key=_user_key(username), at=now)]
    if address:
        rows.append(SignInFailure(key=_addr_key(address), at=now))
    SignInFailure.objects.bulk_create(rows)
    # Failures older than the window count for nothing: keep the table small.
    SignInFailure.objects.filter(at__lt=_window_start()).delete()


def login_succeeded(username: str) -> None:
    SignInFailure.objects.filter(key=_user_key(username)).delete()


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    login_failed(credentials.get("username", ""), client_address(request) if request else None)


def on_logged_in(sender, request, user, **kwargs) -> None:
    login_succeeded(user.get_username())
