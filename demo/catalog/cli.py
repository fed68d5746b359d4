"""`python -m demo.catalog [PATH] [--synthetic N]`: write the demo (or a synthetic) catalog as JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from demo.catalog.design import build_demo_catalog
from demo.catalog.synthetic import build_synthetic_catalog


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo.catalog",
        description="Write the corekit demo catalog (or a synthetic one) as JSON.",
    )
    parser.add_argument("path", nargs="?", help="output file (default: stdout)")
    parser.add_argument(
        "--synthetic", type=int, metavar="N", help="write a synthetic catalog of N parts instead of the demo"
    )
    parser.add_argument("--seed", type=int, default=7, help="seed for --synthetic (default 7)")
    parser.add_argument(
        "--indent",
        type=int,
        default=None,
        help="JSON indent (default 2 for the demo, compact for --synthetic)",
    )
    args = parser.parse_args(argv)
    if args.synthetic is not None:
        document = build_synthetic_catalog(args.synthetic, seed=args.seed)
        indent = args.indent
    else:
        document = build_demo_catalog()
        indent = 2 if args.indent is None else args.indent
    text = json.dumps(document, indent=indent, ensure_ascii=False) + "\n"
    if args.path in (None, "-"):
        sys.stdout.write(text)
    else:
        path = Path(args.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0
