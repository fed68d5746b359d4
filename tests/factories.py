"""Builders for test data on top of the demo catalog (shared with the benchmarks)."""

from __future__ import annotations

from bench.support import family_configuration, load_demo_catalog

__all__ = ["family_configuration", "load_demo_catalog"]
