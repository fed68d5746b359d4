"""Benchmarks only: another profile plus the bench-only views (`bench/urls.py`).

    DJANGO_SETTINGS_MODULE=config.settings.bench COREKIT_BENCH_SETTINGS=production ...

`COREKIT_BENCH_SETTINGS` names the profile measured (`local`, the default, or
`production`); this module adds the baseline view the benchmarks compare against and
nothing else, so the product's settings and URLs carry no benchmark switch.
"""

import importlib
import os

_profile = os.environ.get("COREKIT_BENCH_SETTINGS", "local")
if _profile not in {"local", "production"}:
    raise RuntimeError(f"COREKIT_BENCH_SETTINGS must be local or production, not {_profile!r}")
globals().update({
    name: value for name, value in vars(importlib.import_module(f"config.settings.{_profile}")).items()
    if name.isupper()
})

ROOT_URLCONF = "bench.urls"
