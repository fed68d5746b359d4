"""Property-test budgets: a quick default run, the full budget in CI.

    HYPOTHESIS_PROFILE=dev (default)  every property test runs a fifth of its examples
    HYPOTHESIS_PROFILE=ci             every property test runs the examples it asks for

A test states its full budget with `@settings(max_examples=examples(150), ...)`; the
profile decides how much of it this run spends. The example database (failing examples
replayed first) and Hypothesis' other caches live under var/hypothesis/, never in the
working tree.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase

ROOT = Path(__file__).resolve().parent.parent
SHARE = {"dev": 0.2, "ci": 1.0}
MINIMUM = 10
HOME = ROOT / "var" / "hypothesis"

set_hypothesis_home_dir(HOME)
settings.register_profile(
    "dev", database=DirectoryBasedExampleDatabase(str(HOME / "examples")), deadline=None,
)
settings.register_profile("ci", database=None, deadline=None, print_blob=True)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
if PROFILE not in SHARE:
    raise RuntimeError(f"HYPOTHESIS_PROFILE={PROFILE!r}: use one of {', '.join(SHARE)}")
settings.load_profile(PROFILE)


def examples(full: int) -> int:
    """The number of examples this run spends on a test whose full budget is `full`."""
    return full if PROFILE == "ci" else min(full, max(MINIMUM, round(full * SHARE[PROFILE])))
