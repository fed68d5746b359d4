"""API keys this process authenticated recently, so a request does not pay a database lookup
for its key.

An entry is trusted for `COREKIT_API_KEY_CACHE_SECONDS` (default 5 s; 0 turns the cache
off). Revocation is bounded by it: `api_key_revoke` forgets the key at once in the process
that revokes it, and every other web process (on any host) stops accepting the key at the
latest that many seconds later, when its entry expires and the lookup sees `revoked_at`.
Only keys that authenticated are kept (a wrong key is looked up every time), at most
`MAX_ENTRIES` of them.
"""

from __future__ import annotations

import copy
import threading
import time

from django.conf import settings

from core.models import ApiKey

MAX_ENTRIES = 10_000

_entries: dict[str, tuple[float, ApiKey]] = {}
_lock = threading.Lock()
_monotonic = time.monotonic  # a hook: tests move time forward without sleeping


def ttl_seconds() -> float:
    return float(getattr(settings, "COREKIT_API_KEY_CACHE_SECONDS", 5))


def get(hashed_key: str) -> ApiKey | None:
    """The cached key for this hash while its entry is fresh (a copy: requests never share
    one instance), else None."""
    entry = _entries.get(hashed_key)
    if entry is None:
        return None
    stored_at, key = entry
    if _monotonic() - stored_at >= ttl_seconds():
        with _lock:
            if _entries.get(hashed_key) is entry:
                del _entries[hashed_key]
        return None
    return _copy(key)


def put(hashed_key: str, key: ApiKey) -> None:
    """Keep a copy of the key (the caller goes on using its own instance)."""
    if ttl_seconds() <= 0:
        return
    kept = _copy(key)
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[hashed_key] = (_monotonic(), kept)


def _copy(key: ApiKey) -> ApiKey:
    fresh = copy.copy(key)
    if ApiKey.organization.is_cached(key):
        fresh.organization = copy.copy(key.organization)
    return fresh


def forget(hashed_key: str) -> None:
    with _lock:
        _entries.pop(hashed_key, None)


def clear() -> None:
    with _lock:
        _entries.clear()
