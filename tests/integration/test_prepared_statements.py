"""PostgreSQL prepares the statements a connection runs often (DATABASE_PREPARED_STATEMENTS),
can be told not to (behind an older PgBouncer), and a connection whose prepared statement a
migration outdated is replaced instead of failing for as long as it lives."""

import os
import subprocess
import sys

import pytest
from django.db import DatabaseError, close_old_connections, connection, connections

from core.models import Organization
from tests.workers import ROOT


def _database_options(**env) -> str:
    probe = ("from django.conf import settings; o = settings.DATABASES['default'].get('OPTIONS', {}); "
             "print(o.get('server_side_binding'), o.get('prepare_threshold'))")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", probe], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
             "DATABASE_URL": "postgres://corekit:secret@db.internal:5432/corekit", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_postgresql_connections_prepare_statements_unless_turned_off():
    assert _database_options() == "True 5"
    assert _database_options(DATABASE_PREPARE_THRESHOLD="2") == "True 2"
    # Behind a PgBouncer in transaction mode that cannot keep them: bound on the client.
    assert _database_options(DATABASE_PREPARED_STATEMENTS="0") == "None None"


@pytest.mark.postgres
def test_a_statement_run_often_is_prepared_on_the_server(make_org):
    org = make_org("Prepared Motors")
    for _ in range(8):
        assert Organization.objects.filter(pk=org.pk).values_list("name", flat=True).get() == org.name
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    table = Organization._meta.db_table
    assert any(f'FROM "{table}"' in s and f'"{table}"."id" = $1' in s for s in prepared), prepared


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_whose_prepared_statement_a_migration_outdated_is_replaced():
    read = "SELECT id, n FROM prepared_probe WHERE id = %s"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE prepared_probe (id integer PRIMARY KEY, n integer)")
        cursor.execute("INSERT INTO prepared_probe VALUES (1, 2)")
    other = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            for _ in range(8):  # prepared on this connection from the 6th run on
                cursor.execute(read, [1])
                assert cursor.fetchall() == [(1, 2)]
        # A migration, from another process: the column's type changes.
        with other.cursor() as cursor:
            cursor.execute("ALTER TABLE prepared_probe ALTER COLUMN n TYPE bigint")
        with pytest.raises(DatabaseError, match="cached plan must not change result type"), \
                connection.cursor() as cursor:
            cursor.execute(read, [1])
        close_old_connections()  # the end of the request (or task) that failed
        # The next request reads the new column: on a new connection, not the outdated one
        # (which would refuse the statement again until DATABASE_CONN_MAX_AGE ran out).
        with connection.cursor() as cursor:
            cursor.execute(read, [1])
            assert cursor.fetchall() == [(1, 2)]
    finally:
        with other.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS prepared_probe")
        other.close()
