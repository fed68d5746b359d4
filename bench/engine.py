"""In-process engine benchmark: validation, guided options and repairs on synthetic catalogs.

    .venv/bin/python -m bench.engine                    # 1k and 10k parts (a few minutes)
    .venv/bin/python -m bench.engine --large            # 1k, 10k and 100k parts
    .venv/bin/python -m bench.engine 20000              # other sizes
    .venv/bin/python -m bench.engine --repeat 3 1000    # a quick look

Baselines measured in the same run: the forward check alone (guided options without
the dead-end search, as before), its share of dead ends (offered parts no complete kit
can hold), and the same forward options computed by brute force (every candidate of
every slot through the engine), checked against the indexed answer before it is timed.
The class tables' build time (once per catalog change) is reported too.

Builds the demo catalog's synthetic copies (demo.catalog), turns them
into domain parts, builds the CatalogIndex, warms it, then times
all_slot_options (limit 20, excluded items included, every page item confirmed by
the engine) and suggest_repairs over the four demo families, valid and broken.
Not a test: figures vary with the machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

from bench import support
from bench.support import pct as _pct
from configurator.domain import completion, evaluate
from configurator.domain.engine import violations_involving
from configurator.domain.options import CatalogIndex, all_slot_options, candidate_snapshot, slot_options
from configurator.domain.repairs import suggest_repairs
from configurator.domain.templates import BUILTIN_TEMPLATES
from demo.catalog import NEAR_MISSES


def _broken(snapshots, by_sku):
    """Each family's kit broken three ways (demo near-misses): a too-cool magnet, the
    magnet count off by two, and a rotor core on Chinese steel (china-excluded)."""
    out = []
    for snap, code in zip(snapshots, support.FAMILIES, strict=False):
        misses = {
            (m["slot"], m["rule"], m["policy"]): sku for sku, m in NEAR_MISSES.items() if m["family"] == code
        }
        cool = by_sku[misses[("magnet", "MAGNET_TEMP", None)]]
        cn_rotor = by_sku[misses[("rotor_core", "ORIGIN_EXCLUDED", "china-excluded")]]
        lines = []
        for ln in snap.lines:
            if ln.slot == "magnet":
                ln = dataclasses.replace(ln, part=cool, quantity=ln.quantity + 2)
            elif ln.slot == "rotor_core":
                ln = dataclasses.replace(ln, part=cn_rotor)
            lines.append(ln)
        out.append(dataclasses.replace(snap, lines=tuple(lines)))
    return out


def brute_force_all_slots(snap, index) -> int:
    """The naive way: every catalog part of every slot judged by the engine, one by one."""
    feasible = 0
    for slot in snap.template.slots:
        for part in index.parts_in(slot.category):
            found = violations_involving(candidate_snapshot(snap, slot.code, part), slot.code)
            feasible += not any(v.severity == "error" for v in found)
    return feasible


def dead_end_shares(snapshots, index) -> tuple[int, int, int, int]:
    """(dead, offered) for the forward check's options and for the guided ones, over every slot.

    The forward check's offered parts are judged whole (completion of the kit with the
    part chosen, a separate path from the per-slot search); the guided options' first
    pages are judged the same way, so a dead end offered there would be counted.
    """
    old_dead = old_offered = new_dead = new_offered = 0
    for snap in snapshots:
        for slot in snap.template.slots:
            forward = slot_options(snap, index, slot.code, limit=10**6, include_excluded=False,
                                   confirm=False, dead_ends=False)
            guided = slot_options(snap, index, slot.code, limit=10**6, include_excluded=False,
                                  confirm=False)
            offered = {o.part.sku for o in guided.items}
            for option in forward.items:
                old_offered += 1
                if option.part.sku not in offered:
                    old_dead += 1
            for option in guided.items[:20]:
                new_offered += 1
                kit = candidate_snapshot(snap, slot.code, option.part)
                new_dead += not completion.completable(kit, index)
    return old_dead, old_offered, new_dead, new_offered


def run(n: int, repeat: int) -> dict:
    start = time.perf_counter()
    parts = support.synthetic_parts(n)
    convert = time.perf_counter() - start
    start = time.perf_counter()
    index = CatalogIndex.build(parts)
    build = time.perf_counter() - start
    start = time.perf_counter()
    index.warm()
    warm = time.perf_counter() - start
    start = time.perf_counter()
    built = [completion.tables(index, t) for t in BUILTIN_TEMPLATES.values()]
    tables_s = time.perf_counter() - start
    engine_calls = sum(t.engine_calls for t in built)
    by_sku = {p.sku: p for p in parts}
    restricted = support.restricted_entities()
    snapshots = [
        support.family_snapshot(code, by_sku, restricted=restricted) for code in support.FAMILIES
    ]
    snapshots += [
        support.family_snapshot(code, by_sku, policy="dfars-7052", restricted=restricted)
        for code in support.FAMILIES
    ]
    complete = snapshots[0]
    assert evaluate(complete).valid
    samples = []
    for _ in range(2000):
        t0 = time.perf_counter()
        evaluate(complete)
        samples.append((time.perf_counter() - t0) * 1000)
    validate_p50 = statistics.median(samples)
    # A new configuration (nothing chosen yet) and a half-filled one.
    snapshots += [dataclasses.replace(snap, lines=()) for snap in snapshots[:2]]
    snapshots += [
        dataclasses.replace(
            snap, lines=tuple(ln for ln in snap.lines if ln.slot in ("rotor_core", "winding"))
        )
        for snap in snapshots[2:4]
    ]
    # the first call per policy version computes its verdicts per supply chain
    start = time.perf_counter()
    for snap in snapshots:
        all_slot_options(snap, index)
    first = (time.perf_counter() - start) * 1000 / len(snapshots)
    print(
        f"\n{n:,} parts: convert {convert:.1f} s, index build {build * 1000:.0f} ms, "
        f"warm {warm * 1000:.0f} ms, first all_slot_options {first:.1f} ms"
    )
    print(f"  class tables, 3 templates: {tables_s * 1000:.0f} ms, {engine_calls:,} engine calls "
          "(target <= 2 s at 100k)")
    old_dead, old_offered, new_dead, new_offered = dead_end_shares(snapshots, index)
    print(f"  dead ends offered: forward check (baseline) {old_dead:,} of {old_offered:,} "
          f"({100 * old_dead / max(old_offered, 1):.0f} %), guided options {new_dead} of {new_offered:,} "
          "first-page items (must be 0)")
    assert new_dead == 0
    samples: list[float] = []
    for _ in range(repeat):
        for snap in snapshots:
            t0 = time.perf_counter()
            all_slot_options(snap, index)
            samples.append((time.perf_counter() - t0) * 1000)
    options_p50, options_p95 = statistics.median(samples), _pct(samples, 0.95)
    forward: list[float] = []
    for _ in range(repeat):
        for snap in snapshots:
            t0 = time.perf_counter()
            all_slot_options(snap, index, dead_ends=False)
            forward.append((time.perf_counter() - t0) * 1000)
    forward_p95 = _pct(forward, 0.95)
    print(f"  evaluate() complete motor-core package: median {validate_p50 * 1000:.0f} µs (target <= 1 ms)")
    print(
        f"  all_slot_options (10 slots, limit 20, dead-end free): p50 {options_p50:.1f} ms, "
        f"p95 {options_p95:.1f} ms, max {max(samples):.1f} ms ({len(samples)} calls; target <= 20 ms)"
    )
    print(
        f"  baseline, forward check only:                         p50 {statistics.median(forward):.1f} ms, "
        f"p95 {forward_p95:.1f} ms; ratio of p95s {options_p95 / forward_p95:.2f} (target <= 1.3)"
    )
    brute = None
    if n <= 10_000:
        kits = snapshots if n <= 1_000 else snapshots[:2]
        brute_samples = []
        for snap in kits:
            indexed = sum(o.feasible_count for o in all_slot_options(snap, index, dead_ends=False).values())
            t0 = time.perf_counter()
            found = brute_force_all_slots(snap, index)
            brute_samples.append((time.perf_counter() - t0) * 1000)
            assert found == indexed, (found, indexed)
        brute = statistics.median(brute_samples)
        print(f"  baseline, brute force (engine per candidate, {len(kits)} kits, answers equal the index's): "
              f"median {brute:.0f} ms = {brute / statistics.median(forward):.0f}x the forward p50")
    samples = []
    for _ in range(repeat):
        for snap in snapshots:
            t0 = time.perf_counter()
            all_slot_options(snap, index, limit=20, include_excluded=False)
            samples.append((time.perf_counter() - t0) * 1000)
    print(
        f"  all_slot_options feasible only:          p50 {statistics.median(samples):.1f} ms, "
        f"p95 {_pct(samples, 0.95):.1f} ms"
    )
    samples = []
    for _ in range(repeat):
        for snap in snapshots:
            t0 = time.perf_counter()
            for slot in snap.template.slots:
                slot_options(snap, index, slot.code, confirm=False)
            samples.append((time.perf_counter() - t0) * 1000)
    print(
        f"  the index alone (no engine confirmation): p50 {statistics.median(samples):.1f} ms, "
        f"p95 {_pct(samples, 0.95):.1f} ms"
    )
    samples = []
    for _ in range(repeat):
        for snap in snapshots:
            t0 = time.perf_counter()
            slot_options(snap, index, "magnet")
            samples.append((time.perf_counter() - t0) * 1000)
    print(
        f"  slot_options(magnet), one page of 20:     p50 {statistics.median(samples):.1f} ms, "
        f"p95 {_pct(samples, 0.95):.1f} ms"
    )
    broken = _broken(snapshots[:4], by_sku)
    for snap in broken:
        assert not evaluate(snap).valid
    samples = []
    errors = []
    for _ in range(repeat):
        for snap in broken:
            errors.append(len(evaluate(snap).errors))
            t0 = time.perf_counter()
            repairs = suggest_repairs(snap, index)
            samples.append((time.perf_counter() - t0) * 1000)
            assert repairs
    print(
        f"  suggest_repairs ({min(errors)}-{max(errors)} errors): p50 {statistics.median(samples):.1f} ms, "
        f"p95 {_pct(samples, 0.95):.1f} ms"
    )
    for repair in suggest_repairs(broken[0], index)[:4]:
        print("   ", repair.message)
    return {"validate_p50_ms": validate_p50, "options_p50_ms": options_p50,
            "options_p95_ms": options_p95, "brute_ms": brute, "forward_p95_ms": forward_p95,
            "tables_s": tables_s, "dead_old": (old_dead, old_offered), "dead_new": (new_dead, new_offered),
            "repairs_p95_ms": _pct(samples, 0.95)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*",
                        help="catalog sizes in parts (default: 1000 10000, and 100000 with --large)")
    parser.add_argument("--large", action="store_true", help="add the 100k-part catalog")
    parser.add_argument("--repeat", type=int, default=10, help="timed rounds per figure (default 10)")
    args = parser.parse_args(argv)
    sizes = args.sizes or [1_000, 10_000, *([100_000] if args.large else [])]
    results = {n: run(n, repeat=args.repeat) for n in sizes}
    if 10_000 in results and 100_000 in results:
        ratio = results[100_000]["options_p95_ms"] / results[10_000]["options_p95_ms"]
        print(f"\noptions p95 at 100k = {results[100_000]['options_p95_ms']:.1f} ms "
              f"(target <= 20 ms), {ratio:.2f}x the 10k figure (target <= 3x)")
    return results


if __name__ == "__main__":
    main()
