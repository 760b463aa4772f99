"""`python -m lakehouse.cli ...`: the same as the `lakehouse` console script."""

from lakehouse.cli import main

raise SystemExit(main())
