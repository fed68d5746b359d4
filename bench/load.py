"""Loopback load test: mixed partner-API traffic on gunicorn + Celery + PostgreSQL, bounded.

Starts its own stack on 127.0.0.1 and tears it down at the end (try/finally):
  * a fresh PostgreSQL database (`corekit_load_<pid>`, created and dropped here; the
    database named in DATABASE_URL is only used to reach the server, never written),
    migrated, with the demo catalog, an organization with **one API key per simulated
    client**, and one valid CK48-8 configuration (created through POST /api/v1/configurations/);
  * its own redis-server (broker and, under the production settings, the shared cache that
    holds the rate-limit counters), one `celery worker --concurrency 2`, gunicorn
    (`config.wsgi`, 2 sync workers), all on free ports;

then drives N concurrent clients (a new connection per request: sync workers do not
keep connections alive) for a fixed time with this mix:

    40 %  GET  /api/v1/parts/?page_size=50
    25 %  POST /api/v1/configurations/validate/          (the CK48-8 package)
    20 %  GET  /api/v1/configurations/{id}/options/?slot=magnet
     5 %  POST /api/v1/quotes/  {"configuration": id, "currency": "KRW"}, unique Idempotency-Key
    10 %  GET  /api/v1/quotes/{id}/                      (a quote this client process requested)

The rate limits are the production ones (COREKIT_API_RATE, COREKIT_QUOTE_RATE as the
settings resolve them, per API key) and every client sends its own key, as N partners
would. Every non-2xx answer (and every connection failure) is an error; 429s are also
counted on their own; the run passes with 0 errors and no quote failed or stuck. Baseline
from the same run: the bare DRF view (/bench/bare-validate/, config.settings.bench: it
authenticates and is throttled like the others) alone, same clients, before the mixed run
and again after it (on a shared machine whose speed drifts, the two differed by 11-27 % in
successive runs); the ratio total req/s / mean bare req/s is printed, with both baselines.
After the run, the quotes are followed in the database until none is queued/pricing (or the
drain deadline).

    .venv/bin/python -m bench.load [--clients 32] [--seconds 60] [--no-pdf]

Reaches PostgreSQL through DATABASE_URL (default
postgres://corekit:corekit@127.0.0.1:5432/corekit); the role needs CREATEDB.
`bench.hosts` reuses the stack below to compare one gunicorn instance with two.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote as urlquote
from urllib.parse import unquote, urlparse

from bench import http_clients
from bench.support import ROOT, family_body, free_port, port_open, tail, wait_for
from bench.support import pct as _pct

VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://corekit:corekit@127.0.0.1:5432/corekit"
TEST_SUITE_REDIS_PORT = 6390  # the test suite's own redis-server: never take it

# (name, weight %). The paths are filled in once the configuration exists.
MIX = [
    ("GET parts list", 40),
    ("POST validate", 25),
    ("GET options slot=magnet", 20),
    ("POST quote request", 5),
    ("GET quote poll", 10),
]
BASELINE = "POST bare DRF view (baseline)"
TERMINAL = {"ready", "failed", "sent", "accepted", "rejected", "expired"}


# ----------------------------------------------------------------------------- helpers


def _free_port() -> int:
    while True:
        port = free_port()
        if port != TEST_SUITE_REDIS_PORT:
            return port


_request = http_clients.request


# ----------------------------------------------------------------------------- the stack


class Database:
    """A scratch PostgreSQL database on the server DATABASE_URL points at."""

    def __init__(self, server_url: str, name: str) -> None:
        u = urlparse(server_url)
        if u.scheme not in ("postgres", "postgresql", "pgsql"):
            raise SystemExit(f"bench.load needs PostgreSQL; DATABASE_URL is {u.scheme}://...")
        self.name = name
        self.server_db = u.path.lstrip("/") or "postgres"
        if name == self.server_db:
            raise SystemExit(f"refusing to use {name!r}: it is the database DATABASE_URL names")
        self.conninfo = dict(host=u.hostname or "127.0.0.1", port=u.port or 5432,
                             user=unquote(u.username or ""), password=unquote(u.password or ""))
        auth = f"{urlquote(self.conninfo['user'], safe='')}:{urlquote(self.conninfo['password'], safe='')}"
        self.url = f"postgres://{auth}@{self.conninfo['host']}:{self.conninfo['port']}/{name}"
        self.created = False

    def _admin(self):
        import psycopg

        # The maintenance database, so that nothing ever runs inside the app's database.
        for dbname in ("postgres", self.server_db):
            try:
                return psycopg.connect(dbname=dbname, autocommit=True, connect_timeout=5,
                                       **self.conninfo)
            except psycopg.OperationalError:
                if dbname == self.server_db:
                    raise
        raise AssertionError("unreachable")

    def create(self) -> None:
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.created = True

    def drop(self, *, within: float = 120.0) -> None:
        """Drop it, waiting out PostgreSQL's own sessions on it: after a large import an
        autovacuum worker usually is one, which a role without pg_signal_backend cannot end,
        and the drop failed (leaving gigabytes behind at 100k parts)."""
        if not self.created:
            return
        import psycopg

        deadline = time.monotonic() + within
        while True:
            try:
                with self._admin() as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                break
            except psycopg.errors.InsufficientPrivilege:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1.0)
        self.created = False

    def query(self, sql: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(dbname=self.name, connect_timeout=5, **self.conninfo) as conn:
            return conn.execute(sql, params).fetchall()


class Service:
    """A child process in its own session (killed as a group), output to a log file."""

    def __init__(self, name: str, args: list[str], env: dict, log: Path) -> None:
        self.name = name
        self.log = log
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                        stdout=log.open("ab"), stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def check(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{tail(self.log)}")

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


# ----------------------------------------------------------------------------- the clients


def _client_process(proc_index: int, targets: list[tuple[int, dict]], plan: list,
                    weights: list[int], start_at: float, seconds: float, seed_quote: int,
                    config_id: int, out) -> None:
    """One concurrent client per (port, headers) in `targets` (each its own API key);
    sends back per-endpoint latencies and statuses."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and cleans up
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {name: [] for name, *_ in plan}
    statuses: dict[str, Counter] = {name: Counter() for name, *_ in plan}
    requested: list[int] = []       # quotes this process requested (2xx)
    in_flight: list[int] = []       # ... not yet seen ready/failed by a poll
    quote_body = json.dumps({"configuration": config_id, "currency": "KRW"}).encode()
    ends: list[float] = []
    deadline = start_at + seconds

    def loop(i: int) -> None:
        rng = random.Random(proc_index * 1000 + i)
        port, headers = targets[i]
        local_lat: dict[str, list[float]] = {name: [] for name, *_ in plan}
        local_st: dict[str, Counter] = {name: Counter() for name, *_ in plan}
        while time.monotonic() < start_at:
            time.sleep(min(0.01, max(0.0, start_at - time.monotonic())))
        while time.monotonic() < deadline:
            name, method, path, body = rng.choices(plan, weights=weights)[0]
            h = dict(headers)
            kind = None
            if path == "{quote-request}":
                path, body, kind = "/api/v1/quotes/", quote_body, "request"
                h["Idempotency-Key"] = f"load-{uuid.uuid4()}"
            elif path == "{quote-poll}":
                with lock:
                    pool = in_flight or requested
                    target = rng.choice(pool) if pool else seed_quote
                path, kind = f"/api/v1/quotes/{target}/", "poll"
            if body is None:
                h.pop("Content-Type", None)
            started = time.perf_counter()
            try:
                status, data = _request(port, method, path, h, body)
            except Exception as exc:  # connection refused/reset, timeout: an error
                status, data = f"{type(exc).__name__}", b""
            local_lat[name].append(time.perf_counter() - started)
            local_st[name][status] += 1
            if kind and isinstance(status, int) and 200 <= status < 300:
                try:
                    payload = json.loads(data)
                except ValueError:
                    continue
                with lock:
                    if kind == "request" and payload.get("id"):
                        requested.append(payload["id"])
                        in_flight.append(payload["id"])
                    elif kind == "poll" and payload.get("status") in TERMINAL \
                            and payload.get("id") in in_flight:
                        in_flight.remove(payload["id"])
        with lock:
            for name in local_lat:
                latencies[name].extend(local_lat[name])
                statuses[name].update(local_st[name])
            ends.append(time.monotonic())

    pool = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(len(targets))]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=seconds + (start_at - time.monotonic()) + 90)
    out.put({"latencies": latencies, "statuses": {k: dict(v) for k, v in statuses.items()},
             "requested": requested, "end": max(ends) if ends else time.monotonic()})


def client_headers(key: str) -> dict:
    # X-Forwarded-Proto: as a TLS-terminating proxy would send it (production settings
    # redirect plain HTTP); ignored unless SECURE_PROXY_SSL_HEADER is set.
    return {"Authorization": f"Api-Key {key}", "Content-Type": "application/json",
            "Connection": "close", "X-Forwarded-Proto": "https"}


def drive(ports: int | list[int], plan: list, keys: list[str], clients: int, processes: int,
          seconds: float, seed_quote: int = 0, config_id: int = 0) -> dict:
    """Run the plan with `clients` concurrent clients for `seconds`; per-endpoint figures.

    Client i sends `keys[i]` (one API key per client) to `ports[i % len(ports)]` (the web
    instances, round robin, as a load balancer would spread clients)."""
    ports = [ports] if isinstance(ports, int) else list(ports)
    if len(keys) < clients:
        raise ValueError(f"{clients} clients need {clients} API keys, got {len(keys)}")
    targets = [(ports[i % len(ports)], client_headers(keys[i])) for i in range(clients)]
    processes = max(1, min(processes, clients))
    split = [targets[i::processes] for i in range(processes)]
    weights = [w for *_, w in plan]
    plan = [p[:4] for p in plan]
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    start_at = time.monotonic() + 0.5
    procs = [ctx.Process(target=_client_process, daemon=True,
                         args=(i, chunk, plan, weights, start_at, seconds,
                               seed_quote, config_id, queue))
             for i, chunk in enumerate(split)]
    for p in procs:
        p.start()
    try:
        results = [queue.get(timeout=seconds + 150) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join()
    elapsed = max(r["end"] for r in results) - start_at
    figures = {}
    for name, *_ in plan:
        lat = sorted(x for r in results for x in r["latencies"][name])
        st: Counter = Counter()
        for r in results:
            st.update(r["statuses"][name])
        errors = {k: v for k, v in st.items() if not (isinstance(k, int) and 200 <= k < 300)}
        figures[name] = {
            "requests": len(lat), "errors": sum(errors.values()), "429": st.get(429, 0),
            "error_statuses": errors, "rps": len(lat) / elapsed if elapsed > 0 else float("nan"),
            "p50_ms": _pct(lat, 0.50) * 1000, "p95_ms": _pct(lat, 0.95) * 1000,
            "p99_ms": _pct(lat, 0.99) * 1000, "latencies": lat,
        }
    all_lat = sorted(x for f in figures.values() for x in f["latencies"])
    figures["total"] = {
        "requests": len(all_lat), "errors": sum(f["errors"] for f in figures.values()),
        "429": sum(f["429"] for f in figures.values()), "error_statuses": {},
        "rps": len(all_lat) / elapsed if elapsed > 0 else float("nan"),
        "p50_ms": _pct(all_lat, 0.50) * 1000, "p95_ms": _pct(all_lat, 0.95) * 1000,
        "p99_ms": _pct(all_lat, 0.99) * 1000, "latencies": all_lat,
    }
    return {"figures": figures, "elapsed": elapsed,
            "requested": [q for r in results for q in r["requested"]]}


# ----------------------------------------------------------------------------- the stack as a whole

KEYS_SCRIPT = """
import json
from django.conf import settings
from core.models import Organization
from core.services import api_key_create, organization_get_or_create
org = organization_get_or_create(name="Load Partner", kind=Organization.Kind.PARTNER)
keys = [api_key_create(organization=org, name=f"load client {i}").raw_key for i in range(%d)]
print(json.dumps({"keys": keys, "rates": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                  "cache": settings.CACHES["default"]["BACKEND"]}))
"""


class Stack:
    """Database, redis-server, Celery worker(s) and gunicorn instance(s) on loopback.

    `with Stack(...) as stack:` creates and migrates the database, loads the demo catalog,
    issues `clients` API keys, starts Redis and the workers; `add_web()` starts one gunicorn
    instance (a "host") more. Everything is stopped and dropped on the way out."""

    def __init__(self, *, settings: str, database_name: str, clients: int, no_pdf: bool,
                 celery_workers: int = 1, web_workers: int = 2, keep_logs: bool = False,
                 extra_env: dict | None = None, worker_prefix: tuple[str, ...] = (),
                 key_sets: int = 1) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="corekit-bench-load-"))
        self.database = Database(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL, database_name)
        self.redis_port = _free_port()
        self.clients, self.celery_workers, self.web_workers = clients, celery_workers, web_workers
        # Disjoint sets of `clients` API keys, one per phase of a run: the rate limits count a
        # key's requests over a minute, so a phase must not inherit the previous one's.
        self.key_sets = key_sets
        self.keep_logs = keep_logs
        # e.g. ("chrt", "--idle", "0"): the Celery workers at a lower CPU priority (they stand
        # for worker hosts).
        self.worker_prefix = list(worker_prefix)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in {"CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "COREKIT_TEST_REDIS_URL",
                                 "COREKIT_CACHE_URL", "COREKIT_API_RATE", "COREKIT_QUOTE_RATE"}}
        self.env.update({
            "DJANGO_SETTINGS_MODULE": "config.settings.bench",
            "COREKIT_BENCH_SETTINGS": settings.removeprefix("config.settings."),
            "DATABASE_URL": self.database.url, "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "COREKIT_QUOTE_RENDER_PDF": "0" if no_pdf else "1",
            "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-load-only-secret-key-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_LOG_LEVEL": "WARNING", "COREKIT_MEDIA_ROOT": str(self.workdir / "media"),
            **(extra_env or {}),
        })
        self.python = str(VENV_BIN / "python")
        self.services: list[Service] = []
        self.workers: list[Service] = []
        self.webs: list[tuple[int, Service]] = []
        self.keys: list[str] = []
        self.all_keys: list[str] = []
        self.rates: dict = {}
        self.cache_backend = ""
        self.failed = False

    def key_set(self, n: int) -> list[str]:
        """The n-th set of `clients` keys (n < key_sets), one per simulated client."""
        if not 0 <= n < self.key_sets:
            raise IndexError(f"key set {n} of {self.key_sets}")
        return self.all_keys[n * self.clients:(n + 1) * self.clients]

    # -- lifecycle
    def __enter__(self) -> Stack:
        try:
            self._setup()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.failed = True
            for s in self.services:
                print(f"--- {s.name} log (tail) ---\n{tail(s.log)}", file=sys.stderr)
        for s in reversed(self.services):  # gunicorn, then the workers, then redis
            try:
                s.stop()
            except Exception as e:  # keep cleaning up
                print(f"stopping {s.name}: {e}", file=sys.stderr)
        self.services.clear()
        try:
            self.database.drop()
        except Exception as e:
            print(f"dropping database {self.database.name}: {e}", file=sys.stderr)
        if self.keep_logs or self.failed:
            print(f"logs kept in {self.workdir}", file=sys.stderr)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _setup(self) -> None:
        env, python = self.env, self.python
        # Redis first: the import's outbox dispatches its catalog tasks to it.
        redis = Service("redis-server", [
            shutil.which("redis-server") or "redis-server", "--port", str(self.redis_port),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.workdir),
        ], env, self.workdir / "redis.log")
        self.services.append(redis)
        wait_for(lambda: redis.check() or port_open(self.redis_port), timeout=10, what="redis-server")
        self.database.create()
        subprocess.run([python, "manage.py", "migrate", "-v0", "--noinput"], cwd=ROOT, env=env,
                       check=True)
        subprocess.run([python, "manage.py", "import_catalog", "parts/data/demo_catalog.json"],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        issued = json.loads(subprocess.run(
            [python, "manage.py", "shell", "-c", KEYS_SCRIPT % (self.clients * self.key_sets)],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1])
        self.all_keys, self.rates, self.cache_backend = issued["keys"], issued["rates"], issued["cache"]
        assert len(set(self.all_keys)) == self.clients * self.key_sets
        self.keys = self.key_set(0)
        for n in range(self.celery_workers):
            log = self.workdir / f"celery-{n}.log"
            worker = Service(f"celery worker {n}", [
                *self.worker_prefix, str(VENV_BIN / "celery"), "-A", "config", "worker", "--concurrency", "2",
                "--loglevel", "INFO", "-n", f"load-{os.getpid()}-{n}@%h",
                "--without-gossip", "--without-mingle",
            ], env, log)
            self.services.append(worker)
            self.workers.append(worker)
        for n, worker in enumerate(self.workers):
            log = self.workdir / f"celery-{n}.log"
            wait_for(lambda w=worker, lg=log: w.check() or "ready." in lg.read_text(errors="replace"),
                     timeout=90, what="the celery worker")

    def add_web(self) -> int:
        """Start one more gunicorn instance (a "host"); its port once it listens."""
        port = _free_port()
        while port == self.redis_port or port in {p for p, _ in self.webs}:
            port = _free_port()
        n = len(self.webs)
        web = Service(f"gunicorn {n}", [
            str(VENV_BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(self.web_workers), "--log-level", "warning",
            "--no-control-socket",  # two instances on one machine must not share one socket
        ], self.env, self.workdir / f"gunicorn-{n}.log")
        self.services.append(web)
        self.webs.append((port, web))
        wait_for(lambda: web.check() or port_open(port), timeout=30, what="gunicorn")
        return port

    def stop_web(self, port: int) -> None:
        """Stop one gunicorn instance (a host leaving the pool)."""
        web = next(w for p, w in self.webs if p == port)
        web.stop()
        self.webs = [(p, w) for p, w in self.webs if p != port]
        self.services.remove(web)

    def check(self) -> None:
        for s in self.services:
            s.check()

    @property
    def ports(self) -> list[int]:
        return [p for p, _ in self.webs]

    def headers(self, i: int = 0) -> dict:
        return client_headers(self.keys[i])

    # -- the data every run needs
    def prepare(self) -> tuple[int, int, list]:
        """The CK48-8 configuration (checked valid), one warm-up quote (ready), and the plan."""
        port, headers = self.ports[0], self.headers(0)
        family = family_body()
        status, data = _request(port, "POST", "/api/v1/configurations/", headers,
                                json.dumps({**family, "name": "load CK48-8"}).encode())
        if status != 201:
            raise RuntimeError(f"POST /api/v1/configurations/ -> {status}: {data[:500]!r}")
        configuration = json.loads(data)
        if not configuration["validation"]["valid"]:
            raise RuntimeError(f"the CK48-8 configuration is invalid: {configuration['validation']}")
        config_id = configuration["id"]
        status, data = _request(port, "POST", "/api/v1/quotes/",
                                {**headers, "Idempotency-Key": "load-seed"},
                                json.dumps({"configuration": config_id, "currency": "KRW"}).encode())
        if status != 202:
            raise RuntimeError(f"POST /api/v1/quotes/ -> {status}: {data[:500]!r}")
        seed_quote = json.loads(data)["id"]

        def seed_done():
            s, d = _request(port, "GET", f"/api/v1/quotes/{seed_quote}/", headers)
            return s == 200 and json.loads(d)["status"] in TERMINAL and json.loads(d)

        seed = wait_for(seed_done, timeout=120, what="the warm-up quote", interval=0.2)
        if seed["status"] != "ready":
            raise RuntimeError(f"the warm-up quote {seed['status']}: {seed.get('failure_reason')}")
        validate_body = json.dumps(family).encode()
        plan = [
            ("GET parts list", "GET", "/api/v1/parts/?page_size=50", None, 40),
            ("POST validate", "POST", "/api/v1/configurations/validate/", validate_body, 25),
            ("GET options slot=magnet", "GET",
             f"/api/v1/configurations/{config_id}/options/?slot=magnet", None, 20),
            ("POST quote request", "POST", "{quote-request}", None, 5),
            ("GET quote poll", "GET", "{quote-poll}", None, 10),
        ]
        assert [p[0] for p in plan] == [m[0] for m in MIX] and [p[4] for p in plan] == [m[1] for m in MIX]
        return config_id, seed_quote, plan

    def check_answers(self, port: int, plan: list) -> None:
        """Each read endpoint answers 200 with the expected content before anything is timed."""
        headers = self.headers(0)
        for name, method, path, body, _ in plan:
            if path.startswith("{"):
                continue
            s, d = _request(port, method, path, headers if body else
                            {k: v for k, v in headers.items() if k != "Content-Type"}, body)
            if s != 200:
                raise RuntimeError(f"{method} {path} -> {s}: {d[:500]!r}")
            payload = json.loads(d)
            if name == "POST validate" and not payload.get("valid"):
                raise RuntimeError(f"validate answered invalid: {payload}")
            if name == "GET parts list" and len(payload.get("results", ())) != 50:
                raise RuntimeError(f"parts list page has {len(payload.get('results', ()))} parts, not 50")
            if name.startswith("GET options") and not any(o.get("feasible_count") for o in payload):
                raise RuntimeError(f"options answered no option: {d[:300]!r}")

    def quote_counts(self, exclude: int) -> dict:
        rows = self.database.query("SELECT status, count(*) FROM orders_quote WHERE id <> %s "
                                   "GROUP BY status", (exclude,))
        return dict(rows)

    def drain(self, exclude: int, deadline_s: float) -> tuple[dict, float]:
        """Follow the quotes until none is queued/pricing (or the deadline)."""
        start = time.monotonic()
        while True:
            by_status = self.quote_counts(exclude)
            pending = by_status.get("queued", 0) + by_status.get("pricing", 0)
            if pending == 0 or time.monotonic() > start + deadline_s:
                return by_status, time.monotonic() - start
            for w in self.workers:
                w.check()
            time.sleep(1.0)


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (a gunicorn arbiter and its workers)."""
    total = 0
    for p in _tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def _tree(pid: int) -> list[int]:
    """A process and its descendants."""
    found, pids = [], [pid]
    while pids:
        p = pids.pop()
        found.append(p)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{p}/task").iterdir():
                with contextlib.suppress(OSError):
                    pids += [int(c) for c in (task / "children").read_text().split()]
    return found


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one live process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_role(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far by the stack's web processes, Celery workers, Redis and the
    PostgreSQL backends serving its database (their command line names it). Read before and
    after a phase: the difference per request is what each role spends on one, whatever the
    machine's speed did to the throughput. Only processes alive at both readings count: the
    stack's processes and their database connections live through a run (a process that
    came or went in between would be miscounted)."""
    roles = {"web": [pid for _, web in stack.webs for pid in _tree(web.process.pid)],
             "workers": [pid for w in stack.workers for pid in _tree(w.process.pid)],
             "redis": [s.process.pid for s in stack.services if s.name == "redis-server"],
             "postgresql": []}
    marker = f" {stack.database.name} "
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                if cmdline.startswith("postgres:") and marker in cmdline:
                    roles["postgresql"].append(int(entry.name))
    return {role: sum(_cpu_s(p) for p in pids) for role, pids in roles.items()}


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: int) -> dict[str, float]:
    """Milliseconds of CPU per request by role, between two `cpu_by_role` readings."""
    return {role: (after[role] - before[role]) * 1000 / requests if requests else float("nan")
            for role in before}


def _print_cpu(label: str, per: dict[str, float]) -> None:
    print(f"  CPU per request, {label}: " + ", ".join(f"{role} {ms:.2f} ms" for role, ms in per.items())
          + f" (total {sum(per.values()):.2f} ms)")


# ----------------------------------------------------------------------------- main


def _print_table(title: str, figures: dict) -> None:
    print(title)
    print(f"  {'endpoint':32s} {'requests':>8s} {'errors':>6s} {'429':>5s} {'req/s':>7s} "
          f"{'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s}")
    for name, f in figures.items():
        print(f"  {name:32s} {f['requests']:8d} {f['errors']:6d} {f['429']:5d} {f['rps']:7.1f} "
              f"{f['p50_ms']:8.1f} {f['p95_ms']:8.1f} {f['p99_ms']:8.1f}")
    for name, f in figures.items():
        if f["error_statuses"]:
            print(f"  ! {name}: {dict(sorted(f['error_statuses'].items(), key=str))}")


def add_stack_arguments(parser: argparse.ArgumentParser, *, database_prefix: str) -> None:
    """What every benchmark on a `Stack` takes: its settings, scratch database and logs."""
    parser.add_argument("--settings", default="config.settings.production",
                        help="DJANGO_SETTINGS_MODULE for every process (default "
                             "config.settings.production: its rate limits, counted in Redis)")
    parser.add_argument("--database-name", default=f"{database_prefix}_{os.getpid()}",
                        help="scratch database, created and dropped by this script")
    parser.add_argument("--keep-logs", action="store_true", help="keep the logs directory")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32,
                        help="concurrent clients, each with its own API key (default 32)")
    parser.add_argument("--seconds", type=float, default=60.0, help="mixed run length (default 60)")
    parser.add_argument("--baseline-seconds", type=float, default=10.0,
                        help="bare DRF view alone, same clients (default 10)")
    parser.add_argument("--client-processes", type=int, default=4,
                        help="client processes the clients are spread over (default 4)")
    parser.add_argument("--no-pdf", action="store_true",
                        help="COREKIT_QUOTE_RENDER_PDF=0 (pricing without the PDF step)")
    parser.add_argument("--drain-seconds", type=float, default=600.0,
                        help="after the run, wait at most this long for queued/pricing quotes")
    add_stack_arguments(parser, database_prefix="corekit_load")
    parser.add_argument("--web-workers", type=int, default=2,
                        help="gunicorn sync workers (default 2; docs/deployment.md runs 2 x cores)")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients and --seconds must be positive")

    # SIGTERM runs the finally blocks like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    with Stack(settings=args.settings, database_name=args.database_name, clients=args.clients,
               no_pdf=args.no_pdf, keep_logs=args.keep_logs, web_workers=args.web_workers,
               key_sets=4) as stack:
        web_port = stack.add_web()
        config_id, seed_quote, plan = stack.prepare()
        bare_plan = [(BASELINE, "POST", "/bench/bare-validate/", plan[1][3], 1)]
        stack.check_answers(web_port, plan[:3] + bare_plan)
        # -- warm the gunicorn workers (no quotes), then baseline, then the mixed run; each
        # phase with keys of its own (a key's requests count against its rate for a minute)
        drive(web_port, plan[:3] + bare_plan, stack.key_set(0), args.clients, args.client_processes,
              2.0)
        load_before = os.getloadavg()[0]
        cpu = [cpu_by_role(stack)]
        baseline = drive(web_port, bare_plan, stack.key_set(1), args.clients, args.client_processes,
                         args.baseline_seconds)
        cpu.append(cpu_by_role(stack))
        stack.check()
        run_started_wall = time.time()
        mixed = drive(web_port, plan, stack.key_set(2), args.clients, args.client_processes, args.seconds,
                      seed_quote=seed_quote, config_id=config_id)
        load_after = os.getloadavg()[0]
        stack.check()
        # The quotes still being priced belong to the mixed run's cost: followed to the end
        # before the CPU is read (the bare view after it requests none).
        by_status, drain_s = stack.drain(seed_quote, args.drain_seconds)
        cpu.append(cpu_by_role(stack))
        # The bare view again: a machine whose speed drifted during the run (a shared VM)
        # shows as two different baselines, and the ratio is taken against their mean.
        baseline_after = drive(web_port, bare_plan, stack.key_set(3), args.clients, args.client_processes,
                               args.baseline_seconds)
        stack.check()

        database = stack.database
        timing = database.query(
            "SELECT EXTRACT(EPOCH FROM ready_at - created_at) FROM orders_quote "
            "WHERE id <> %s AND ready_at IS NOT NULL ORDER BY 1", (seed_quote,))
        to_ready = [float(t) for (t,) in timing]
        last_ready = database.query(
            "SELECT EXTRACT(EPOCH FROM max(ready_at)) FROM orders_quote WHERE id <> %s",
            (seed_quote,))[0][0]
        reasons = database.query(
            "SELECT failure_reason, count(*) FROM orders_quote WHERE id <> %s AND status = "
            "'failed' GROUP BY 1 ORDER BY 2 DESC LIMIT 5", (seed_quote,))
        if any(f["figures"][n]["errors"] for f in (baseline, mixed, baseline_after) for n in f["figures"]):
            print("gunicorn log (tail):\n" + tail(stack.webs[0][1].log), file=sys.stderr)
        results = {"baseline": baseline, "mixed": mixed, "baseline_after": baseline_after,
                   "cpu_baseline": cpu_per_request(cpu[0], cpu[1],
                                                   baseline["figures"][BASELINE]["requests"]),
                   "cpu_mixed": cpu_per_request(cpu[1], cpu[2], mixed["figures"]["total"]["requests"]),
                   "quotes": by_status,
                   "quotes_requested_2xx": len(mixed["requested"]), "drain_s": drain_s,
                   "to_ready": to_ready, "loadavg": (load_before, load_after), "failure_reasons": reasons,
                   "last_ready_after_start_s": (float(last_ready) - run_started_wall)
                   if last_ready is not None else None,
                   "rates": stack.rates, "cache": stack.cache_backend}

    # -- report
    f_base, f_mixed = results["baseline"]["figures"], results["mixed"]["figures"]
    f_after = results["baseline_after"]["figures"]
    per = [n for n in f_mixed if n != "total"]
    print(f"Loopback load test: gunicorn {args.web_workers} sync workers + 1 celery worker (concurrency 2), "
          f"PostgreSQL, redis; {args.clients} clients over {min(args.client_processes, args.clients)} "
          f"processes, a new connection per request; quote PDF {'off' if args.no_pdf else 'on'}")
    print(f"machine: {os.cpu_count()} CPUs, 1-min load average {results['loadavg'][0]:.2f} before "
          f"the baseline, {results['loadavg'][1]:.2f} after the mixed run (clients included)")
    print(f"settings {args.settings}; rate limits per API key {results['rates']} "
          f"(counted in {results['cache'].rsplit('.', 1)[-1]}); {args.clients} API keys, one per client, "
          "new keys for each phase")
    _print_table(f"baseline: bare DRF view alone, {results['baseline']['elapsed']:.1f} s",
                 {BASELINE: f_base[BASELINE]})
    _print_table(f"mixed traffic, {results['mixed']['elapsed']:.1f} s "
                 f"({', '.join(f'{w} % {n}' for n, w in MIX)})",
                 {**{n: f_mixed[n] for n in per}, "total": f_mixed["total"]})
    _print_table(f"baseline again, after the mixed run, {results['baseline_after']['elapsed']:.1f} s",
                 {BASELINE: f_after[BASELINE]})
    before_rps, after_rps = f_base[BASELINE]["rps"], f_after[BASELINE]["rps"]
    base_rps = (before_rps + after_rps) / 2
    ratio = f_mixed["total"]["rps"] / base_rps if base_rps else float("nan")
    results["ratio"] = ratio
    drift = abs(before_rps - after_rps) / base_rps if base_rps else float("nan")
    print(f"  total req/s / bare-view req/s = {f_mixed['total']['rps']:.1f} / {base_rps:.1f} "
          f"(mean of {before_rps:.1f} before and {after_rps:.1f} after: the machine's speed moved "
          f"{drift:.0%} during the run) = {ratio:.2f}x")
    _print_cpu("bare view", results["cpu_baseline"])
    _print_cpu("mixed traffic (its quotes' pricing included)", results["cpu_mixed"])
    q = results["quotes"]
    pending = q.get("queued", 0) + q.get("pricing", 0)
    others = {k: v for k, v in q.items() if k not in {"ready", "failed", "queued", "pricing"}}
    print(f"quotes requested during the run (2xx): {results['quotes_requested_2xx']}; in the database: "
          f"ready {q.get('ready', 0)}, failed {q.get('failed', 0)}, stuck (queued/pricing) {pending}"
          + (f", other {others}" if others else "")
          + f"; followed {results['drain_s']:.1f} s after the run (deadline {args.drain_seconds:.0f} s)")
    t = results["to_ready"]
    if t:
        print(f"  request -> ready (includes the queue): p50 {_pct(t, 0.5):.2f} s, "
              f"p95 {_pct(t, 0.95):.2f} s, max {t[-1]:.2f} s; last quote ready "
              f"{results['last_ready_after_start_s']:.1f} s after the run started")
    for reason, n in results["failure_reasons"]:
        print(f"  failed x{n}: {reason[:200]}")
    total = f_mixed["total"]
    base_errors = f_base[BASELINE]["errors"] + f_after[BASELINE]["errors"]
    passed = total["errors"] == 0 and base_errors == 0 and pending == 0 and not q.get("failed")
    results["passed"] = passed
    print(f"verdict: {'PASS' if passed else 'FAIL'} (0 errors required: mixed {total['errors']}, "
          f"of which 429: {total['429']}; baseline {base_errors}; failed quotes "
          f"{q.get('failed', 0)}; stuck quotes {pending}); ratio {ratio:.2f}x the bare view "
          f"(target >= 0.35x)")
    for r in (results["baseline"], results["mixed"], results["baseline_after"]):
        for f in r["figures"].values():
            f.pop("latencies", None)
    return results


if __name__ == "__main__":
    sys.exit(0 if main().get("passed") else 1)
