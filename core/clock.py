"""The one clock. Code asks `clock.now()` / `clock.today()`; tests set it with `clock.frozen(...)`.

Like `contrib.auth.tokens` with its `_now()` hook, nothing in the application reads the
system time directly, so behaviour that depends on the date (evidence expiry, the
2027 DFARS change, quote validity) can be tested on any day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    return _frozen if _frozen is not None else timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())


def set_now(value: dt.datetime | None) -> None:
    global _frozen
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    _frozen = value


@contextmanager
def frozen(value: dt.datetime | dt.date) -> Iterator[None]:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(12, 0), tzinfo=dt.UTC)
    previous = _frozen
    set_now(value)
    try:
        yield
    finally:
        set_now(previous)
