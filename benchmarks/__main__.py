"""``python -m benchmarks``: the same as ``python -m benchmarks.bench``."""

from .bench import main

raise SystemExit(main())
