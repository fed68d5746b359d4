"""HTTP benchmark: GET /api/v1/parts/ (50 full parts a page) against a plain ORM-50-rows view.

Starts its own redis-server (the shared page cache, as in production) and gunicorn
(2 sync workers, like the platform baseline) on a throwaway SQLite database (or the
PostgreSQL database `--database-url` names, dropped and created again) loaded with a
synthetic catalog of `--parts` parts. Before timing it checks the answers: the count,
page 1 and a later page are the catalog's parts in SKU order with their full bodies, a
cached page is identical to the uncached one, `policy=china-excluded` lists exactly the
parts the engine says satisfy it, and the baseline answers 50 rows. Then it drives, for
the same time each, with the same client (2 processes x 4 threads, a new connection per
request): the baseline view, the parts list over `--pages` pages, and the parts list with
`policy=` over the same pages. Prints requests/s, p50/p95 and the ratios (target >= 0.6x).

    .venv/bin/python -m bench.parts_list [--parts 10000] [--seconds 10] [--pages 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import http_clients
from bench.support import ROOT, RedisServer, free_port, port_open, wait_for

POLICY = "china-excluded"


def _get(port: int, path: str, headers: dict) -> tuple[int, bytes]:
    return http_clients.request(port, "GET", path, headers)


def drive(port: int, paths: list[str], headers: dict, seconds: float) -> dict:
    return http_clients.drive(port, [("GET", path, None) for path in paths], headers, seconds)


_EXPECTED = f"""
import json
from configurator.selectors import skus_satisfying_policy
from parts.models import Part
skus = list(Part.objects.order_by("sku").values_list("sku", flat=True))
print(json.dumps({{"skus": skus, "policy": sorted(skus_satisfying_policy("{POLICY}"))}}))
"""


def _check(port: int, headers: dict, pages: int, expected: dict) -> None:
    """Every answer the timing relies on, against the database and the engine."""
    skus = expected["skus"]

    def page(query: str) -> dict:
        status, body = _get(port, f"/api/v1/parts/?{query}", headers)
        assert status == 200, (query, status, body[:300])
        return json.loads(body)

    first = page("page=1")
    assert first["count"] == len(skus), (first["count"], len(skus))
    assert [p["sku"] for p in first["results"]] == skus[:50]
    part = first["results"][0]
    assert part["supplier"]["code"] and part["provenance"] and part["pricing"]["tiers"], part
    last = min(pages, (len(skus) + 49) // 50)
    later = page(f"page={last}")
    assert [p["sku"] for p in later["results"]] == skus[(last - 1) * 50: last * 50]
    assert page(f"page={last}") == later  # the cached page is the page
    listed, n = [], 1
    while True:  # the whole policy filter, page by page (page_size 500)
        body = page(f"policy={POLICY}&page_size=500&page={n}")
        listed += [p["sku"] for p in body["results"]]
        if not body["next"]:
            break
        n += 1
    assert listed == expected["policy"], (len(listed), len(expected["policy"]))
    assert body["count"] == len(expected["policy"])
    status, raw = _get(port, "/bench/orm-parts/?page=2", headers)
    assert status == 200 and [r["sku"] for r in json.loads(raw)["results"]] == skus[50:100]


def _fresh_postgres(url: str) -> None:
    from bench.catalog_import import _fresh_postgres as fresh

    fresh(url)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=10_000, help="synthetic catalog size")
    parser.add_argument("--seconds", type=float, default=10.0, help="per measured endpoint")
    parser.add_argument("--pages", type=int, default=20, help="distinct pages the clients rotate over")
    parser.add_argument("--database-url", default="",
                        help="PostgreSQL database to drop, create and use (default: a temp SQLite file)")
    args = parser.parse_args(argv)

    from demo.catalog import build_synthetic_catalog

    workdir = Path(tempfile.mkdtemp(prefix="corekit-bench-parts-"))
    catalog = workdir / "catalog.json"
    catalog.write_text(json.dumps(build_synthetic_catalog(args.parts)))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if database_url.startswith("postgres"):
        _fresh_postgres(database_url)
    redis = RedisServer(free_port(), workdir)
    redis.start()
    env = {**{k: v for k, v in os.environ.items()
              if k not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "COREKIT_TEST_REDIS_URL"}},
           "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.bench",
           "COREKIT_BENCH_SETTINGS": "local", "DJANGO_DEBUG": "0", "DJANGO_LOG_LEVEL": "WARNING",
           "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production",
           "REDIS_URL": redis.url, "COREKIT_CACHE_URL": redis.url.rsplit("/", 1)[0] + "/1",
           "COREKIT_API_RATE": "1000000/s", "COREKIT_IMPORT_MAX_BYTES": str(512 * 1024 * 1024)}
    python = sys.executable
    server = None
    try:
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([python, "manage.py", "import_catalog", str(catalog)],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        key = subprocess.run(
            [python, "manage.py", "create_api_key", "--org", "Bench Partner", "--create-org"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()
        expected = json.loads(subprocess.run(
            [python, "manage.py", "shell", "-c", _EXPECTED], cwd=ROOT, env=env, check=True,
            capture_output=True, text=True).stdout.strip().splitlines()[-1])
        port = free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi", "--bind",
             f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning",
             "--control-socket", str(workdir / "gunicorn.ctl")],
            cwd=ROOT, env=env,
        )
        wait_for(lambda: port_open(port), timeout=60, what="gunicorn")
        headers = {"Authorization": f"Api-Key {key}"}
        _check(port, headers, args.pages, expected)
        pages = range(1, min(args.pages, (len(expected["skus"]) + 49) // 50) + 1)
        runs = {
            "ORM 50 rows (baseline)": [f"/bench/orm-parts/?page={n}" for n in pages],
            "GET /parts/": [f"/api/v1/parts/?page={n}" for n in pages],
            f"GET /parts/?policy={POLICY}": [f"/api/v1/parts/?policy={POLICY}&page={n}"
                                               for n in pages],
        }
        for paths in runs.values():  # warm both workers (catalog view, connections, pages)
            drive(port, paths, headers, 1.0)
        results = {name: drive(port, paths, headers, args.seconds) for name, paths in runs.items()}
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    base = results["ORM 50 rows (baseline)"]["rps"]
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"GET /parts/, gunicorn 2 sync workers, {engine}, {args.parts:,} parts, Redis page cache, "
          f"{args.seconds:.0f} s each, 2x4 client threads over {len(pages)} pages")
    for name, r in results.items():
        ratio = r["rps"] / base if base else float("nan")
        print(f"  {name:36s} {r['rps']:7.0f} req/s  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms"
              f"  errors {r['errors']}  {ratio:.2f}x")
    print("  target: parts list >= 0.60x the ORM-50-rows view")
    http_clients.refuse_errors(*results.values())
    return results


if __name__ == "__main__":
    main()
