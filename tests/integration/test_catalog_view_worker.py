"""A catalog change reaches a running web process without any request building the catalog
view (real redis-server, real Celery worker): the change publishes a task through the outbox,
the worker builds and stores the artifact, and the process answers from its previous view
until it has loaded the new one in the background."""

from __future__ import annotations

import pytest

from configurator import catalog, catalog_artifacts
from configurator.models import CatalogArtifact
from parts.models import Part
from parts.services import parts_set_active
from tests.factories import load_demo_catalog
from tests.workers import wait_for

pytestmark = pytest.mark.worker


def test_a_catalog_change_is_published_by_the_worker_and_swapped_in_while_the_old_view_answers(
        start_worker, settings, monkeypatch):
    settings.COREKIT_CATALOG_REFRESH = "background"
    builds = []
    monkeypatch.setattr(catalog, "view_build", lambda version: builds.append(version) or pytest.fail(
        "the web process built the catalog view itself"))
    load_demo_catalog()
    start_worker()
    # The import moved the stamp: the worker publishes that catalog's view.
    wait_for(lambda: catalog_artifacts.artifact_exists(catalog.catalog_version()), timeout=60,
             interval=0.1, what="the worker to publish the imported catalog's view")
    old = catalog.catalog_view()  # a fresh process: loaded, not built
    assert old.version == catalog.catalog_version()

    part = Part.objects.order_by("sku").first()
    parts_set_active(parts=[part], active=False)  # committed: the outbox hands it to the worker
    try:
        assert catalog.catalog_view() is old  # answered at once, from the previous view
        new = wait_for(lambda: (v := catalog.catalog_view()) is not old and v, timeout=30, interval=0.05,
                       what="the worker's view of the change swapped in")
        assert new.version == catalog.catalog_version()
        assert new.index.get(part.sku).active is False
        assert builds == []
        assert CatalogArtifact.objects.filter(version=new.version[0]).count() == 1
        wait_for(lambda: not catalog.refreshing(), timeout=30, what="the refresh to finish")
    finally:
        catalog.reset()
