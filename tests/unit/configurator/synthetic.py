"""Catalog parts for the guided-options tests, from the demo catalog builder.

`demo.catalog` writes interchange-format documents; `bench.support` turns
them into domain `Part`s the way `configurator.selectors.part_snapshot` does (specs cleaned
by `parts.domain.specs`, reference price in USD). The benchmarks use the same functions.
"""

from __future__ import annotations

from bench.support import (
    TODAY,
    demo_parts,
    family_snapshot,
    restricted_entities,
    synthetic_parts,
    to_parts,
)
from demo.catalog import FAMILIES, NEAR_MISSES

__all__ = ["FAMILIES", "NEAR_MISSES", "TODAY", "demo_parts", "family_snapshot", "restricted_entities",
           "synthetic_parts", "to_parts"]
