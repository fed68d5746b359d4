"""After a catalog change a real Celery worker stores every policy's verdicts for the new
catalog stamp, so the first `GET /parts/?policy=` of that stamp finds them ready."""

import pytest

from configurator.domain.sourcing import BUILTIN_POLICIES
from configurator.models import PolicyVerdictSet
from configurator.selectors import parts_with_verdict, skus_satisfying_policy
from parts.models import Part
from parts.selectors import catalog_stamp
from parts.services import catalog_import
from tests.workers import wait_for


@pytest.mark.worker
def test_a_worker_stores_the_verdicts_of_the_new_stamp(start_worker, small_catalog):
    start_worker()
    assert catalog_import(document=small_catalog).ok
    version = catalog_stamp()[0]

    def built():
        return PolicyVerdictSet.objects.filter(catalog_version=version).count() == len(BUILTIN_POLICIES)

    wait_for(built, timeout=90, interval=0.2, what="the worker to store the policy verdicts")
    stored = PolicyVerdictSet.objects.get(catalog_version=version, policy_code="china-excluded")
    satisfying = parts_with_verdict(Part.objects.all(), verdict_set=stored)
    expected = skus_satisfying_policy("china-excluded")
    assert sorted(satisfying.values_list("sku", flat=True)) == sorted(expected)
