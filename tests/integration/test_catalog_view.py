"""No request pays for a catalog change: a worker builds the catalog view once per change and
publishes it as a signed artifact keyed by the catalog stamp; web processes load it, answer
from their previous view until it is there, and build their own only when none exists."""

from __future__ import annotations

import copy
import logging
import threading
from dataclasses import replace

import pytest
from django.db import connections, transaction

from configurator import catalog, catalog_artifacts, services
from configurator.domain.options import parts_satisfying_policy
from configurator.domain.sourcing import BUILTIN_POLICIES
from configurator.models import CatalogArtifact, PolicyVerdictSet
from configurator.selectors import parts_with_verdict
from core import clock
from core.models import OutboxMessage
from parts.models import Part
from parts.services import parts_set_active
from tests.factories import load_demo_catalog
from tests.workers import wait_for

PUBLISH = catalog_artifacts.PUBLISH_TASK


@pytest.fixture
def builds(monkeypatch):
    """How many times this process built the view itself."""
    calls = []
    real = catalog.view_build

    def counted(version):
        calls.append(version)
        return real(version)

    monkeypatch.setattr(catalog, "view_build", counted)
    return calls


def _deactivate_one(offset: int = 0) -> Part:
    part = Part.objects.order_by("sku")[offset]
    parts_set_active(parts=[part], active=False)
    return part


@pytest.mark.django_db
def test_a_catalog_change_asks_a_worker_to_publish_the_view_once_per_transaction():
    load_demo_catalog()
    OutboxMessage.objects.filter(task=PUBLISH).delete()
    with transaction.atomic():
        _deactivate_one(0)
        _deactivate_one(1)
        Part.objects.order_by("sku")[2].save()
    assert OutboxMessage.objects.filter(task=PUBLISH).count() == 1


@pytest.mark.django_db
def test_publishing_is_once_per_stamp_and_keeps_only_the_latest_artifacts(settings, builds):
    settings.COREKIT_CATALOG_ARTIFACTS_KEPT = 2
    load_demo_catalog()
    first = catalog.view_publish()
    assert first["published"] and first["parts"] == Part.objects.count()
    assert catalog.view_publish()["published"] is False  # a second run of the task: nothing to do
    assert len(builds) == 1
    published = [first["version"]]
    for offset in range(3):
        _deactivate_one(offset)
        result = catalog.view_publish()
        assert result["published"]
        published.append(result["version"])
    assert published[-1] == catalog.catalog_version()[0]
    kept = list(CatalogArtifact.objects.order_by("version").values_list("version", flat=True))
    assert kept == published[-2:]


@pytest.mark.django_db
def test_a_fresh_process_loads_the_published_view_instead_of_building_it(builds):
    load_demo_catalog()
    catalog.view_publish()
    catalog.reset()
    builds.clear()
    view = catalog.catalog_view()
    assert builds == [] and view.version == catalog.catalog_version()
    assert len(view.index) == Part.objects.count() and view.templates
    assert catalog.catalog_view() is view


@pytest.mark.django_db
def test_a_tampered_artifact_is_refused_and_never_unpickled(builds, caplog, monkeypatch):
    load_demo_catalog()
    catalog.view_publish()
    row = CatalogArtifact.objects.get()
    blob = bytearray(row.blob)
    blob[-10] ^= 0xFF
    CatalogArtifact.objects.filter(pk=row.pk).update(blob=bytes(blob))
    monkeypatch.setattr("pickle.loads", lambda *a, **k: pytest.fail("unpickled a tampered artifact"))
    catalog.reset()
    builds.clear()
    with caplog.at_level(logging.ERROR, logger="configurator.catalog_artifacts"):
        view = catalog.catalog_view()
    assert "refused" in caplog.text
    assert len(builds) == 1 and view.version == catalog.catalog_version()


@pytest.mark.django_db
def test_an_artifact_signed_with_another_secret_key_is_refused(settings):
    load_demo_catalog()
    settings.SECRET_KEY = "another deployment's secret key"
    catalog.view_publish()
    settings.SECRET_KEY = "test-secret-key, the one this process has"
    assert catalog_artifacts.artifact_load(catalog.catalog_version()) is None


@pytest.mark.django_db
def test_an_artifact_built_by_other_code_is_not_loaded(monkeypatch):
    load_demo_catalog()
    catalog.view_publish()
    monkeypatch.setattr(catalog_artifacts, "code_fingerprint", lambda: "another release")
    assert catalog_artifacts.artifact_load(catalog.catalog_version()) is None


@pytest.mark.django_db(transaction=True)
def test_with_no_artifact_a_process_builds_the_view_once_not_once_per_request(builds):
    load_demo_catalog()
    OutboxMessage.objects.filter(task=PUBLISH).delete()
    seen, errors = [], []

    def request():
        try:
            seen.append(catalog.catalog_view())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert len(builds) == 1 and len({id(v) for v in seen}) == 1
    for _ in range(3):
        assert catalog.catalog_view() is seen[0]
    assert len(builds) == 1
    # ... and asked the worker to publish it, once, so other processes load it instead.
    assert OutboxMessage.objects.filter(task=PUBLISH).count() == 1


@pytest.mark.django_db(transaction=True)
def test_after_a_change_requests_answer_from_the_previous_view_until_the_new_one_is_swapped_in(
        settings, builds):
    settings.COREKIT_CATALOG_REFRESH = "background"
    load_demo_catalog()
    catalog.view_publish()
    old = catalog.catalog_view()
    part = _deactivate_one()
    try:
        # The worker has not published the new stamp yet: the previous view answers at once.
        for _ in range(3):
            assert catalog.catalog_view() is old
        assert catalog.refreshing()
        catalog.view_publish()  # what the worker does
        builds.clear()
        new = wait_for(lambda: (v := catalog.catalog_view()) is not old and v, timeout=30,
                       what="the new catalog view swapped in")
        assert new.version == catalog.catalog_version() and new.version != old.version
        assert new.index.get(part.sku).active is False and old.index.get(part.sku).active is True
        assert builds == []  # loaded, not built
        wait_for(lambda: not catalog.refreshing(), timeout=30, what="the refresh to finish")
    finally:
        catalog.reset()


@pytest.mark.django_db(transaction=True)
def test_when_no_worker_publishes_a_process_builds_the_new_view_in_the_background(settings, builds):
    settings.COREKIT_CATALOG_REFRESH = "background"
    settings.COREKIT_CATALOG_ARTIFACT_WAIT_SECONDS = 0
    load_demo_catalog()
    old = catalog.catalog_view()
    _deactivate_one()
    try:
        assert catalog.catalog_view() is old  # the request does not wait for the build
        new = wait_for(lambda: (v := catalog.catalog_view()) is not old and v, timeout=60,
                       what="the view built in the background")
        assert new.version == catalog.catalog_version()
        assert len(builds) == 2  # the first view, then the one after the change
    finally:
        catalog.reset()


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [10_000, 8])
def test_the_bulk_read_of_the_catalog_makes_the_same_domain_parts_as_one_part_at_a_time(monkeypatch, chunk):
    """With small chunks, the three row streams are fetched many times each, in turn (parts
    a chunk of 4 at a time, their stages and tiers 8 at a time, merged by part id)."""
    from parts.selectors import part_queryset

    monkeypatch.setattr(catalog, "_CHUNK_ROWS", chunk)
    load_demo_catalog()
    rates = catalog.usd_rates()
    one_by_one = [catalog.part_snapshot(p, rates) for p in part_queryset().order_by("sku")]
    assert catalog.catalog_parts() == one_by_one
    assert catalog.catalog_parts(shared=True) == one_by_one
    assert any(p.provenance for p in one_by_one) and any(len(p.price_tiers) > 1 for p in one_by_one)


@pytest.mark.django_db
def test_a_worker_judges_with_the_newest_catalog_and_publishes_a_view_it_had_to_build(settings, monkeypatch):
    settings.COREKIT_CATALOG_REFRESH = "background"
    monkeypatch.setattr(catalog, "_worker", False)
    load_demo_catalog()
    catalog.serve_latest_catalog()  # what worker_process_init does in a Celery worker
    old = catalog.catalog_view()
    part = _deactivate_one()
    # A re-validation after the change must see it: no answer from the previous view here.
    new = catalog.catalog_view()
    assert new is not old and new.version == catalog.catalog_version()
    assert new.index.get(part.sku).active is False
    assert catalog_artifacts.artifact_exists(new.version)  # the publish task will find it done


@pytest.mark.django_db(transaction=True)
def test_a_starting_process_loads_the_published_view_before_the_first_request(builds):
    load_demo_catalog()
    catalog.view_publish()
    catalog.reset()
    builds.clear()
    catalog.warm_in_background()  # what config/wsgi.py does when a web process starts
    try:
        wait_for(lambda: not catalog.refreshing(), timeout=60, what="the start-up load")
        assert catalog._current is not None and catalog._current.version == catalog.catalog_version()
        assert catalog.catalog_view() is catalog._current and builds == []
    finally:
        catalog.reset()


def test_a_part_the_catalog_just_gained_is_not_refused_as_unknown_by_the_previous_view(
        transactional_db, settings, builds):  # (named: the kit templates are seeded again)
    """Found by a production-settings run with Redis down (no worker publishes): a catalog
    imported after the process built its first view, and every SKU of a quote request was
    "unknown" for a minute. Judging from the previous view is fine; refusing a SKU is not."""
    from bench.support import family_body
    from configurator.api.serializers import ConfigurationInputSerializer
    from configurator.services import configuration_check
    from core.services import organization_get_or_create

    settings.COREKIT_CATALOG_REFRESH = "background"
    settings.COREKIT_CATALOG_ARTIFACT_WAIT_SECONDS = 60  # no worker: the refresh would wait a minute
    old = catalog.catalog_view()  # the empty catalog, before the import
    load_demo_catalog()
    org = organization_get_or_create(name="Aurora Motors", kind="automaker")
    body = ConfigurationInputSerializer(data=family_body())
    assert body.is_valid(), body.errors
    data = body.to_input()
    try:
        assert catalog.catalog_view() is old  # judging still answers from the previous view ...
        checked = configuration_check(data=data, organization=org)  # ... but knows the new parts
        assert checked["valid"] is True, checked["violations"]
        assert checked["catalog_version"]["version"] == catalog.catalog_version()[0]
    finally:
        catalog.reset()


@pytest.mark.django_db
def test_every_response_says_how_long_it_waited_for_its_catalog_view(partner_client, builds):
    """Server-Timing `catalog;dur=<ms>`: nothing when no view is read, the stamp query when
    the view is there, the build when the process had to make one (what the multi-host test
    holds B to)."""
    import re

    from bench.support import family_body

    load_demo_catalog()
    catalog.reset()

    def catalog_ms(response) -> float:
        assert response.status_code == 200, response.content[:500]
        timing = re.fullmatch(r"catalog;dur=([\d.]+)", response["Server-Timing"])
        assert timing, response["Server-Timing"]
        return float(timing[1])

    def validate():
        return partner_client.post("/api/v1/configurations/validate/", family_body(), format="json")

    assert catalog_ms(partner_client.get("/api/v1/sourcing-policies/")) == 0.0  # no catalog read
    built = catalog_ms(validate())  # no view in this process yet: built here
    warm = catalog_ms(validate())
    assert len(builds) == 1
    assert built > 10 * max(warm, 0.5), (built, warm)


def test_a_new_view_is_asked_the_recent_kits_before_it_is_swapped_in(
        transactional_db, settings, builds):  # (named: the kit templates are seeded again)
    """Found by bench.first_request at 100k parts: the first options request answered by a
    new view paid 40-90 ms to fill the caches the previous view had filled (prices at the
    program's volume, the kit's completion context). The process asks the new view the kits
    it was recently asked, in the background, before any request reads it."""
    from configurator import selectors
    from configurator.domain.completion import tables
    from core.services import organization_get_or_create
    from tests.factories import family_configuration

    settings.COREKIT_CATALOG_REFRESH = "background"
    load_demo_catalog()
    catalog.view_publish()
    org = organization_get_or_create(name="Aurora Motors", kind="automaker")
    configuration = family_configuration(org)
    snapshot = selectors.configuration_snapshot_get(organization=org, pk=configuration.pk)
    old = catalog.catalog_view()
    selectors.configuration_options(snapshot=snapshot, slot="magnet", offset=0, limit=20,
                                    include_excluded=True)
    _deactivate_one(offset=3)
    try:
        assert catalog.catalog_view() is old
        catalog.view_publish()
        new = wait_for(lambda: (v := catalog.catalog_view()) is not old and v, timeout=30,
                       what="the new catalog view swapped in")
        # Swapped in already holding what answering that kit needs: its completion problem
        # and the magnet prices at the program's volume.
        assert tables(new.index, snapshot.template)._problems
        assert any(key[0] == "prices" for key in new.index.category_index("magnet")._cache)
        # ... and it answers the same as a view that was not warmed.
        fresh = catalog_artifacts.artifact_load(new.version)
        rebound = [replace(ln, part=new.index.get(ln.part.sku)) for ln in snapshot.lines]
        kit = replace(snapshot, lines=tuple(rebound))
        from configurator.domain.options import slot_options

        assert (slot_options(kit, new.index, "magnet", offset=0, limit=20, include_excluded=True)
                == slot_options(replace(kit, lines=tuple(replace(ln, part=fresh.index.get(ln.part.sku))
                                                         for ln in kit.lines)),
                                fresh.index, "magnet", offset=0, limit=20, include_excluded=True))
        wait_for(lambda: not catalog.refreshing(), timeout=30, what="the refresh to finish")
    finally:
        catalog.reset()


def test_a_background_load_steps_aside_while_a_request_runs_and_not_otherwise(monkeypatch):
    slept = []
    monkeypatch.setattr(catalog.time, "sleep", lambda s: slept.append(s))
    catalog._yield_to_requests()
    assert slept == []  # nothing in flight: the load goes on
    ticks = iter(range(1000))
    monkeypatch.setattr(catalog.time, "monotonic", lambda: next(ticks) / 1000)  # 1 ms a call
    with catalog.answering():
        catalog._yield_to_requests()
    # A request in flight: it waits, at most _YIELD_AT_MOST (20 ms) per step.
    assert 10 <= len(slept) <= 20
    assert catalog._in_flight == 0


def test_a_background_load_hands_the_interpreter_lock_over_every_half_millisecond():
    import sys

    before = sys.getswitchinterval()
    with catalog._short_switch_interval(True):
        assert sys.getswitchinterval() <= 0.0005
    assert sys.getswitchinterval() == before
    with catalog._short_switch_interval(False):  # a process with no view: nobody to hand over to
        assert sys.getswitchinterval() == before


def test_a_swapped_out_view_is_released_slice_by_slice_only_once_nobody_reads_it(monkeypatch):
    from configurator.domain.artifact import compact_parts
    from configurator.domain.options import CatalogIndex
    from tests.unit.configurator import synthetic

    released = []

    class Counted(CatalogIndex):
        def release(self, pause) -> None:
            released.append("released")

    def view():
        index = Counted.build(compact_parts(synthetic.demo_parts()))
        return catalog.CatalogView(version=(1, None), index=index, restricted_entities=frozenset(),
                                   templates={})

    monkeypatch.setattr(catalog, "_RETIRE_WAIT_SECONDS", 0.05)
    old = view()
    reader = old  # a request still reading it: left to reference counting
    catalog._retire(old)
    assert released == []
    del reader
    catalog._retire(old)
    assert released == ["released"]


def test_options_for_a_kit_holding_a_part_the_catalog_just_gained_know_the_part(
        transactional_db, settings, builds, small_catalog):  # (named: kit templates seeded again)
    """The plain-row snapshot of guided options resolves its parts like a validation does:
    the previous view answers, but does not turn a part it has not seen into a missing one."""
    from configurator import selectors
    from configurator.models import ConfigurationLine
    from core.services import organization_get_or_create
    from parts.services import catalog_import
    from tests.factories import family_configuration

    settings.COREKIT_CATALOG_REFRESH = "background"
    settings.COREKIT_CATALOG_ARTIFACT_WAIT_SECONDS = 60  # no worker: the refresh would wait a minute
    load_demo_catalog()
    org = organization_get_or_create(name="Aurora Motors", kind="automaker")
    configuration = family_configuration(org)
    old = catalog.catalog_view()
    assert catalog_import(document=small_catalog).ok
    new_sku = small_catalog["parts"][0]["sku"]
    ConfigurationLine.objects.filter(configuration=configuration, slot="magnet").update(
        part=Part.objects.get(sku=new_sku))
    try:
        assert old.index.get(new_sku) is None and catalog.catalog_view() is old
        snapshot = selectors.configuration_snapshot_get(organization=org, pk=configuration.pk)
        magnet = next(ln for ln in snapshot.lines if ln.slot == "magnet")
        assert magnet.part is not None and magnet.part.sku == new_sku
    finally:
        catalog.reset()


@pytest.mark.django_db
def test_a_loaded_view_is_frozen_before_the_collector_runs_again(monkeypatch):
    """Re-enabled with the load's objects still young, the collector's next pass walked
    them all (80-140 ms holding the interpreter lock) before gc.freeze() took them away."""
    import gc

    load_demo_catalog()
    catalog.view_publish()
    catalog.reset()
    young_when_enabled = []
    enable = gc.enable

    def watched():
        young_when_enabled.append(gc.get_count()[0])
        enable()

    monkeypatch.setattr(gc, "enable", watched)
    frozen = gc.get_freeze_count()
    view = catalog.catalog_view()
    monkeypatch.setattr(gc, "enable", enable)
    assert view.version == catalog.catalog_version()
    assert gc.get_freeze_count() - frozen > 10 * len(view.index)  # the view's objects, frozen
    # Nothing young is left for that pass (before: every object the load made, 1,869 here)
    assert young_when_enabled and max(young_when_enabled) < 100, young_when_enabled


@pytest.mark.django_db(transaction=True)
def test_workers_that_need_the_new_view_at_once_build_it_once_between_them(monkeypatch, builds):
    """After a change the publish task, the re-validation and the policy verdicts each need
    the new view, side by side in Celery's processes: one builds and publishes it, the others
    wait for it and load it."""
    load_demo_catalog()
    monkeypatch.setattr(catalog, "_worker", True)
    version = catalog.catalog_version()
    assert not catalog_artifacts.artifact_exists(version)
    askers = 3
    looked, all_looked = [], threading.Event()
    real_load, real_build = catalog_artifacts.artifact_load, catalog.view_build

    def load(*args, **kwargs):
        looked.append(1)
        if len(looked) >= askers:
            all_looked.set()
        return real_load(*args, **kwargs)

    def build(version):
        all_looked.wait(timeout=10)  # every asker has found no artifact before one is built
        return real_build(version)

    monkeypatch.setattr(catalog_artifacts, "artifact_load", load)
    monkeypatch.setattr(catalog, "view_build", build)
    views, errors = [], []

    def ask() -> None:  # one worker process: its own database connection, no shared view
        try:
            views.append(catalog._obtain(version))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask) for _ in range(askers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and len(views) == askers
    assert len(builds) == 1  # builds counts the real builder, wrapped by the fixture
    assert all(v.version == version for v in views) and catalog_artifacts.artifact_exists(version)
    assert catalog.view_publish()["published"] is False  # the publish task finds it done


# --------------------------------------------------------------------------- with the import
#
# A catalog import publishes the view of its own stamp inside its own transaction: every
# process that sees the new stamp finds the artifact already there, and no worker builds
# the view after the commit while the processes answer from the previous catalog. (Off in
# the test settings, so the tests above start from a catalog with no artifact.)


def _publishing(settings) -> None:
    settings.COREKIT_CATALOG_PUBLISH_WITH_IMPORT = True


@pytest.mark.django_db
def test_an_import_publishes_the_view_of_its_stamp_with_the_catalog(settings, builds, small_catalog,
                                                                    monkeypatch):
    from parts.services import catalog_import

    _publishing(settings)
    notes = []
    report = catalog_import(document=small_catalog, progress=lambda done, total, note="": notes.append(note))
    assert report.ok
    version = catalog.catalog_version()
    assert catalog_artifacts.artifact_exists(version) and builds == [version]
    assert notes[-1] == "publishing the new catalog view and policy verdicts to every process"
    published = catalog_artifacts.artifact_load(version)
    assert len(published.index) == len(small_catalog["parts"])
    assert all(published.index.get(p["sku"]) is not None for p in small_catalog["parts"])
    # Every policy's verdicts were judged with that view and committed with it: the
    # verdicts task queued with the stamp finds them and needs no view of its own.
    stored = PolicyVerdictSet.objects.filter(catalog_version=version[0])
    assert stored.count() == len(BUILTIN_POLICIES)
    china_excluded = stored.select_related("group").get(policy_code="china-excluded")
    listed = parts_with_verdict(Part.objects.all(), verdict_set=china_excluded).values_list("sku", flat=True)
    assert sorted(listed) == sorted(parts_satisfying_policy(
        published.index, BUILTIN_POLICIES["china-excluded"], clock.today(), published.restricted_entities))
    with monkeypatch.context() as patched:
        patched.setattr(services, "catalog_view", lambda: pytest.fail("the verdicts task loaded a view"))
        assert sorted(services.policy_verdicts_build_all()) == sorted(stored.values_list("pk", flat=True))
    # The publish task queued with the stamp finds it done; a fresh process loads it.
    assert OutboxMessage.objects.filter(task=PUBLISH, completed_at__isnull=True).exists()
    assert catalog.view_publish()["published"] is False
    catalog.reset()
    assert catalog.catalog_view().version == version and builds == [version]


@pytest.mark.django_db
def test_the_worker_that_ran_an_import_keeps_the_view_it_built(
        settings, builds, small_catalog, monkeypatch, django_capture_on_commit_callbacks):
    """An admin's import runs in a Celery worker: the view it built for publishing stays that
    process's own after the commit, so the worker's next task (the re-validation) loads nothing."""
    from parts.services import catalog_import

    _publishing(settings)
    monkeypatch.setattr(catalog, "_worker", False)
    catalog.serve_latest_catalog()  # what worker_process_init does in a Celery worker
    with django_capture_on_commit_callbacks(execute=True):
        assert catalog_import(document=small_catalog).ok
    version = catalog.catalog_version()
    assert builds == [version] and catalog._current is not None and catalog._current.version == version
    monkeypatch.setattr(catalog_artifacts, "artifact_load",
                        lambda *args, **kwargs: pytest.fail("the worker loaded the view again"))
    assert catalog.catalog_view() is catalog._current and builds == [version]


@pytest.mark.django_db
def test_an_import_that_writes_nothing_publishes_nothing(settings, builds, small_catalog):
    from parts.services import catalog_import

    _publishing(settings)
    assert catalog_import(document=small_catalog, dry_run=True).ok  # a preview
    refused = copy.deepcopy(small_catalog)
    refused["parts"][-1]["lead_time_days"] = -1
    assert not catalog_import(document=refused).ok  # a refused file
    assert builds == [] and not CatalogArtifact.objects.exists() and not PolicyVerdictSet.objects.exists()
    assert catalog_import(document=small_catalog).ok
    builds.clear()
    assert catalog_import(document=small_catalog).ok  # the same file again: nothing changed
    assert builds == [] and CatalogArtifact.objects.count() == 1


@pytest.mark.django_db
def test_an_import_rolled_back_after_publishing_leaves_no_artifact(settings, small_catalog):
    from parts.services import catalog_import

    _publishing(settings)

    def fail(report) -> None:
        raise RuntimeError("the job's final state could not be written")

    before = catalog.catalog_version()
    with pytest.raises(RuntimeError):
        catalog_import(document=small_catalog, before_commit=fail)
    assert catalog.catalog_version() == before and not CatalogArtifact.objects.exists()
    assert not PolicyVerdictSet.objects.exists()


def _fails_in_the_database(*args, **kwargs):
    """A step that fails on a database error (on PostgreSQL, the transaction is then aborted)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM parts_part")
    raise AssertionError("unreachable")


@pytest.mark.django_db
def test_an_import_whose_view_build_fails_commits_and_leaves_the_view_to_the_publish_task(
        settings, monkeypatch, caplog, small_catalog):
    """The build fails on a database error: on PostgreSQL that aborts the transaction it
    runs in, so it runs in a savepoint of its own, and the import commits without it."""
    from parts.services import catalog_import

    _publishing(settings)
    monkeypatch.setattr(catalog, "view_build", _fails_in_the_database)
    with caplog.at_level(logging.ERROR, logger="configurator.catalog"):
        assert catalog_import(document=small_catalog).ok
    assert Part.objects.count() == len(small_catalog["parts"])
    assert "not published with the import" in caplog.text
    version = catalog.catalog_version()
    assert not catalog_artifacts.artifact_exists(version)
    assert OutboxMessage.objects.filter(task=PUBLISH, completed_at__isnull=True).exists()
    monkeypatch.undo()
    _publishing(settings)
    assert catalog.view_publish()["published"] and catalog_artifacts.artifact_exists(version)


@pytest.mark.django_db
def test_an_import_whose_verdicts_fail_commits_with_its_view_and_leaves_them_to_the_task(
        settings, monkeypatch, caplog, small_catalog):
    from parts.services import catalog_import

    _publishing(settings)
    monkeypatch.setattr(services, "policy_verdict_set_build", _fails_in_the_database)
    with caplog.at_level(logging.ERROR, logger="configurator.services"):
        assert catalog_import(document=small_catalog).ok
    assert Part.objects.count() == len(small_catalog["parts"])
    assert "not stored with the import" in caplog.text
    version = catalog.catalog_version()
    assert catalog_artifacts.artifact_exists(version) and not PolicyVerdictSet.objects.exists()
    monkeypatch.undo()
    _publishing(settings)
    assert len(services.policy_verdicts_build_all()) == len(BUILTIN_POLICIES)


# The saved configurations an import's changes touch are re-checked in the import's
# transaction, with the view it has just built: their new state commits with the catalog,
# and no worker has to load the new view after the commit to do it.

REVALIDATE = "configurator.revalidate_after_change"


def _demo_with_magnet_withdrawn(configuration) -> tuple[dict, Part]:
    import json
    from pathlib import Path

    from bench.support import DEMO_CATALOG

    magnet = configuration.lines.get(slot="magnet").part
    document = json.loads(Path(DEMO_CATALOG).read_text(encoding="utf-8"))
    [row] = [p for p in document["parts"] if p["sku"] == magnet.sku]
    row["active"] = False
    return document, magnet


@pytest.mark.django_db
def test_an_import_re_checks_the_configurations_it_touches_with_its_own_view(
        settings, builds, monkeypatch, buyer, django_capture_on_commit_callbacks):
    from configurator.models import ChangeImpact
    from parts.services import catalog_import
    from tests.factories import family_configuration

    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    other = family_configuration(buyer.membership.organization, code="CK72-12", user=buyer)
    assert config.is_valid and other.is_valid
    document, magnet = _demo_with_magnet_withdrawn(config)
    _publishing(settings)
    builds.clear()
    monkeypatch.setattr(catalog_artifacts, "artifact_load",
                        lambda *args, **kwargs: pytest.fail("the import loaded a view"))
    with django_capture_on_commit_callbacks() as after_commit:
        assert catalog_import(document=document).ok
    # Before anything runs after the commit, the configuration already says why it broke,
    # judged by the view the import built (no other built or loaded).
    version = catalog.catalog_version()
    assert builds == [version]
    config.refresh_from_db()
    assert not config.is_valid and config.invalidated_by_change == "catalog import"
    impact = ChangeImpact.objects.get(configuration=config)
    assert impact.reason == "catalog import" and impact.errors
    assert any(magnet.sku in str(e) for e in impact.errors)
    other.refresh_from_db()
    assert other.is_valid and not ChangeImpact.objects.filter(configuration=other).exists()
    # Nothing is left for a worker: no re-validation message, so none loads the view.
    assert not OutboxMessage.objects.filter(task=REVALIDATE).exists()
    assert after_commit  # the publish and verdict tasks' callbacks, which find their work done


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["too many", "publishing off"])
def test_an_import_leaves_the_re_check_to_a_worker_past_its_limit_or_without_a_view(
        settings, buyer, case):
    from parts.services import catalog_import
    from tests.factories import family_configuration

    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    document, magnet = _demo_with_magnet_withdrawn(config)
    if case == "too many":
        _publishing(settings)
        settings.COREKIT_IMPORT_REVALIDATES_AT_MOST = 0
    assert catalog_import(document=document).ok
    config.refresh_from_db()
    assert config.is_valid  # not judged in the import
    message = OutboxMessage.objects.get(task=REVALIDATE, completed_at__isnull=True)
    assert magnet.pk in message.kwargs["part_ids"] and message.kwargs["reason"] == "catalog import"
    catalog.reset()
    assert services.configurations_revalidate(**message.kwargs) == [config.pk]  # what the worker runs


@pytest.mark.django_db
def test_an_import_whose_re_check_fails_commits_and_leaves_it_to_a_worker(
        settings, monkeypatch, caplog, buyer):
    from configurator.models import ChangeImpact
    from parts.services import catalog_import
    from tests.factories import family_configuration

    load_demo_catalog()
    config = family_configuration(buyer.membership.organization, user=buyer)
    document, magnet = _demo_with_magnet_withdrawn(config)
    _publishing(settings)
    real = services.configuration_revalidate

    def judged_then_fails(**kwargs):
        real(**kwargs)  # writes the configuration's new state, then the database fails
        _fails_in_the_database()

    monkeypatch.setattr(services, "configuration_revalidate", judged_then_fails)
    with caplog.at_level(logging.ERROR, logger="configurator.services"):
        assert catalog_import(document=document).ok
    assert "not re-checked with the import" in caplog.text
    assert Part.objects.get(pk=magnet.pk).active is False  # the import committed
    version = catalog.catalog_version()
    assert catalog_artifacts.artifact_exists(version)  # with its view
    config.refresh_from_db()
    assert config.is_valid and not ChangeImpact.objects.exists()  # its re-check rolled back
    message = OutboxMessage.objects.get(task=REVALIDATE, completed_at__isnull=True)
    monkeypatch.undo()
    assert services.configurations_revalidate(**message.kwargs) == [config.pk]
