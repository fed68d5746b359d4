"""What the benchmarks share: ports, polling, percentiles, the demo family's request body and
saved configuration, domain parts from synthetic catalogs, and real redis-server / Celery
worker processes.

Imports nothing from `tests` (the test suite reuses some of these instead). Everything that
needs Django imports it when called, so a benchmark can set its settings up first.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/engine.py` as well as `python -m bench.engine`
    sys.path.insert(0, str(ROOT))

from configurator.domain import (  # noqa: E402  (after the path above)
    BUILTIN_POLICIES,
    BUILTIN_TEMPLATES,
    Line,
    Part,
    Requirements,
    ScheduleYear,
    Snapshot,
    Stage,
)
from demo.catalog import (  # noqa: E402
    FAMILIES,
    REFERENCE_DATE,
    build_demo_catalog,
    build_synthetic_catalog,
)
from parts.domain.specs import clean_specs  # noqa: E402

TODAY = date.fromisoformat(REFERENCE_DATE)
DEMO_CATALOG = "parts/data/demo_catalog.json"


# --- processes, ports, polling, figures ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):
    """Poll until predicate() is truthy and return its value; AssertionError after the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1), in the values' unit; nan when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def timed(fn, repeat: int) -> tuple[float, float]:
    """Call fn `repeat` times: (median, p95) in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), pct(samples, 0.95)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM a process started in its own session, with its children; SIGKILL after 20 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class RedisServer:
    """A throwaway redis-server on 127.0.0.1:port (no persistence), files in workdir."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if self.process and self.process.poll() is None:
            return
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: port_open(self.port), timeout=10, what="redis-server to listen")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        wait_for(lambda: not port_open(self.port), timeout=10, what="redis-server to stop")

    def flush(self) -> None:
        import redis

        redis.Redis.from_url(self.url).flushall()


class Worker:
    """A `celery worker` process (its own session, so it can be killed as a group)."""

    def __init__(self, name: str, env: dict, log: Path, *, beat: bool = False, nice: int = 0) -> None:
        self.name = name
        self.log = log
        # `nice`: a worker that stands for another host, on a machine shared with the web
        # processes it must not starve (on separate hosts they would not share the CPU).
        args = (["nice", "-n", str(nice)] if nice else []) + [
                sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
                "--pool", "prefork", "--concurrency", "1", "-n", f"{name}@%h",
                "--without-gossip", "--without-mingle"]
        if beat:  # embedded beat, its schedule file next to the log (never in the working tree)
            args += ["-B", "--schedule", str(log.with_suffix(".beat"))]
        self.process = subprocess.Popen(
            args,
            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._ready, timeout=60, interval=0.1, what=f"worker {name} to be ready")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"worker {self.name} exited:\n{self.log.read_text()[-3000:]}")
        return "ready." in self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group: the pool child dies mid-task, nothing is acked."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_process_group(self.process)


# --- the demo family -------------------------------------------------------------------------------


def family_body(code: str = "CK48-8") -> dict:
    """A demo family's kit as the body of POST /api/v1/configurations/(validate/)."""
    family = FAMILIES[code]
    return {
        "template": family["template"], "requirements": family["requirements"],
        "sourcing_policy": family["sourcing_policy"],
        "schedule": list(family["schedule"]),
        "lines": [{"slot": s, "sku": sku, "quantity": family["quantities"][s]}
                  for s, sku in family["skus"].items()],
    }


def load_demo_catalog() -> None:
    from django.core.management import call_command

    call_command("import_catalog", DEMO_CATALOG, verbosity=0)


def family_configuration(organization, code: str = "CK48-8", *, user=None, swap: dict | None = None,
                         schedule=None, policy: str | None = None):
    """A saved configuration of one demo family (valid unless `swap` breaks it; a slot swapped
    to None is left empty)."""
    from configurator.services import ConfigurationInput, LineInput, configuration_create

    family = FAMILIES[code]
    skus = {**family["skus"], **(swap or {})}
    return configuration_create(
        organization=organization, user=user,
        data=ConfigurationInput(
            template=family["template"], name=family["title"],
            sourcing_policy=policy or family["sourcing_policy"],
            requirements=family["requirements"],
            schedule=schedule if schedule is not None
            else [(s["year"], s["kits"]) for s in family["schedule"]],
            lines=[LineInput(slot=slot, sku=sku,
                             quantity=None if slot in (swap or {}) else family["quantities"][slot])
                   for slot, sku in skus.items() if sku],
        ),
    )


# --- domain parts from interchange documents (no database) -----------------------------------------


def _usd_rates(document: dict[str, Any]) -> dict[str, Decimal]:
    rates = {"USD": Decimal(1)}
    for row in sorted(document.get("exchange_rates", ()), key=lambda r: r["date"]):
        if row["to"] == "USD":
            rates[row["from"]] = Decimal(row["rate"])
        elif row["from"] == "USD":
            rates[row["to"]] = 1 / Decimal(row["rate"])
    return rates


def to_parts(document: dict[str, Any]) -> list[Part]:
    """Interchange parts as domain `Part`s, the way `configurator.selectors.part_snapshot` makes
    them (specs cleaned by `parts.domain.specs`, reference price in USD)."""
    names = {s["code"]: s["name"] for s in document["suppliers"]}
    rates = _usd_rates(document)
    out = []
    for raw in document["parts"]:
        specs, errors = clean_specs(raw["category"], raw["specs"])
        assert not errors, (raw["sku"], errors)
        pricing = raw["pricing"]
        rate = rates.get(pricing["currency"])
        tiers = sorted(pricing["tiers"], key=lambda t: t["min_qty"])
        price = Decimal(tiers[0]["unit_price"]) * rate if tiers and rate is not None else None
        rare_earth = Decimal(0)
        if raw["category"] == "magnet":
            rare_earth = Decimal(str(specs.get("ndpr_kg") or 0)) + Decimal(str(specs.get("dy_tb_kg") or 0))
        out.append(
            Part(
                sku=raw["sku"],
                category=raw["category"],
                supplier_code=raw["supplier"],
                supplier_name=names.get(raw["supplier"], raw["supplier"]),
                active=raw.get("active", True),
                specs=specs,
                provenance=tuple(
                    Stage(
                        stage=s["stage"],
                        country=s["country"],
                        company=s["company"],
                        evidence_reference=s.get("evidence", {}).get("reference", ""),
                        evidence_expires=(
                            date.fromisoformat(s["evidence"]["expires"]) if "evidence" in s else None
                        ),
                    )
                    for s in raw["provenance"]
                ),
                lead_time_days=raw["lead_time_days"],
                moq=raw.get("moq", 1),
                annual_capacity=raw["annual_capacity"],
                reference_unit_price=price,
                rare_earth_kg=rare_earth,
                name=raw.get("name", ""),
                price_tiers=tuple((int(t["min_qty"]), Decimal(t["unit_price"]) * rate) for t in tiers)
                if rate is not None else (),
            )
        )
    return out


@cache
def demo_parts() -> tuple[Part, ...]:
    return tuple(to_parts(build_demo_catalog()))


def synthetic_parts(n: int, seed: int = 7) -> list[Part]:
    return to_parts(build_synthetic_catalog(n, seed=seed))


def restricted_entities(document: dict[str, Any] | None = None) -> frozenset[str]:
    document = document or build_demo_catalog()
    names: set[str] = set()
    for s in document["suppliers"]:
        if s.get("restricted"):
            names.update((s["code"].upper(), s["name"].upper()))
    return frozenset(names)


def family_snapshot(
    code: str,
    parts_by_sku: dict[str, Part],
    *,
    policy: str | None = None,
    schedule: bool = True,
    today: date = TODAY,
    restricted: frozenset[str] = frozenset(),
    **overrides: str,
) -> Snapshot:
    """A demo family's default kit, with slots overridden by SKU."""
    family = FAMILIES[code]
    skus = {**family["skus"], **overrides}
    req = family["requirements"]
    return Snapshot(
        template=BUILTIN_TEMPLATES[family["template"]],
        requirements=Requirements(
            dc_bus_voltage_v=req["dc_bus_voltage_v"],
            max_speed_rpm=req["max_speed_rpm"],
            max_magnet_temp_c=Decimal(req["max_magnet_temp_c"]),
            max_winding_temp_c=Decimal(req["max_winding_temp_c"]),
        ),
        lines=tuple(
            Line(slot, parts_by_sku[sku], family["quantities"][slot]) for slot, sku in skus.items() if sku
        ),
        policy=BUILTIN_POLICIES[policy or family["sourcing_policy"]],
        schedule=tuple(ScheduleYear(r["year"], r["kits"]) for r in family["schedule"]) if schedule else (),
        today=today,
        restricted_entities=restricted,
    )
