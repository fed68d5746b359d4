"""Closed-loop HTTP clients for the benchmarks: processes x threads, a new connection per
request (sync gunicorn workers do not keep connections alive).

Only a 200 answer is a sample. Any other status or a failed connection is counted as an
error and left out of the rate and the percentiles; a benchmark refuses a run with errors
(`refuse_errors`), since a timed call that was refused measures nothing.
"""

from __future__ import annotations

import http.client
import multiprocessing as mp
import statistics
import threading
import time

from bench.support import pct

Call = tuple[str, str, bytes | None]  # method, path, body


def request(port: int, method: str, path: str, headers: dict, body: bytes | None = None,
            timeout: float = 30) -> tuple[int, bytes]:
    status, _, data = request_with_headers(port, method, path, headers, body, timeout)
    return status, data


def request_with_headers(port: int, method: str, path: str, headers: dict, body: bytes | None = None,
                         timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """(status, response headers with lower-case names, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def _client(port: int, calls: list[Call], headers: dict, seconds: float, threads: int, out) -> None:
    counts, latencies, errors = [0] * threads, [], [0]
    stop = time.monotonic() + seconds

    def loop(i: int) -> None:
        n = i
        while time.monotonic() < stop:
            method, path, body = calls[n % len(calls)]
            n += threads
            start = time.perf_counter()
            try:
                status, _ = request(port, method, path, headers, body, timeout=10)
            except OSError:
                status = 0
            if status != 200:
                errors[0] += 1
                continue
            counts[i] += 1
            latencies.append(time.perf_counter() - start)

    pool = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    out.put((sum(counts), errors[0], latencies))


def drive(port: int, calls: list[Call], headers: dict, seconds: float, *, processes: int = 2,
          threads: int = 4) -> dict:
    """Cycle through `calls` from processes x threads for `seconds`: rate and latencies of the
    200 answers, and the number of errors."""
    queue: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_client, args=(port, calls, headers, seconds, threads, queue))
             for _ in range(processes)]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    total = sum(r[0] for r in results)
    latencies = sorted(x for r in results for x in r[2])
    return {
        "requests": total,
        "errors": sum(r[1] for r in results),
        "rps": total / seconds,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95_ms": pct(latencies, 0.95) * 1000 if latencies else float("nan"),
    }


def refuse_errors(*runs: dict) -> None:
    if any(r["errors"] for r in runs):
        raise SystemExit("refused or failed calls during the timed run: the figures are not samples")
