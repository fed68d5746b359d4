"""Database helpers the apps share: how long a statement may wait for another transaction's
lock, and what a connection does when a migration outdated a statement it prepared."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout runs out
DEADLOCK_DETECTED = "40P01"
FEATURE_NOT_SUPPORTED = "0A000"  # ... among others: a prepared statement's result type changed


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


def _replace_when_a_prepared_statement_is_outdated(execute, sql, params, many, context):
    """A statement this connection prepared (DATABASE_PREPARED_STATEMENTS) keeps its result
    type: once a migration has changed the type of a column it reads, PostgreSQL refuses it
    ("cached plan must not change result type") on this connection, every time, for as long as
    the connection lives (up to DATABASE_CONN_MAX_AGE). The connection is then replaced at the
    end of the request or task: the statement fails once per connection, not for minutes."""
    try:
        return execute(sql, params, many, context)
    except DatabaseError as exc:
        cause = exc.__cause__
        if getattr(cause, "sqlstate", None) == FEATURE_NOT_SUPPORTED and "cached plan" in str(cause):
            context["connection"].close_at = 0  # obsolete: closed by close_old_connections()
        raise


def on_connection_created(sender, connection, **kwargs) -> None:
    """`connection_created`: PostgreSQL connections replace themselves after an outdated
    prepared statement (above)."""
    if connection.vendor == "postgresql" and \
            _replace_when_a_prepared_statement_is_outdated not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _replace_when_a_prepared_statement_is_outdated)
