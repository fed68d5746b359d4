"""Catalog import benchmark: a synthetic N-part catalog file imported as a background job.

Writes the demo catalog's synthetic copy (`build_synthetic_catalog(N)`) as a
`corekit-catalog/1` file, migrates a fresh database (a throwaway SQLite file, or the
PostgreSQL database that `--database-url` names, dropped and created again), then, each
in its own process so that the peak memory is that step's own:

1. import the file as a job (stored by `catalog_import_job_create` in one process, as the
   upload request does; run by `catalog_import_job_run` in another, as the worker does:
   that one is measured), one transaction with history records;
2. preview the same file again (dry run: every part compared, nothing written);
3. import it again (every part unchanged: nothing written);
4. import a second file with every part's lead time moved by a day (every part updated:
   what a catalog-wide price or lead-time update costs, the parts' locks included).

Before printing figures it checks the answers: the job is done, every part is there with
its provenance, tiers and one history record each, a sample of parts reads back exactly
as the file states them, the progress moved through the parts, the re-import changed
nothing, and an import that wrote parts published the catalog view and the policy
verdicts of its own stamp (timed from the job's "publishing" progress to its final state).
Prints wall time, parts/s and peak RSS per step.

    .venv/bin/python -m bench.catalog_import [--parts 100000] [--database-url postgres://...]
        [--profile DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def _env(database_url: str) -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DJANGO_DEBUG": "0",
            "DATABASE_URL": database_url, "COREKIT_IMPORT_MAX_BYTES": str(512 * 1024 * 1024),
            "PYTHONPATH": str(ROOT)}


def _fresh_postgres(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _peak_mb() -> float:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux carries the parent's
    high-water mark across fork and exec into it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(step: str, path: str, parts: int) -> None:
    import django

    django.setup()
    from django.core.cache import cache

    from parts.domain.catalog import validate_document
    from parts.models import CatalogImportJob, Part, PriceTier, ProvenanceStage
    from parts.selectors import part_canonical, part_queryset
    from parts.services import (
        AFTER_PARTS_PROGRESS,
        IMPORT_BATCH,
        _canonical_row,
        catalog_import_job_create,
        catalog_import_job_run,
    )

    seen: list[int] = []
    seen_at: dict[int, float] = {}  # progress -> when first shown
    original_set = cache.set

    def spy(key, value, *args, **kwargs):  # the progress the admin's page would show
        if str(key).startswith("catalog-import-progress:"):
            seen.append(value["progress"])
            seen_at.setdefault(value["progress"], time.perf_counter())
        return original_set(key, value, *args, **kwargs)

    if step == "write-shifted":  # the second file: every part's lead time + 1 day
        document = json.loads(Path(path).read_text())
        for part in document["parts"]:
            part["lead_time_days"] += 1
        Path(path).with_suffix(".shifted.json").write_text(json.dumps(document))
        print(json.dumps({"written": True}))
        return
    if step.startswith("upload-"):  # what the admin's upload request does (not measured)
        job = catalog_import_job_create(content=Path(path).read_bytes(), file_name="bench.json",
                                        dry_run=step == "upload-preview", enqueue=False)
        print(json.dumps({"job": job.pk}))
        return
    cache.set = spy
    start = time.perf_counter()
    job = catalog_import_job_run(job_id=int(step.split(":")[1]))
    step = step.split(":")[0]
    seconds = time.perf_counter() - start
    assert job.status == "done", job.report.get("errors", [])[:5]
    report = job.report
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result = {"step": step, "seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime,
              "peak_mb": _peak_mb(),
              "progress_updates": len(seen), "publish_s": None}
    if step in ("import", "update"):
        # The import published the view and verdicts of its own stamp in its transaction:
        # timed from the progress note that says so to the job's final state.
        from configurator.catalog import catalog_version
        from configurator.catalog_artifacts import artifact_load
        from configurator.models import PolicyVerdictSet
        from configurator.selectors import ALL_ORGANIZATIONS, sourcing_policy_list

        assert AFTER_PARTS_PROGRESS in seen_at and 100 in seen_at, seen
        result["publish_s"] = seen_at[100] - seen_at[AFTER_PARTS_PROGRESS]
        view = artifact_load(catalog_version())
        assert view is not None and len(view.index) == parts, "no artifact of the import's stamp"
        del view
        # ... and every policy's verdicts (the policies with a version in force).
        stored = PolicyVerdictSet.objects.filter(catalog_version=catalog_version()[0]).count()
        assert stored == len(sourcing_policy_list(ALL_ORGANIZATIONS)), stored
    else:
        assert AFTER_PARTS_PROGRESS not in seen_at, seen  # nothing written, nothing published
    batches = -(-parts // IMPORT_BATCH)  # the progress moves once a batch
    assert seen == sorted(seen) and len([p for p in seen if 10 < p < 95]) >= min(3, batches - 1), seen
    if step == "import":
        assert len(report["created"]["parts"]) == parts, len(report["created"]["parts"])
        assert Part.objects.count() == parts
        assert Part.history.count() == parts  # one history record per part, in bulk
        assert PriceTier.history.count() == PriceTier.objects.count() > parts
        assert ProvenanceStage.history.count() == ProvenanceStage.objects.count() > parts
    elif step == "preview":
        assert report["unchanged"]["parts"] == parts and not report["created"]["parts"]
    elif step == "reimport":
        assert report["unchanged"]["parts"] == parts and not report["updated"]["parts"]
        assert Part.history.count() == parts  # nothing written
    else:  # update: every part changed, one more history record each
        assert len(report["updated"]["parts"]) == parts and not report["created"]["parts"]
        assert Part.history.count() == 2 * parts
    document = json.loads(Path(path).read_text(), parse_float=Decimal)
    document["parts"] = document["parts"][:: max(1, parts // 200)]
    clean, errors = validate_document(document)
    assert not errors, errors[:3]
    sample = {row["sku"]: _canonical_row(row) for row in clean.parts}
    stored = {part.sku: part_canonical(part) for part in part_queryset().filter(sku__in=list(sample))}
    assert stored == sample, [sku for sku in sample if stored.get(sku) != sample[sku]][:3]
    assert CatalogImportJob.objects.filter(pk=job.pk, progress=100).exists()
    print(json.dumps(result))


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=100_000)
    parser.add_argument("--database-url", default="",
                        help="PostgreSQL database to drop, create and use (default: a temp SQLite file)")
    parser.add_argument("--profile", metavar="DIR",
                        help="run each measured step under cProfile and write DIR/<step>.prof "
                             "(the figures then include the profiler's overhead)")
    parser.add_argument("--child", nargs=2, metavar=("STEP", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], args.child[1], args.parts)
        return []

    workdir = Path(tempfile.mkdtemp(prefix="corekit-bench-import-"))
    path = workdir / "catalog.json"
    # Written by another process: this one stays small (the steps are started from it).
    subprocess.run([sys.executable, "-m", "demo.catalog", "--synthetic", str(args.parts), str(path)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    database_url = args.database_url or f"sqlite:///{workdir / 'db.sqlite3'}"
    if database_url.startswith("postgres"):
        _fresh_postgres(database_url)
    env = _env(database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    size_mb = path.stat().st_size / 1e6
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"{args.parts:,} parts, file {size_mb:.1f} MB, {engine}", flush=True)
    results = []
    def child(step: str, file: Path = path) -> dict:
        profile = []
        if args.profile and ":" in step:  # a measured step
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            profile = ["-m", "cProfile", "-o", str(Path(args.profile) / f"{step.split(':')[0]}.prof")]
        out = subprocess.run(
            [sys.executable, *profile, "-m", "bench.catalog_import", "--parts", str(args.parts),
             "--child", step, str(file)],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )
        if out.returncode:
            sys.exit(f"{step} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    try:
        child("write-shifted")
        shifted = path.with_suffix(".shifted.json")
        for step in ("import", "preview", "reimport", "update"):
            file = shifted if step == "update" else path
            job = child("upload-preview" if step == "preview" else "upload-import", file)["job"]
            result = child(f"{step}:{job}", file)  # what the worker does: measured alone
            results.append(result)
            published = (f"; of which publishing the view and verdicts {result['publish_s']:.1f} s"
                         if result["publish_s"] else "")
            print(f"  {step:9s} {result['seconds']:7.1f} s  {args.parts / result['seconds']:8,.0f} parts/s"
                  f"  (worker CPU {result['cpu_s']:5.1f} s)  peak {result['peak_mb']:6.0f} MB"
                  f"  ({result['progress_updates']} progress updates){published}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
