"""Sign-in throttling: repeated failures for a username or an address lock it for a while."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def _keys(username: str, address: str) -> list[str]:
    return [f"login-fail:user:{username.strip().lower()}", f"login-fail:addr:{address}"]


def login_locked(username: str, address: str) -> bool:
    limit = settings.COREKIT_LOGIN_MAX_FAILURES
    return any((cache.get(key) or 0) >= limit for key in _keys(username, address))


def login_failed(username: str, address: str) -> None:
    for key in _keys(username, address):
        cache.add(key, 0, settings.COREKIT_LOGIN_LOCK_SECONDS)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, settings.COREKIT_LOGIN_LOCK_SECONDS)


def login_succeeded(username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])
