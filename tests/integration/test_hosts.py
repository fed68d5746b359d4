"""Two "hosts": two gunicorn instances and two Celery workers on one PostgreSQL and one Redis.

Every process is separate, runs `config.settings.production` (the rate limits and the cache
in the shared Redis, as on real hosts) and shares nothing with the others but the database
and Redis. A sales rep changes the catalog through instance A (the admin's import); instance
B must judge with the change within 5 s, without a request to B taking much longer than its
usual p95 meanwhile; and quotes requested alternately through A and B with idempotency keys
are each generated exactly once.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from bench.support import family_body, pct, stop_process_group
from demo.catalog import FAMILIES, build_demo_catalog
from orders.models import Quote, QuoteEvent
from parts.models import CatalogImportJob
from tests.factories import load_demo_catalog
from tests.workers import ROOT, _free_port, _port_open, database_url, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.worker]

PASSWORD = "pw-for-tests-2026"
CSRF = "b" * 32  # any 32-character secret: the cookie and the form carry the same one
MAGNET = FAMILIES["CK48-8"]["skus"]["magnet"]
PROPAGATION_DEADLINE_S = 5.0


def production_env(redis_url: str, media_root) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "COREKIT_CACHE_URL",
                        "PYTEST_XDIST_WORKER")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "two-hosts-" + "x" * 60, "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url(), "REDIS_URL": redis_url,
        "COREKIT_QUOTE_RENDER_PDF": "0", "DJANGO_LOG_LEVEL": "WARNING",
        "COREKIT_MEDIA_ROOT": str(media_root),
        # The test's bursts come from one key; the limits themselves are tested elsewhere.
        "COREKIT_API_RATE": "100000/min", "COREKIT_QUOTE_RATE": "100000/min",
    })
    return env


class Host:
    """One gunicorn instance (2 sync workers) in its own process group, and a tiny client."""

    def __init__(self, name: str, env: dict, log) -> None:
        self.name, self.log = name, log
        self.port = _free_port()
        self.cookies: dict[str, str] = {"csrftoken": CSRF}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "2", "--no-control-socket"],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_ready(self) -> None:
        wait_for(lambda: self.process.poll() is not None or _port_open(self.port), timeout=60,
                 what=f"gunicorn {self.name} to listen")
        assert self.process.poll() is None, self.log.read_text()[-3000:]

    def stop(self) -> None:
        stop_process_group(self.process)

    def request(self, method: str, path: str, *, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        base = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https",
                "Referer": f"https://127.0.0.1:{self.port}/",
                "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        try:
            conn.request(method, path, body=body, headers={**base, **(headers or {})})
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, dict(response.headers), data

    def api(self, method: str, path: str, key: str, payload=None, **headers) -> tuple[int, dict]:
        h = {"Authorization": f"Api-Key {key}", **headers}
        body = None
        if payload is not None:
            body, h["Content-Type"] = json.dumps(payload).encode(), "application/json"
        status, _, data = self.request(method, path, body=body, headers=h)
        try:
            return status, json.loads(data)
        except ValueError:
            raise AssertionError(f"{self.name}: {method} {path} -> {status}: {data[:500]!r}\n"
                                 f"{self.log.read_text()[-3000:]}") from None

    def sign_in_admin(self, username: str) -> None:
        form = (f"username={username}&password={PASSWORD}&csrfmiddlewaretoken={CSRF}"
                f"&next=/admin/").encode()
        status, _, data = self.request("POST", "/admin/login/", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302 and "sessionid" in self.cookies, (status, data[:1000])

    def admin_import(self, document: dict) -> int:
        """Upload a catalog file through the admin's import page (not a dry run); the job's id.

        The instance hands it to a worker (COREKIT_IMPORT_BACKGROUND_BYTES is 1 on host A)
        and redirects to the job's progress page."""
        boundary = uuid.uuid4().hex
        body = b"".join([
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n"
            f"{self.cookies['csrftoken']}\r\n".encode(),
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"change.json\"\r\nContent-Type: application/json\r\n\r\n".encode(),
            json.dumps(document).encode(), f"\r\n--{boundary}--\r\n".encode(),
        ])
        status, headers, data = self.request("POST", "/admin/parts/part/import/", body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert status == 302, (status, data[:2000], self.log.read_text()[-3000:])
        location = headers["Location"].rstrip("/")
        assert "/parts/part/import/" in location, location
        return int(location.rsplit("/", 1)[1])


@pytest.fixture
def hosts(transactional_db, redis, start_worker, tmp_path, settings, partner_key):
    load_demo_catalog()
    env = production_env(redis.url, settings.MEDIA_ROOT)
    # Two Celery workers, as two worker hosts would run them (their own processes). Here they
    # share two cores with both web instances: at a low CPU priority, so that the work a
    # catalog change hands them (publishing the view, policy verdicts, re-validation) takes
    # less of host B's CPU than it could from another machine.
    start_worker("host-a", nice=15, **env)
    start_worker("host-b", nice=15, **env)
    # Host A hands every admin import to a worker: its page only redirects to the job's
    # progress (production serves the admin's static files from collectstatic's manifest,
    # which a test run does not build).
    started: list[Host] = []
    try:
        started.append(Host("A", {**env, "COREKIT_IMPORT_BACKGROUND_BYTES": "1"},
                            tmp_path / "gunicorn-a.log"))
        started.append(Host("B", env, tmp_path / "gunicorn-b.log"))
        for host in started:
            host.wait_ready()
        yield started[0], started[1], partner_key.raw_key
    finally:
        for host in started:
            host.stop()


def _violation_codes(answer: dict) -> set[str]:
    return {v["code"] for v in answer["violations"]}


def _the_magnet_deactivated() -> dict:
    """The demo catalog's magnet of the CK48-8 kit, inactive (an upsert of one part)."""
    document = build_demo_catalog()
    part = next(p for p in document["parts"] if p["sku"] == MAGNET)
    return {**document, "parts": [{**part, "active": False}]}


@dataclass
class Propagation:
    p95: float                       # B's warm p95 before the change (s)
    bound: float                     # what a request to B may take meanwhile (s)
    settled_after: float             # from the commit until B judged with it for good (s)
    window: list[tuple[float, bool]]  # every request to B meanwhile: (seconds, saw the change)
    catalog_ms: list[float]           # ... and the time each spent obtaining its catalog view (ms)
    changed_at: float = 0.0           # time.monotonic() when the change committed


@pytest.fixture
def propagation(hosts, make_user) -> Propagation:
    """A sales rep deactivates the CK48-8 magnet through host A's admin import; host B is
    asked to validate the CK48-8 kit back to back until 10 answers in a row judge with the
    change (both of its workers have it), each request timed."""
    a, b, key = hosts
    admin = make_user("hosts.admin")
    admin.is_staff = admin.is_superuser = True
    admin.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    admin.save()
    body = family_body()

    catalog_ms: list[float] = []  # B's own Server-Timing: time spent obtaining its catalog view

    def validate_on_b() -> tuple[float, dict]:
        started = time.perf_counter()
        status, headers, data = b.request(
            "POST", "/api/v1/configurations/validate/", body=json.dumps(body).encode(),
            headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"})
        elapsed = time.perf_counter() - started
        assert status == 200, data[:2000]
        timing = re.fullmatch(r"catalog;dur=([\d.]+)", headers.get("Server-Timing", ""))
        assert timing, headers
        catalog_ms.append(float(timing[1]))
        return elapsed, json.loads(data)

    # B's usual latency: a warm-up series once both of its workers have answered.
    for _ in range(6):
        assert validate_on_b()[1]["valid"] is True
    warm = [validate_on_b()[0] for _ in range(40)]
    p95 = pct(warm, 0.95)

    a.sign_in_admin("hosts.admin")
    job_id = a.admin_import(_the_magnet_deactivated())
    job = wait_for(lambda: CatalogImportJob.objects.filter(pk=job_id).exclude(
        status__in=["queued", "running"]).first(), timeout=60, interval=0.02, what="the import job")
    changed_at = time.monotonic()  # the change is committed
    assert job.status == "done" and not job.dry_run, job.report

    window: list[tuple[float, bool]] = []
    catalog_ms.clear()  # from here on: the requests of the propagation window
    streak_from, in_a_row = None, 0
    while in_a_row < 10:
        assert time.monotonic() - changed_at < PROPAGATION_DEADLINE_S + 30, "B never settled"
        elapsed, answer = validate_on_b()
        changed = "PART_INACTIVE" in _violation_codes(answer)
        window.append((elapsed, changed))
        if changed:
            if in_a_row == 0:
                streak_from = time.monotonic() - elapsed
            in_a_row += 1
        else:  # still judged by the previous catalog: the kit was valid then
            assert answer["valid"] is True, answer
            in_a_row = 0
    return Propagation(p95=p95, bound=max(3 * p95, p95 + 0.25),
                       settled_after=max(0.0, streak_from - changed_at), window=window,
                       catalog_ms=catalog_ms, changed_at=changed_at)


def test_a_catalog_change_through_one_host_is_used_by_the_other_within_5_s(hosts, propagation):
    _, b, key = hosts
    assert propagation.settled_after <= PROPAGATION_DEADLINE_S, (
        f"B judged with the change for good {propagation.settled_after:.2f} s after A made it")
    # B's options agree: the deactivated magnet is no longer offered.
    body = family_body()
    status, created = b.api("POST", "/api/v1/configurations/", key, {
        **body, "name": "after the change",
        "lines": [line for line in body["lines"] if line["slot"] != "magnet"]})
    assert status == 201, created

    def offered_without_it() -> set[str] | None:
        status, options = b.api("GET", f"/api/v1/configurations/{created['id']}/options/"
                                       f"?slot=magnet&limit=200", key)
        assert status == 200, options
        offered = {item["sku"] for item in options[0]["items"] if item["feasible"]}
        return offered if MAGNET not in offered else None

    # Ten validations in a row can all land on one of B's two workers: the options are
    # asked until the deadline counted from the change, which both workers must meet.
    left = propagation.changed_at + PROPAGATION_DEADLINE_S - time.monotonic()
    assert wait_for(offered_without_it, timeout=max(left, 0.1), interval=0.05,
                    what="B's options without the deactivated magnet")


def test_no_request_to_the_other_host_pays_for_the_change(propagation):
    """A process that rebuilt the view in a request (as before the published artifact) would
    make the first request of each of B's two workers slow: 0.8-1.4 s at demo size. One
    request over the bound is tolerated, under 0.75 s: on this shared 2-core machine B's
    first request after the change sometimes waited 0.3-0.6 s before any catalog code ran
    (in authentication, timed per phase in B while investigating), which is the machine's
    contention with the change's background work, not the request paying for the view: B's
    own Server-Timing says how long each request spent obtaining its catalog view, and that
    is held strictly."""
    # What B itself says each request spent on its catalog view (Server-Timing): the stamp
    # query, never a load or a build (those take hundreds of milliseconds at demo size).
    assert max(propagation.catalog_ms) < 50, propagation.catalog_ms
    slow = [round(t * 1000) for t, _ in propagation.window if t > propagation.bound]
    assert len(slow) <= 1 and all(ms < 750 for ms in slow), (
        f"requests to B while the change propagated took {slow} ms; its warm p95 is "
        f"{propagation.p95 * 1000:.0f} ms (bound max(3 x p95, p95 + 250 ms) = "
        f"{propagation.bound * 1000:.0f} ms)")


def test_quotes_requested_alternately_through_both_hosts_are_each_generated_exactly_once(hosts):
    a, b, key = hosts
    status, configuration = a.api("POST", "/api/v1/configurations/", key,
                                  {**family_body(), "name": "two hosts"})
    assert status == 201 and configuration["validation"]["valid"], configuration
    request = {"configuration": configuration["id"], "currency": "USD"}
    ids: dict[str, set[int]] = {}
    for i in range(12):
        idempotency_key = f"hosts-{i}"
        # The same request retried through the other host (a client behind a load balancer),
        # then once more through the first.
        for host in (a, b, a) if i % 2 == 0 else (b, a, b):
            status, quote = host.api("POST", "/api/v1/quotes/", key, request,
                                     **{"Idempotency-Key": idempotency_key})
            assert status in (200, 202), (host.name, quote)
            ids.setdefault(idempotency_key, set()).add(quote["id"])
    assert all(len(v) == 1 for v in ids.values()), ids
    quote_ids = [next(iter(v)) for v in ids.values()]
    assert len(set(quote_ids)) == 12

    def settled() -> bool:
        return not Quote.objects.filter(pk__in=quote_ids, status__in=["queued", "pricing"]).exists()

    wait_for(settled, timeout=120, what="the quotes to be generated")
    assert Quote.objects.count() == 12  # nothing else asked for one
    assert set(Quote.objects.filter(pk__in=quote_ids).values_list("status", flat=True)) == {"ready"}
    ready = list(QuoteEvent.objects.filter(quote_id__in=quote_ids, kind="ready")
                 .values_list("quote_id", flat=True))
    assert sorted(ready) == sorted(quote_ids), "each quote was made ready exactly once"
    assert Quote.objects.filter(pk__in=quote_ids, attempts=1).count() == 12
    # Both hosts answer the same quote the same way.
    for quote_id in quote_ids[:3]:
        assert a.api("GET", f"/api/v1/quotes/{quote_id}/", key)[1]["status"] == "ready"
        assert b.api("GET", f"/api/v1/quotes/{quote_id}/", key)[1]["status"] == "ready"
