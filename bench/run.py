"""All benchmarks, one after the other (`make bench`). Each prints its own figures and
the baseline it is compared with; docs/performance.md records a run."""

from bench import engine, http_validate, quotes


def main() -> None:
    print("== engine: validation, guided options, repairs (in process) ==")
    engine.main([])
    print("\n== HTTP: POST /api/v1/configurations/validate/ vs a bare DRF view ==")
    http_validate.main([])
    print("\n== quotes: real redis-server and Celery workers ==")
    quotes.main([])


if __name__ == "__main__":
    main()
