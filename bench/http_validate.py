"""HTTP benchmark: POST /api/v1/configurations/validate/ against a bare DRF view, same run.

Starts gunicorn (2 sync workers, like the platform baseline) on a throwaway SQLite
database loaded with the demo catalog, then drives both endpoints with the same
client (2 processes x 4 threads, a new connection per request since sync workers do
not keep connections alive) for the same time. Prints requests/s and the ratio.

    .venv/bin/python -m bench.http_validate [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import http_clients
from bench.support import DEMO_CATALOG, ROOT, family_body, free_port


def drive(port: int, path: str, headers: dict, body: bytes, seconds: float) -> dict:
    return http_clients.drive(port, [("POST", path, body)], headers, seconds)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="corekit-bench-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "config.settings.bench", "COREKIT_BENCH_SETTINGS": "local",
           "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production",
           "DJANGO_LOG_LEVEL": "WARNING",
           # One API key for every client thread: the per-key limits are raised out of the
           # way (the throttle code still runs), or most calls would be 429s.
           "COREKIT_API_RATE": "1000000/s", "COREKIT_QUOTE_RATE": "1000000/s"}
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([python, "manage.py", "import_catalog", DEMO_CATALOG],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    key = subprocess.run(
        [python, "manage.py", "create_api_key", "--org", "Bench Partner", "--create-org"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
        body = json.dumps(family_body()).encode()
        # Check the answers before timing them: the real view must judge the kit valid, the
        # baseline must answer its canned body.
        for path in ("/api/v1/configurations/validate/", "/bench/bare-validate/"):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            answer = json.loads(response.read() or b"null")
            conn.close()
            if response.status != 200 or not (answer or {}).get("valid"):
                raise SystemExit(f"{path} answered {response.status} {answer!r}: nothing to time")
        # Warm both workers (catalog view, connections) before measuring.
        drive(port, "/api/v1/configurations/validate/", headers, body, 1.0)
        drive(port, "/bench/bare-validate/", headers, body, 1.0)
        bare = drive(port, "/bench/bare-validate/", headers, body, args.seconds)
        real = drive(port, "/api/v1/configurations/validate/", headers, body, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=10)

    ratio = real["rps"] / bare["rps"] if bare["rps"] else float("nan")
    print(f"HTTP, gunicorn 2 sync workers, SQLite, {args.seconds:.0f} s each, 2x4 client threads")
    for name, r in (("bare DRF view (baseline)", bare), ("POST configurations/validate", real)):
        print(f"  {name:30s} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.1f} ms  "
              f"p95 {r['p95_ms']:6.1f} ms  errors {r['errors']}")
    print(f"  validate / bare = {ratio:.2f}x (target >= 0.50x)")
    http_clients.refuse_errors(bare, real)
    return {"bare": bare, "validate": real, "ratio": ratio}


if __name__ == "__main__":
    main()
