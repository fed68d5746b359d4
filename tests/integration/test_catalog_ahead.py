"""A catalog import publishes its view ahead of its commit; web processes load it meanwhile.

Found by bench.first_request at 100k parts: at the import's commit every web process still
had to load the new view (half a second of CPU each, in turns), and the first requests
after the import ran beside that load, in their own process or on the other core — over
their normal p95 in most runs. Now the import also announces the view in the cache (Redis)
before it commits, each process's watcher has it loaded and warmed while the import
finishes, the import commits once every process holds it, and the watcher swaps it in as it
reads the new stamp: no load after the commit, and no request reads the stamp or swaps.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import pytest
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from configurator import catalog, catalog_artifacts
from configurator.models import CatalogArtifact
from parts.models import CatalogStamp, Part
from parts.selectors import catalog_export, forget_recent_stamp
from parts.services import catalog_import, parts_set_active
from parts.signals import catalog_imported
from tests.factories import load_demo_catalog
from tests.workers import wait_for


@pytest.fixture
def loads(monkeypatch):
    """The views this process loaded: ("row", stamp) from the database, ("ahead", stamp)
    announced ahead of a commit."""
    calls = []
    for name, kind in (("artifact_load", "row"), ("ahead_load", "ahead")):
        real = getattr(catalog_artifacts, name)

        def counted(version, *, _real=real, _kind=kind, **kwargs):
            calls.append((_kind, version))
            return _real(version, **kwargs)

        monkeypatch.setattr(catalog_artifacts, name, counted)
    return calls


@pytest.fixture
def web_process(transactional_db, settings):
    """This process as a web process: background refresh, the demo catalog and its view
    published (its first catalog_view() starts the watcher); reset afterwards."""
    settings.COREKIT_CATALOG_REFRESH = "background"
    load_demo_catalog()
    catalog.view_publish()
    yield
    catalog.reset()


def _announce_next(current, changed_at=None) -> tuple:
    """The view of the next stamp, announced ahead of its commit as an import does (the
    stamp itself does not move)."""
    coming = (current.version[0] + 1, changed_at or timezone.now())
    catalog_artifacts.artifact_store(replace(current, version=coming), ahead=True)
    return coming


def test_a_view_published_ahead_is_prepared_and_swapped_in_at_its_stamp_without_a_load(
        web_process, loads):
    current = wait_for(catalog.catalog_view, timeout=30, what="the first view")
    loads.clear()
    coming = _announce_next(current, timezone.now() + dt.timedelta(seconds=1))  # an import's, uncommitted
    assert catalog.catalog_view() is current  # the stamp has not moved: the same view ...
    # ... and it looked ahead
    prepared = wait_for(lambda: catalog._prepared, timeout=30, what="the view prepared")
    assert prepared.version == coming and loads == [("ahead", coming)]
    wait_for(lambda: not catalog.refreshing(), timeout=30, what="the preparation to end")

    CatalogStamp.objects.filter(pk=1).update(version=coming[0], changed_at=coming[1])  # the commit
    forget_recent_stamp()
    assert catalog.catalog_view() is prepared  # swapped in by this request, not loaded
    assert loads == [("ahead", coming)] and catalog._prepared is None


def test_a_prepared_view_whose_stamp_never_comes_is_dropped(web_process):
    """An import that rolled back after publishing ahead: the next change has another stamp."""
    current = wait_for(catalog.catalog_view, timeout=30, what="the first view")
    never = _announce_next(current, timezone.now() - dt.timedelta(days=1))
    catalog.catalog_view()
    wait_for(lambda: catalog._prepared, timeout=30, what="the view prepared")
    wait_for(lambda: not catalog.refreshing(), timeout=30, what="the preparation to end")
    parts_set_active(parts=[Part.objects.order_by("sku")[0]], active=False)  # the same counter, now
    catalog.view_publish()
    forget_recent_stamp()
    new = wait_for(lambda: (v := catalog.catalog_view()) is not current and v, timeout=30,
                   what="the new catalog's view")
    assert new.version != never and new.version == catalog.catalog_version()
    wait_for(lambda: not catalog.refreshing(), timeout=30, what="the refresh to end")
    assert catalog._prepared is None


def test_an_import_announces_its_view_before_it_commits(transactional_db, settings):
    settings.COREKIT_CATALOG_PUBLISH_WITH_IMPORT = True
    settings.COREKIT_CATALOG_PUBLISH_AHEAD = True
    load_demo_catalog()
    document = catalog_export()
    for part in document["parts"]:
        part["lead_time_days"] += 1
    before = catalog.catalog_version()
    seen: list = []

    def from_elsewhere(**_kwargs):  # inside the import's transaction, after its view was published
        def look():
            try:
                seen.append((catalog_artifacts.newest_ahead(before[0]),
                             CatalogStamp.objects.values_list("version", flat=True).get(pk=1)))
            finally:
                connections.close_all()

        thread = threading.Thread(target=look)
        thread.start()
        thread.join(30)

    catalog_imported.connect(from_elsewhere, dispatch_uid="test-ahead")
    try:
        assert catalog_import(document=document).ok
    finally:
        catalog_imported.disconnect(dispatch_uid="test-ahead")
    after = catalog.catalog_version()
    [(ahead, stamp_seen)] = seen
    assert ahead == after and stamp_seen == before[0]  # the view, ahead of the stamp it belongs to
    assert CatalogArtifact.objects.filter(version=after[0], changed_at=after[1]).count() == 1


def test_a_prepared_view_no_longer_announced_is_dropped(web_process):
    """Review 2: after an import that rolled back, the prepared view (a second catalog in
    every process) stayed until some later change reached its counter, if one ever did."""
    current = wait_for(catalog.catalog_view, timeout=30, what="the first view")
    _announce_next(current)
    catalog.catalog_view()
    wait_for(lambda: catalog._prepared, timeout=30, what="the view prepared")
    wait_for(lambda: not catalog.refreshing(), timeout=30, what="the preparation to end")
    cache.delete_many([catalog_artifacts.AHEAD_STAMP, catalog_artifacts.AHEAD_BLOB])  # expired
    wait_for(lambda: catalog._prepared is None, timeout=30, what="the prepared view dropped")
    assert catalog.catalog_view() is current


def test_a_prepared_view_is_taken_where_the_view_is_obtained_in_the_request(transactional_db, settings,
                                                                           loads):
    """Review 2: the synchronous path (and resolving a part only the new catalog has) loaded
    the view in the request although it was prepared, and left the prepared copy behind."""
    settings.COREKIT_CATALOG_REFRESH = "sync"
    load_demo_catalog()
    catalog.view_publish()
    try:
        current = catalog.catalog_view()
        coming = (current.version[0] + 1, timezone.now())
        prepared = replace(current, version=coming)
        catalog._prepared = prepared
        loads.clear()
        CatalogStamp.objects.filter(pk=1).update(version=coming[0], changed_at=coming[1])
        forget_recent_stamp()
        assert catalog.catalog_view() is prepared and catalog._prepared is None and loads == []
    finally:
        catalog.reset()


def test_an_announcement_redis_refuses_leaves_the_artifact_stored(transactional_db, monkeypatch, caplog):
    """Review 2: Redis refusing the announcement (out of memory, not an outage the cache
    fails open on) aborted the artifact's store, and every process waited for a worker."""
    from redis.exceptions import OutOfMemoryError

    load_demo_catalog()
    view = catalog.view_build(catalog.catalog_version())

    def refuse(*args, **kwargs):
        raise OutOfMemoryError("OOM command not allowed when used memory > 'maxmemory'")

    monkeypatch.setattr(catalog_artifacts.shared_cache, "set", refuse)
    assert catalog_artifacts.artifact_store(view, ahead=True) > 0
    assert catalog_artifacts.artifact_exists(view.version)
    assert "not announced ahead" in caplog.text


# -- the import commits once every web process holds its view -------------------------------
#
# Found by bench.first_request at 100k parts: the view announced ahead reached the web
# processes about a second before the import's commit, and they load it in turns (a second
# each): the second process was still loading it after the commit, and its first requests on
# either catalog ran 7-21 ms beside that load (normal p95 8-9 ms). Now each web process keeps a
# heartbeat in Redis saying which stamp it holds, and the import commits once every live
# process of its code holds the announced view (at most COREKIT_CATALOG_PREPARE_WAIT_SECONDS).


@pytest.fixture
def redis_cache(redis, settings):
    """The shared cache in a real redis-server, as on production hosts."""
    from core import cache as fail_open

    settings.CACHES = {"default": {"BACKEND": "core.cache.FailOpenRedisCache", "LOCATION": redis.url}}
    fail_open.reset()
    yield redis
    catalog.reset()


def _moved(document: dict) -> dict:
    for part in document["parts"]:
        part["lead_time_days"] += 1
    return document


def _redis_client(server):
    import redis as redis_py

    return redis_py.Redis.from_url(server.url)


def _another_process(redis_cache, pid: str, *, code: str | None = None, held: str = "1:-") -> None:
    """A web process of another host, as its watcher records itself."""
    client = _redis_client(redis_cache)
    key = cache.make_key(catalog_artifacts.WEB_PROCESSES)
    client.set(f"{key}:{pid}", f"{code or catalog_artifacts.code_fingerprint()} {held}", ex=60)
    client.sadd(key, pid)


@pytest.fixture
def awaited(monkeypatch):
    """What each import's wait for the web processes answered (the processes left out)."""
    answers = []
    real = catalog_artifacts.await_prepared

    def spy(version, **kwargs):
        answers.append(real(version, **kwargs))
        return answers[-1]

    monkeypatch.setattr(catalog_artifacts, "await_prepared", spy)
    return answers


def test_an_import_commits_once_every_web_process_holds_its_view(transactional_db, settings, redis_cache,
                                                                 loads, awaited, monkeypatch):
    # The import comes from another process than the web process's (an import never waits
    # for its own process: inside one of its requests, its own load would wait for it).
    web_thread = threading.main_thread()
    monkeypatch.setattr(catalog_artifacts, "process_id",
                        lambda: "importer" if threading.current_thread() is web_thread else "web")
    settings.COREKIT_CATALOG_REFRESH = "background"
    settings.COREKIT_CATALOG_PUBLISH_WITH_IMPORT = True
    settings.COREKIT_CATALOG_PUBLISH_AHEAD = True
    load_demo_catalog()
    catalog.view_publish()
    current = wait_for(catalog.catalog_view, timeout=30, what="the first view")
    me = "web"
    beat = (catalog_artifacts.code_fingerprint(), catalog_artifacts._stamp_text(current.version))
    wait_for(lambda: catalog_artifacts.web_processes().get(me) == beat, timeout=30,
             what="this process's heartbeat")
    at_commit: list = []

    def last_before_commit(**_kwargs):  # connected after the catalog's own receiver: runs after it
        at_commit.append(catalog._prepared)

    catalog_imported.connect(last_before_commit, dispatch_uid="test-last")
    loads.clear()
    awaited.clear()
    try:
        assert catalog_import(document=_moved(catalog_export())).ok
    finally:
        catalog_imported.disconnect(dispatch_uid="test-last")
    new = catalog.catalog_version()
    assert awaited == [[]]  # nobody left out ...
    [prepared] = at_commit
    assert prepared is not None and prepared.version == new  # ... this process held it before the commit
    forget_recent_stamp()
    assert catalog.catalog_view() is prepared and loads == [("ahead", new)]  # swapped in, nothing loaded


def test_an_import_waits_for_a_web_process_of_its_code_at_most_its_limit(transactional_db, settings,
                                                                         redis_cache, awaited, caplog):
    settings.COREKIT_CATALOG_PUBLISH_WITH_IMPORT = True
    settings.COREKIT_CATALOG_PUBLISH_AHEAD = True
    settings.COREKIT_CATALOG_PREPARE_WAIT_SECONDS = 0.5
    load_demo_catalog()
    _another_process(redis_cache, "host-b:4242")  # never loads the announced view
    _another_process(redis_cache, "host-c:77", code="f" * 32)  # another version of the code: never loads it
    _another_process(redis_cache, "host-d:9")  # gone: its heartbeat expired
    _redis_client(redis_cache).delete(f"{cache.make_key(catalog_artifacts.WEB_PROCESSES)}:host-d:9")
    before = catalog.catalog_version()
    awaited.clear()

    assert catalog_import(document=_moved(catalog_export())).ok
    assert awaited == [["host-b:4242"]]  # waited for that one only, then committed anyway
    assert catalog.catalog_version()[0] == before[0] + 1
    assert "still loading it" in caplog.text and "host-b:4242" in caplog.text
    assert set(catalog_artifacts.web_processes()) == {"host-b:4242", "host-c:77"}  # the gone one pruned


def test_the_watcher_swaps_a_prepared_view_in_when_its_stamp_commits_elsewhere(web_process,
                                                                                django_assert_num_queries):
    """bench.first_request: the first request from the new catalog also read the stamp (a
    query) and swapped the view in (1.1 ms of Server-Timing), and was over its process's
    normal p95 in most runs. The watcher reads the stamp and swaps in the background now;
    requests read neither the stamp nor Redis."""
    current = wait_for(catalog.catalog_view, timeout=30, what="the first view")
    coming = _announce_next(current)
    prepared = wait_for(lambda: catalog._prepared, timeout=30, what="the view prepared")
    CatalogStamp.objects.filter(pk=1).update(version=coming[0], changed_at=coming[1])  # another process
    # No request is made: the watcher swaps it in.
    wait_for(lambda: catalog._current is prepared, timeout=30, what="the watcher's swap")
    with django_assert_num_queries(0):
        assert catalog.catalog_view() is prepared


def test_a_view_prepared_for_a_rolled_back_stamp_does_not_count_for_the_retry(transactional_db,
                                                                              redis_cache, awaited):
    """Review: the heartbeat named only the stamp's counter, which the change after a
    rolled-back import reuses: an import committed while a process held the view of the
    stamp that never came."""
    load_demo_catalog()
    counter = catalog.catalog_version()[0] + 1
    never = (counter, timezone.now() - dt.timedelta(days=1))
    coming = (counter, timezone.now())
    _another_process(redis_cache, "host-b:4242:x", held=catalog_artifacts._stamp_text(never))
    current = catalog.view_build(catalog.catalog_version())
    catalog_artifacts.artifact_store(replace(current, version=coming), ahead=True)
    assert catalog_artifacts.await_prepared(coming, timeout=0.3) == ["host-b:4242:x"]
    _another_process(redis_cache, "host-b:4242:x", held=catalog_artifacts._stamp_text(coming))
    assert catalog_artifacts.await_prepared(coming, timeout=5) == []


def test_the_watcher_recovers_from_a_broken_database_connection(web_process, monkeypatch):
    """Review: a connection the database dropped under the watcher stayed in use: every
    reading failed from then on, and with them the heartbeat and the preparation ahead."""
    outcomes: list[str] = []
    real = catalog.catalog_stamp_read_now

    def dropped_once():
        from django.db import connection

        if not outcomes:  # the database restarts, under the watcher's connection
            connection.ensure_connection()
            connection.connection.close()
        try:
            reading = real()
        except Exception as exc:
            outcomes.append(type(exc).__name__)
            raise
        outcomes.append("ok")
        return reading

    monkeypatch.setattr(catalog, "catalog_stamp_read_now", dropped_once)
    wait_for(catalog.catalog_view, timeout=30, what="the first view")
    wait_for(lambda: "ok" in outcomes, timeout=30, what="a reading after the outage")
    assert outcomes[0] != "ok"  # the first one did fail


def test_reset_leaves_no_refresh_the_watcher_started_behind(web_process, monkeypatch):
    """Review: reset() took note of the running refresh before it stopped the watcher, which
    could start one more in its last turn: a view came back after reset()."""
    wait_for(catalog.catalog_view, timeout=30, what="the first view")
    in_turn = threading.Event()
    real_start = catalog._start_refresh
    started: list[threading.Thread] = []

    def follow(view):  # the watcher read a moved stamp, and starts a refresh as reset() begins
        in_turn.set()
        if catalog._watch_stop.wait(30):
            real_start()
            started.append(catalog._refresher)

    monkeypatch.setattr(catalog, "_follow_stamp", follow)
    monkeypatch.setattr(catalog, "_when_idle", lambda at_most: catalog._stop.wait(10))  # a refresh with work
    assert in_turn.wait(30)
    catalog.reset()
    assert started and not started[0].is_alive()  # stopped and joined by reset()
    assert not catalog.refreshing() and catalog._current is None
