"""Server-side speed of the configurator pages with a 10k-part catalog.

Renders the builder page (every slot's options, violations, repairs) and an htmx
options update (choose a part → the builder partial) in process with Django's test
client, on a throwaway SQLite database holding `build_synthetic_catalog(10_000)`.
Baseline in the same run: the sign-in page (a plain Django template render).

    .venv/bin/python -m bench.web_pages [--parts 10000] [--repeat 50]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bench.support import family_configuration
from bench.support import timed as _timed


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="corekit-bench-web-"))
    os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_LOG_LEVEL": "WARNING",
                       "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
                       "DJANGO_ALLOWED_HOSTS": "testserver"})
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from configurator.catalog import catalog_view
    from core.services import organization_get_or_create, user_upsert
    from demo.catalog import FAMILIES, build_synthetic_catalog
    from parts.services import catalog_import

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    report = catalog_import(document=json.loads(json.dumps(build_synthetic_catalog(args.parts)),
                                                parse_float=__import__("decimal").Decimal))
    assert report.ok, report.errors[:3]
    load_s = time.perf_counter() - t
    org = organization_get_or_create(name="Bench Motors", kind="automaker")
    user = user_upsert(username="bench", password="bench-pw-2026", organization=org, role="buyer")
    t = time.perf_counter()
    catalog_view()
    view_s = time.perf_counter() - t
    config = family_configuration(org, user=user)

    client = Client()
    client.force_login(user)
    url = f"/configurations/{config.pk}/"
    if client.get(url).status_code != 200:
        raise SystemExit("the builder page did not render")
    # Alternate between the family's magnet and another one the options offer: both must
    # exist in this catalog and be accepted, or half the samples would time a refusal.
    from configurator import selectors
    from configurator.models import ConfigurationLine

    current = FAMILIES["CK48-8"]["skus"]["magnet"]
    offered = selectors.configuration_options(configuration=config, slot="magnet", offset=0, limit=20,
                                              include_excluded=False)["magnet"]
    alternatives = [o.part.sku for o in offered.items if o.feasible and o.part.sku != current]
    if not alternatives:
        raise SystemExit("no other magnet is offered: nothing to alternate with")
    magnets = [current, alternatives[0]]
    choice = iter(range(10**9))

    def chosen_magnet() -> str:
        return ConfigurationLine.objects.get(configuration=config, slot="magnet").part.sku

    def update():
        sku = magnets[next(choice) % 2]
        response = client.post(url + "choose/", {"slot": "magnet", "sku": sku}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        return sku

    for _ in range(2):  # check the answers before timing them
        sku = update()
        if chosen_magnet() != sku:
            raise SystemExit(f"choosing {sku} did not take: the benchmark would time a refusal")

    login = Client()
    baseline = _timed(lambda: login.get("/accounts/login/"), args.repeat)
    page = _timed(lambda: client.get(url), args.repeat)
    partial = _timed(update, args.repeat)
    print(f"Configurator pages, {args.parts:,}-part catalog (import {load_s:.0f} s, "
          f"catalog view {view_s:.1f} s once per catalog change), in process, SQLite")
    print(f"  sign-in page (baseline)          p50 {baseline[0]:6.1f} ms  p95 {baseline[1]:6.1f} ms")
    print(f"  configurator page, full render   p50 {page[0]:6.1f} ms  p95 {page[1]:6.1f} ms  "
          f"(target <= 50 ms)")
    print(f"  options update (htmx choose)     p50 {partial[0]:6.1f} ms  p95 {partial[1]:6.1f} ms  "
          f"(target <= 30 ms)")
    if os.environ.get("COREKIT_BENCH_PROFILE"):
        import cProfile
        import pstats

        cProfile.runctx("for _ in range(20): client.get(url)", globals(), {"client": client, "url": url},
                        str(workdir / "profile"))
        pstats.Stats(str(workdir / "profile")).sort_stats("cumulative").print_stats(35)
    return {"baseline": baseline, "page": page, "update": partial}


if __name__ == "__main__":
    main()
