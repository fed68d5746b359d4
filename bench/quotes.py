"""Quote pipeline benchmark on a real redis-server and real Celery worker processes.

Measured in one run, so the figures compare on the same machine state:
  * baseline: a no-op Celery task round trip (`delay().get()`), p50/p95;
  * quote request → ready latency including the PDF (one worker), p50/p95;
  * quotes per second without the PDF step, with one and with two worker processes
    (each `--concurrency 1`), draining a burst of requests.

    .venv/bin/python -m bench.quotes [--latency-quotes 20] [--burst 100]

Uses a throwaway SQLite database unless DATABASE_URL is set (PostgreSQL recommended:
SQLite serialises the workers' writes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench.support import (
    DEMO_CATALOG,
    RedisServer,
    Worker,
    family_configuration,
    free_port,
    wait_for,
)
from bench.support import pct as _pct


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-quotes", type=int, default=20)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--pings", type=int, default=300)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="corekit-bench-quotes-"))
    redis = RedisServer(free_port(), workdir)
    redis.start()
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": redis.url, "COREKIT_MEDIA_ROOT": str(workdir / "media"),
        "DJANGO_LOG_LEVEL": "WARNING",
    })
    import django

    django.setup()
    from django.core.management import call_command

    from core.services import organization_get_or_create, user_upsert
    from core.tasks import ping
    from orders.models import Quote
    from orders.services import QuoteRequest, quote_request

    call_command("migrate", verbosity=0)
    from configurator.services import kit_templates_seed

    kit_templates_seed()
    call_command("import_catalog", DEMO_CATALOG, verbosity=0)
    org = organization_get_or_create(name="Bench Motors", kind="automaker")
    user = user_upsert(username="bench", password="bench-pw-2026", organization=org, role="buyer")
    config = family_configuration(org, user=user)

    env = {**os.environ, "DJANGO_LOG_LEVEL": "WARNING"}
    workers: list[Worker] = []

    def start(name: str, **extra: str) -> Worker:
        worker = Worker(name, {**env, **extra}, workdir / f"{name}.log")
        workers.append(worker)
        return worker

    def request() -> int:
        quote, _ = quote_request(organization=org, user=user,
                                 request=QuoteRequest(configuration_id=config.pk, currency="KRW"))
        return quote.pk

    def ready(ids: list[int]) -> bool:
        return Quote.objects.filter(pk__in=ids, status="ready").count() == len(ids)

    results: dict = {}
    try:
        first = start("w1")
        ping.delay().get(timeout=30)
        rtts = []
        for _ in range(args.pings):
            t = time.perf_counter()
            ping.delay().get(timeout=30)
            rtts.append(time.perf_counter() - t)
        results["noop_p50_ms"] = statistics.median(rtts) * 1000
        results["noop_p95_ms"] = _pct(rtts, 0.95) * 1000

        request_and_wait = []
        warm = request()
        wait_for(lambda: ready([warm]), timeout=60, interval=0.01, what="warm-up quote")
        for _ in range(args.latency_quotes):
            t = time.perf_counter()
            pk = request()
            wait_for(lambda pk=pk: ready([pk]), timeout=60, interval=0.005, what="quote")
            request_and_wait.append(time.perf_counter() - t)
        results["latency_p50_s"] = statistics.median(request_and_wait)
        results["latency_p95_s"] = _pct(request_and_wait, 0.95)
        first.stop()
        workers.clear()

        for count in (1, 2):
            for i in range(count):
                start(f"nopdf{count}-{i}", COREKIT_QUOTE_RENDER_PDF="0")
            ids = [request() for _ in range(args.burst)]
            t = time.perf_counter()
            wait_for(lambda ids=ids: ready(ids), timeout=600, interval=0.02, what="the burst")
            results[f"qps_{count}_workers"] = args.burst / (time.perf_counter() - t)
            for w in workers:
                w.stop()
            workers.clear()
    finally:
        for w in workers:
            w.stop()
        redis.stop()

    db = "PostgreSQL" if "postgres" in os.environ["DATABASE_URL"] else "SQLite"
    print(f"Quote pipeline, real redis-server + celery workers, {db}")
    print(f"  no-op task round trip (baseline)  p50 {results['noop_p50_ms']:.1f} ms   "
          f"p95 {results['noop_p95_ms']:.1f} ms")
    print(f"  request -> ready incl. PDF        p50 {results['latency_p50_s']:.3f} s   "
          f"p95 {results['latency_p95_s']:.3f} s   "
          f"({results['latency_p50_s'] * 1000 / results['noop_p50_ms']:.0f}x the no-op; target p50 <= 1.5 s)")
    print(f"  throughput without PDF, 1 worker  {results['qps_1_workers']:.1f} quotes/s")
    print(f"  throughput without PDF, 2 workers {results['qps_2_workers']:.1f} quotes/s   "
          f"(target >= 10 quotes/s)")
    return results


if __name__ == "__main__":
    main()
