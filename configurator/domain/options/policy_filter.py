"""Sourcing policy on single parts: one part's findings, and the catalog's parts a policy allows."""

from __future__ import annotations

from datetime import date

from configurator.domain.context import KitContext
from configurator.domain.engine import violation_sort_key
from configurator.domain.options.bits import members
from configurator.domain.options.index import CatalogIndex, policy_version_key
from configurator.domain.sourcing import (
    CONCENTRATION,
    ENTITY_RESTRICTED,
    ORIGIN_EXCLUDED,
    ORIGIN_UNKNOWN,
    SourcingPolicy,
    policy_violations,
)
from configurator.domain.types import KitTemplate, Line, Part, Requirements, SlotDef, Snapshot, Violation

#: The error codes a sourcing policy can give one part on its own.
SOURCING_ERROR_CODES = frozenset({ORIGIN_EXCLUDED, ORIGIN_UNKNOWN, ENTITY_RESTRICTED})


def part_policy_violations(
    part: Part,
    policy: SourcingPolicy,
    today: date,
    restricted_entities: frozenset[str] = frozenset(),
) -> tuple[Violation, ...]:
    """The sourcing-policy violations of this part on its own, under the version in force today.

    Errors (ORIGIN_EXCLUDED, ORIGIN_UNKNOWN, ENTITY_RESTRICTED) and the
    EVIDENCE_EXPIRED warning; not CONCENTRATION, which is a share of a kit's
    rare-earth mass and says nothing about one part. The part's slot is its
    category. Messages read as in a validation ("... under china-excluded v1").
    """
    slot = part.category
    template = KitTemplate("part", "Part", (SlotDef(slot, slot, 1, 1, False),))
    alone = Snapshot(
        template=template,
        requirements=Requirements(),
        lines=(Line(slot, part, 1),),
        policy=policy,
        today=today,
        restricted_entities=restricted_entities,
    )
    found = [v for v in policy_violations(alone, KitContext(alone)) if v.code != CONCENTRATION]
    return tuple(sorted(set(found), key=violation_sort_key))


def parts_satisfying_policy(
    index: CatalogIndex,
    policy: SourcingPolicy,
    today: date,
    restricted: frozenset[str] = frozenset(),
) -> frozenset[str]:
    """SKUs with no error-severity sourcing violation of their own under the version in force today.

    Judged once per supply-chain signature and cached per policy version in the
    index, so GET /parts/?policy=<code> is a set look-up after the first call.
    """
    version = policy.version_in_force(today)
    if version is None:
        return index.skus()
    version_key = policy_version_key(policy, version, restricted)

    def build() -> frozenset[str]:
        skus: list[str] = []
        for category in index.categories():
            ci = index.category_index(category)
            failing = 0
            for mask in ci.policy_masks(version, version_key, restricted).values():
                failing |= mask
            good = ci.all & ~failing
            skus.extend(ci.parts[p].sku for p in members(good, 0, good.bit_count()))
        return frozenset(skus)

    return index.memo(("satisfying", version_key), build)
