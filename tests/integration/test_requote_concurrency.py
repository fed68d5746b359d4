"""Two re-quotes of one quote at once (two sales reps, or a double-click) on PostgreSQL.

Both locked the versions, and the second, once the first had committed v2, still read
only v1: it took v1's number + 1 again, and its insert broke the (number, version)
constraint, a 500.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from orders import services
from orders.models import Quote
from tests.integration.test_import_accept_locks import _priced_quote, _waiting_on_a_lock
from tests.workers import wait_for

pytestmark = pytest.mark.postgres


def _lock_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0]


def test_two_re_quotes_at_once_make_two_versions_in_turn(transactional_db, buyer, sales_rep, settings):
    from tests.factories import load_demo_catalog

    settings.COREKIT_QUOTE_RENDER_PDF = False
    load_demo_catalog()
    quote = _priced_quote(buyer.membership.organization)
    held, release = threading.Event(), threading.Event()
    results: list = []

    def hold_the_versions():  # both re-quotes queue behind this lock, then run one after the other
        try:
            with transaction.atomic():
                list(Quote.objects.select_for_update().filter(number=quote.number))
                held.set()
                release.wait(30)
        finally:
            connection.close()

    def requote():
        try:
            results.append(services.quote_requote(quote=quote, user=sales_rep))
        except Exception as exc:
            results.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_versions, daemon=True)
    holder.start()
    assert held.wait(10)
    threads = [threading.Thread(target=requote, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    wait_for(lambda: _lock_count() >= 2, timeout=10, what="both re-quotes to wait for the versions")
    release.set()
    for thread in [holder, *threads]:
        thread.join(60)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.version for r in results) == [2, 3]
    versions = Quote.objects.filter(number=quote.number).order_by("version")
    assert list(versions.values_list("version", "status")) == [
        (1, "superseded"), (2, "superseded"), (3, "queued")]
    assert _waiting_on_a_lock() is False
