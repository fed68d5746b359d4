from demo.catalog.cli import main

raise SystemExit(main())
