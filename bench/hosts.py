"""Cost per added host: the mixed partner traffic of `bench.load` on one gunicorn instance,
then on two (clients spread round robin, as a load balancer would), then on one again.

One stack (`bench.load.Stack`): a scratch PostgreSQL database, one redis-server (broker
and the shared cache of the rate limits), one Celery worker, gunicorn instances of 2 sync
workers each, production settings, one API key per client. Instance B is started between
the first and the second phase, so its start (the catalog view it builds on its first
request) is measured too. Every endpoint's answer is checked on each instance before
anything is timed; every non-2xx answer is an error.

Reported per phase: req/s, p50/p95 per endpoint, errors; then the ratio of two instances
to one, and what an added instance costs: resident memory, PostgreSQL connections, and its
first answers (the catalog view is built per process today).

    .venv/bin/python -m bench.hosts [--clients 16] [--seconds 20] [--no-pdf]

On a 2-core machine both instances share the same cores: the ratio says what the
software costs per host (duplicated caches, connections, warm-up), not what a second
machine would add.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time

from bench.load import MIX, Stack, _print_table, _request, add_stack_arguments, drive, rss_mib


def _connections(stack: Stack) -> int:
    return stack.database.query(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()")[0][0]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16,
                        help="concurrent clients, each with its own API key (default 16)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase (default 20)")
    parser.add_argument("--client-processes", type=int, default=4,
                        help="client processes the clients are spread over (default 4)")
    parser.add_argument("--no-pdf", action="store_true", help="quotes without the PDF step")
    add_stack_arguments(parser, database_prefix="corekit_hosts")
    args = parser.parse_args(argv)
    if args.clients < 2 or args.seconds <= 0:
        parser.error("--clients must be at least 2 and --seconds positive")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    results: dict = {}
    with Stack(settings=args.settings, database_name=args.database_name, clients=args.clients,
               no_pdf=args.no_pdf, keep_logs=args.keep_logs, key_sets=4) as stack:
        port_a = stack.add_web()
        config_id, seed_quote, plan = stack.prepare()
        stack.check_answers(port_a, plan)
        phases = iter(range(stack.key_sets))

        def phase(ports: list[int]) -> dict:
            # Each drive with keys of its own: a key's requests count against its rate for a minute.
            drive(ports, plan[:3], stack.key_set(next(phases)), args.clients, args.client_processes,
                  2.0)  # warm
            load = os.getloadavg()[0]
            run = drive(ports, plan, stack.key_set(next(phases)), args.clients, args.client_processes,
                        args.seconds,
                        seed_quote=seed_quote, config_id=config_id)
            stack.check()
            run["loadavg"] = (load, os.getloadavg()[0])
            return run

        one = phase([port_a])
        mem_a = rss_mib(stack.webs[0][1].process.pid)
        conns_one = _connections(stack)

        # -- the added instance: its start and first answers, then the phase on both
        started = time.perf_counter()
        port_b = stack.add_web()
        listening_s = time.perf_counter() - started
        firsts = []
        for name, method, path, body, _ in plan[:3]:
            t = time.perf_counter()
            status, _ = _request(port_b, method, path, stack.headers(0) if body else
                                 {k: v for k, v in stack.headers(0).items() if k != "Content-Type"},
                                 body)
            firsts.append((name, status, time.perf_counter() - t))
        stack.check_answers(port_b, plan)
        two = phase([port_a, port_b])
        mem_b = rss_mib(stack.webs[1][1].process.pid)
        conns_two = _connections(stack)
        stack.stop_web(port_b)
        again = phase([port_a])
        by_status, drain_s = stack.drain(seed_quote, 300)
        results = {"one": one, "two": two, "again": again, "mem_a": mem_a, "mem_b": mem_b,
                   "conns": (conns_one, conns_two), "listening_s": listening_s, "firsts": firsts,
                   "quotes": by_status, "drain_s": drain_s}

    # -- report
    print(f"Cost per added host: {args.clients} clients (one API key each), mixed traffic "
          f"({', '.join(f'{w} % {n}' for n, w in MIX)}), {args.seconds:.0f} s per phase; each "
          f"instance gunicorn 2 sync workers; 1 Celery worker; PostgreSQL and Redis shared; "
          f"{os.cpu_count()} CPUs for everything (clients included)")
    rows = {}
    for label, key in (("1 instance", "one"), ("2 instances", "two"), ("1 instance again", "again")):
        run = results[key]
        f = run["figures"]
        _print_table(f"{label}: {run['elapsed']:.1f} s, load average {run['loadavg'][0]:.2f} -> "
                     f"{run['loadavg'][1]:.2f}", {**{n: f[n] for n, _ in MIX}, "total": f["total"]})
        rows[key] = f["total"]
    single = (rows["one"]["rps"] + rows["again"]["rps"]) / 2
    ratio = rows["two"]["rps"] / single if single else float("nan")
    print(f"throughput: 1 instance {rows['one']['rps']:.1f} and {rows['again']['rps']:.1f} req/s "
          f"(mean {single:.1f}), 2 instances {rows['two']['rps']:.1f} req/s: {ratio:.2f}x; total p95 "
          f"{rows['one']['p95_ms']:.0f} / {rows['two']['p95_ms']:.0f} / {rows['again']['p95_ms']:.0f} ms")
    print(f"an added instance costs: {results['mem_b']:.0f} MiB resident (instance A: "
          f"{results['mem_a']:.0f} MiB, its 2 workers and arbiter); PostgreSQL connections "
          f"{results['conns'][0]} -> {results['conns'][1]} (persistent, one per process); "
          f"listening after {results['listening_s']:.2f} s; first answers: "
          + ", ".join(f"{n} {s} in {t * 1000:.0f} ms" for n, s, t in results["firsts"]))
    errors = sum(results[k]["figures"]["total"]["errors"] for k in ("one", "two", "again"))
    q = results["quotes"]
    pending = q.get("queued", 0) + q.get("pricing", 0)
    passed = errors == 0 and pending == 0 and not q.get("failed")
    print(f"verdict: {'PASS' if passed else 'FAIL'} (errors {errors}; quotes ready {q.get('ready', 0)}, "
          f"failed {q.get('failed', 0)}, stuck {pending})")
    results["ratio"], results["passed"] = ratio, passed
    for k in ("one", "two", "again"):
        for f in results[k]["figures"].values():
            f.pop("latencies", None)
    return results


if __name__ == "__main__":
    sys.exit(0 if main().get("passed") else 1)
