"""All benchmarks, one after the other (`make bench`). Each prints its own figures and
the baseline it is compared with; docs/performance.md records a run."""

from __future__ import annotations

import argparse

from bench import catalog_import, engine, http_validate, parts_list, quotes

BENCHMARKS = {
    "engine": ("engine: validation, guided options, repairs (in process)", engine.main),
    "http": ("HTTP: POST /api/v1/configurations/validate/ vs a bare DRF view", http_validate.main),
    "quotes": ("quotes: real redis-server and Celery workers", quotes.main),
    "parts": ("HTTP: GET /api/v1/parts/ vs an ORM-50-rows view", parts_list.main),
    "import": ("catalog import of 100k parts as a background job", catalog_import.main),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Each benchmark also runs alone with its own options: "
               "python -m bench.engine --help (bench.http_validate, bench.quotes, "
               "bench.parts_list, bench.catalog_import, bench.catalog_view, bench.web_pages, "
               "bench.load, bench.hosts, bench.first_request).",
    )
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append",
                        help="run only this benchmark (repeatable); default: all")
    args = parser.parse_args(argv)
    for i, name in enumerate(args.only or BENCHMARKS):
        title, run = BENCHMARKS[name]
        print(f"{chr(10) if i else ''}== {title} ==")
        run([])


if __name__ == "__main__":
    main()
