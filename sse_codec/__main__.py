"""``python -m sse_codec``: the command line (see ``sse_codec._cli``)."""

from __future__ import annotations

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
