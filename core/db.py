"""Database helpers the apps share: how long a statement may wait for another transaction's lock."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out
DEADLOCK_DETECTED = "40P01"


def lock_timed_out(exc: BaseException) -> bool:
    """Whether an OperationalError is a lock wait that ran out (see lock_wait_at_most)."""
    return getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE


def lock_lost(exc: BaseException) -> bool:
    """A lock wait that ran out, or that PostgreSQL ended as one side of a deadlock: either
    way the statement waited for another transaction and may simply be tried again later."""
    return getattr(exc.__cause__, "sqlstate", None) in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED)


@contextmanager
def lock_wait_at_most(seconds: float, using: str = DEFAULT_DB_ALIAS):
    """Inside a transaction: statements in the block wait at most `seconds` for a lock another
    transaction holds (a row, or a unique key it is inserting), then fail with an
    OperationalError that `lock_timed_out` recognizes. Run the statements in a savepoint
    inside the block, so that the failure does not abort the transaction. PostgreSQL only
    (SQLite serializes writers: nothing to set)."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        yield
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
                       [f"{max(int(seconds * 1000), 1)}ms"])
        (previous, _), = cursor.fetchall()
    try:
        yield
    finally:
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
