"""Catalog view at scale: the worker's build, the web process's load, and its memory.

    .venv/bin/python -m bench.catalog_view                      # 100k parts (a few minutes)
    .venv/bin/python -m bench.catalog_view --parts 10000        # a quick look
    .venv/bin/python -m bench.catalog_view --db 10000           # also from the database (slow import)

What it measures, on `build_synthetic_catalog(n)` turned into domain parts:

* build — what the worker does once per catalog change (`view_from_parts`: equal values
  shared, the options index built and warmed, the class tables of every template), then
  `pack` (pickle + zlib + HMAC) into the artifact; CPU and wall seconds, artifact size.
* load — what a web process does once per catalog change: `unpack` (signature check,
  decompress, unpickle) in a fresh subprocess, best and median of --repeat runs; and the
  view's memory in that process (tracemalloc of the load, and the RSS it added: the fresh
  process's RSS after the load and a garbage collection minus its RSS before), against the
  targets (load <= 1 s, RSS added <= 150 MB), and the RSS high-water mark during the load.
* baseline — what every web process paid before, in the same run: the index and tables
  built from the same parts in process (without sharing), and its memory the same way.
* with --db N: N parts imported into a throwaway SQLite database, then the ORM → domain
  conversion (`catalog_parts`), the worker's whole `view_publish` (read, build, pack,
  store) and `artifact_load` (fetch, verify, unpickle) through the real code.

Before anything is timed, the loaded view must answer guided options (all slots, page
of 20, excluded parts included) and completion exactly like the freshly built one for
the four demo families. Not a test: figures vary with the machine (2 shared cores here).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.support import FAMILIES, ROOT, family_snapshot, restricted_entities, synthetic_parts

KEY = b"bench-catalog-view-key-0123456789abcdef"


def _setup_django(workdir: Path) -> None:
    os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_LOG_LEVEL": "WARNING",
                       "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}"})
    import django

    django.setup()


def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


LOAD_TARGET_S = 1.0
RSS_TARGET_MB = 150.0


def _against(value: float, target: float, unit: str) -> str:
    return f"(target <= {target:g} {unit}: {'met' if value <= target else 'MISSED'})"


def _clock(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def _templates() -> dict:
    from configurator.domain.templates import BUILTIN_TEMPLATES

    return {code: (i, t) for i, (code, t) in enumerate(sorted(BUILTIN_TEMPLATES.items()))}


def _answers(index) -> list:
    """Guided options for every slot and the completion status of the four demo families."""
    from configurator.domain import all_slot_options, completion_status

    by_sku = {sku: index.get(sku) for code in FAMILIES for sku in FAMILIES[code]["skus"].values() if sku}
    out = []
    for code in sorted(FAMILIES):
        snap = family_snapshot(code, by_sku)
        out.append(all_slot_options(snap, index, limit=20, include_excluded=True))
        out.append(completion_status(snap, index).to_dict())
    return out


# --------------------------------------------------------------------------- children


def _child(mode: str, path: str) -> dict:
    """Run in a fresh process: load the artifact (or build the old way) and report."""
    import gc
    import tracemalloc

    _setup_django(Path(tempfile.mkdtemp(prefix="corekit-bench-view-")))
    from configurator.domain.artifact import unpack

    data = Path(path).read_bytes()
    gc.collect()
    traced = mode.endswith("-traced")
    if traced:
        tracemalloc.start()
    before = _rss_mb()
    if mode.startswith("load"):
        view, wall, cpu = _clock(lambda: unpack(data, KEY))
    else:  # the baseline: parts as the ORM made them, the index and tables built in process
        from configurator.domain.completion import tables
        from configurator.domain.options import CatalogIndex

        parts = pickle.loads(data)  # counted too: a process held these parts before

        def build():
            index = CatalogIndex.build(parts).warm()
            for _pk, template in _templates().values():
                tables(index, template)
            return index

        view, wall, cpu = _clock(build)
    gc.collect()
    # RSS added: what the process keeps after the load, garbage collected; peak: its high-water
    # mark during the load (the compressed artifact was read before `before`).
    out = {"wall": wall, "cpu": cpu, "rss_mb": _rss_mb() - before, "peak_mb": _rss_mb("VmHWM") - before}
    if traced:
        out["traced_mb"] = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
    del view
    return out


def _run_child(mode: str, path: Path) -> dict:
    result = subprocess.run([sys.executable, "-m", "bench.catalog_view", "--child", mode, str(path)],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- database


def _from_database(n: int, workdir: Path) -> dict:
    import logging

    from django.conf import settings
    from django.core.management import call_command

    from configurator import catalog, catalog_artifacts
    from demo.catalog import build_synthetic_catalog
    from parts.services import catalog_import

    logging.getLogger("core.outbox").setLevel(logging.ERROR)  # no broker here: the relay's job
    call_command("migrate", verbosity=0)
    from configurator.services import kit_templates_seed

    kit_templates_seed()
    document = build_synthetic_catalog(n)
    # The publish task is timed on its own below; the import's own publication of the view
    # (inside its transaction) is timed by bench.catalog_import.
    settings.COREKIT_CATALOG_PUBLISH_WITH_IMPORT = False
    _, import_wall, _ = _clock(lambda: catalog_import(document=document))
    parts, orm_wall, orm_cpu = _clock(catalog.catalog_parts)
    assert len(parts) == n, (len(parts), n)
    result, publish_wall, publish_cpu = _clock(catalog.view_publish)
    assert result["published"], result
    version = catalog.catalog_version()
    view, load_wall, load_cpu = _clock(lambda: catalog_artifacts.artifact_load(version))
    assert view is not None and len(view.index) == n
    built = catalog.view_from_parts(version, parts, view.templates, view.restricted_entities)
    assert _answers(view.index) == _answers(built.index), "the loaded view answers differently"
    return {"parts": n, "import_s": import_wall, "orm_to_domain_s": orm_wall, "orm_to_domain_cpu_s": orm_cpu,
            "publish_s": publish_wall, "publish_cpu_s": publish_cpu, "artifact_load_s": load_wall,
            "artifact_load_cpu_s": load_cpu, "bytes": result["bytes"]}


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--parts", type=int, default=100_000, help="catalog size (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process loads timed (default 3)")
    parser.add_argument("--db", type=int, default=0, metavar="N",
                        help="also import N parts into SQLite and time the real database path")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return {}

    workdir = Path(tempfile.mkdtemp(prefix="corekit-bench-view-"))
    _setup_django(workdir)
    from configurator.catalog import view_from_parts
    from configurator.domain.artifact import pack, unpack

    n = args.parts
    print(f"catalog view, {n:,} parts (load average {os.getloadavg()[0]:.1f})", flush=True)
    parts, gen_wall, _ = _clock(lambda: synthetic_parts(n))
    print(f"  synthetic catalog as domain parts: {gen_wall:.1f} s (not part of any figure)", flush=True)
    version = (1, None)
    view, build_wall, build_cpu = _clock(
        lambda: view_from_parts(version, parts, _templates(), restricted_entities()))
    blob, pack_wall, pack_cpu = _clock(lambda: pack(view, KEY))

    # Check before timing: the artifact answers exactly like the view it was made from.
    loaded = unpack(blob, KEY)
    assert loaded.version == version and len(loaded.index) == len(view.index) == n
    assert [loaded.index.get(p.sku) for p in parts] == parts, "a part changed on the way"
    assert _answers(loaded.index) == _answers(view.index), "the loaded view answers differently"
    print("  checked: the loaded view answers guided options and completion like the built one", flush=True)
    loaded = view = None

    artifact = workdir / "view.bin"
    artifact.write_bytes(blob)
    baseline_parts = workdir / "parts.pickle"
    baseline_parts.write_bytes(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL))
    parts = None

    loads = [_run_child("load", artifact) for _ in range(max(1, args.repeat))]
    load_mem = _run_child("load-traced", artifact)
    old = _run_child("old", baseline_parts)
    old_mem = _run_child("old-traced", baseline_parts)

    best = min(x["wall"] for x in loads)
    median = statistics.median(x["wall"] for x in loads)
    cpu = min(x["cpu"] for x in loads)
    rss = statistics.median(x["rss_mb"] for x in loads)
    peak = statistics.median(x["peak_mb"] for x in loads)
    figures = {
        "parts": n, "build_s": build_wall + pack_wall, "build_cpu_s": build_cpu + pack_cpu,
        "view_build_s": build_wall, "pack_s": pack_wall, "bytes": len(blob),
        "load_best_s": best, "load_median_s": median, "load_cpu_s": cpu,
        "view_traced_mb": load_mem["traced_mb"], "view_rss_mb": rss, "load_peak_rss_mb": peak,
        "load_target_met": best <= LOAD_TARGET_S, "rss_target_met": rss <= RSS_TARGET_MB,
        "baseline_build_s": old["wall"], "baseline_build_cpu_s": old["cpu"],
        "baseline_traced_mb": old_mem["traced_mb"], "baseline_rss_mb": old["rss_mb"],
    }
    ratio_time = old["wall"] / best
    ratio_mem = load_mem["traced_mb"] / old_mem["traced_mb"]
    lines = [
        "",
        "  worker, once per catalog change:",
        f"    build the view (share values, index, tables)  {build_wall:6.2f} s wall {build_cpu:6.2f} s CPU",
        f"    pack (pickle + zlib + HMAC)                    {pack_wall:6.2f} s wall {pack_cpu:6.2f} s CPU",
        f"    total                                          {build_wall + pack_wall:6.2f} s wall "
        f"{build_cpu + pack_cpu:6.2f} s CPU  (target <= 10 s)",
        f"    artifact                                       {len(blob) / 1e6:6.1f} MB",
        f"  web process, once per catalog change (fresh process, {len(loads)} runs):",
        f"    load (verify + decompress + unpickle)  best {best:5.2f} s, median {median:5.2f} s, "
        f"CPU {cpu:5.2f} s  {_against(best, LOAD_TARGET_S, 's')}",
        f"    the view in memory                     {load_mem['traced_mb']:6.1f} MB traced, "
        f"{rss:6.1f} MB RSS added  {_against(rss, RSS_TARGET_MB, 'MB')}",
        f"    RSS high-water mark during the load    {peak:6.1f} MB above the process before it",
        "  baseline, what every web process paid before (same parts, built in process):",
        f"    index + tables                         {old['wall']:6.2f} s wall {old['cpu']:6.2f} s CPU"
        f"  -> the load takes {1 / ratio_time:.2f}x of it",
        f"    the view in memory                     {old_mem['traced_mb']:6.1f} MB traced, "
        f"{old['rss_mb']:6.1f} MB RSS added  -> {ratio_mem:.2f}x",
        "",
    ]
    print("\n".join(lines), flush=True)
    if args.db:
        print(f"  from the database ({args.db:,} parts, SQLite) ...", flush=True)
        db = _from_database(args.db, workdir)
        figures["db"] = db
        print("\n".join([
            f"    import (one transaction)                {db['import_s']:6.1f} s",
            f"    ORM -> domain parts (catalog_parts)     {db['orm_to_domain_s']:6.2f} s wall "
            f"{db['orm_to_domain_cpu_s']:6.2f} s CPU",
            f"    worker's view_publish (read+build+store) {db['publish_s']:6.2f} s wall "
            f"{db['publish_cpu_s']:6.2f} s CPU",
            f"    artifact_load (fetch+verify+unpickle)   {db['artifact_load_s']:6.2f} s wall "
            f"{db['artifact_load_cpu_s']:6.2f} s CPU ({db['bytes'] / 1e6:.1f} MB)"
            f"  -> {db['artifact_load_s'] / db['publish_s']:.2f}x of building",
            "",
        ]), flush=True)
    return figures


if __name__ == "__main__":
    main()
