"""A part's own sourcing verdict (GET /parts/?policy=<code>) and the SKUs that satisfy a policy."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from configurator.domain import BUILTIN_POLICIES, Stage
from configurator.domain.options import CatalogIndex, part_policy_violations, parts_satisfying_policy
from tests.unit.configurator import prius, synthetic

CN_MINED = prius.replace_stage(prius.MAGNET, "mining", country="CN", company="Baotou Steel Rare-Earth")
CN_ALLOYED = prius.replace_stage(prius.MAGNET, "metal_alloy", country="CN", company="Baotou Alloys")
TODAY = date(2026, 6, 1)


def codes(part, policy, today=TODAY, restricted=frozenset()):
    return [
        (v.code, v.severity)
        for v in part_policy_violations(part, BUILTIN_POLICIES[policy], today, restricted)
    ]


def test_china_excluded_names_each_chinese_stage_and_each_undeclared_one():
    (violation,) = part_policy_violations(CN_MINED, BUILTIN_POLICIES["china-excluded"], TODAY)
    assert (violation.code, violation.severity, violation.slots, violation.skus) == (
        "ORIGIN_EXCLUDED",
        "error",
        ("magnet",),
        ("MAG-N45SH-4930",),
    )
    assert violation.message == (
        "MAG-N45SH-4930 mining in CN (Baotou Steel Rare-Earth) is excluded under china-excluded v1"
    )
    assert codes(prius.drop_stage(prius.STATOR_CORE, "component_manufacturing"), "china-excluded") == [
        ("ORIGIN_UNKNOWN", "error")
    ]
    assert codes(prius.MAGNET, "china-excluded") == []


def test_dfars_follows_the_version_in_force_today():
    assert codes(CN_MINED, "dfars-7052", today=date(2026, 12, 31)) == []
    assert codes(CN_MINED, "dfars-7052", today=date(2027, 1, 1)) == [("ORIGIN_EXCLUDED", "error")]
    assert codes(CN_ALLOYED, "dfars-7052", today=date(2026, 12, 31)) == [("ORIGIN_EXCLUDED", "error")]
    # DFARS covers magnets only.
    cn_stator = prius.replace_stage(prius.STATOR_CORE, "steel_making", country="CN")
    assert codes(cn_stator, "dfars-7052") == []
    # Before the rule existed nothing applies.
    assert codes(CN_ALLOYED, "dfars-7052", today=date(2019, 1, 1)) == []


def test_uflpa_matches_the_supplier_and_the_stage_companies():
    restricted = frozenset({"STAR GROUP IND."})
    assert codes(prius.MAGNET, "uflpa", restricted=restricted) == [
        ("ENTITY_RESTRICTED", "error"),
        ("ENTITY_RESTRICTED", "error"),
        ("ENTITY_RESTRICTED", "error"),
    ]
    assert codes(prius.MAGNET, "uflpa") == []


def test_eu_crma_and_none_exclude_nothing_and_a_lone_part_has_no_concentration():
    assert codes(CN_MINED, "eu-crma") == []
    assert codes(CN_MINED, "none") == []


def test_expired_evidence_is_a_warning_of_the_part():
    lapsed = prius.replace_stage(prius.MAGNET, "mining", evidence_expires=date(2026, 1, 31))
    assert codes(lapsed, "china-excluded") == [("EVIDENCE_EXPIRED", "warning")]
    assert codes(lapsed, "none") == []


@pytest.fixture(scope="module")
def demo():
    parts = synthetic.demo_parts()
    return parts, CatalogIndex.build(parts)


@pytest.mark.parametrize("policy", sorted(BUILTIN_POLICIES))
@pytest.mark.parametrize("today", [date(2026, 11, 26), date(2027, 1, 1)])
def test_parts_satisfying_a_policy_are_those_with_no_error_of_their_own(demo, policy, today):
    parts, index = demo
    restricted = synthetic.restricted_entities()
    expected = {
        p.sku
        for p in parts
        if not any(
            v.severity == "error"
            for v in part_policy_violations(p, BUILTIN_POLICIES[policy], today, restricted)
        )
    }
    found = parts_satisfying_policy(index, BUILTIN_POLICIES[policy], today, restricted)
    assert found == expected
    if policy in ("china-excluded", "dfars-7052", "uflpa"):
        assert len(found) < len(parts)
    # Cached per policy version: a second call is the same set.
    assert parts_satisfying_policy(index, BUILTIN_POLICIES[policy], today, restricted) is found


def test_the_restricted_list_is_part_of_the_cache_key(demo):
    _parts, index = demo
    uflpa = BUILTIN_POLICIES["uflpa"]
    with_list = parts_satisfying_policy(index, uflpa, TODAY, synthetic.restricted_entities())
    without = parts_satisfying_policy(index, uflpa, TODAY, frozenset())
    assert len(without) == len(index) > len(with_list)


def test_parts_sharing_a_supply_chain_share_a_verdict():
    cn = dataclasses.replace(CN_MINED, sku="MAG-CN")
    twin = dataclasses.replace(CN_MINED, sku="MAG-TWIN")
    other = dataclasses.replace(
        prius.MAGNET, sku="MAG-OTHER", provenance=(*prius.MAGNET.provenance, Stage("assembly", "CN", "X"))
    )
    index = CatalogIndex.build([prius.MAGNET, cn, twin, other, prius.SHAFT])
    found = parts_satisfying_policy(index, BUILTIN_POLICIES["china-excluded"], TODAY)
    assert found == {"MAG-N45SH-4930", "SH-PR10-5105"}
