"""``bench``: run the benchmark of ``benchmarks/`` and print its table.

The benchmark compares sse-codec with other parsers, which are not dependencies,
so it lives in the source checkout (``benchmarks/bench.py``), not in the installed
package.  This command finds the checkout (the current directory, then the
directory the package was imported from, as in an editable install) and runs
``benchmarks.bench.run``; without a checkout it says so.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path
from types import ModuleType

from ._common import CLIError, Progress

__all__ = ["find_checkout", "run_bench"]


def find_checkout() -> Path | None:
    """Return the directory holding ``benchmarks/bench.py``, or ``None``."""
    package_root = Path(__file__).resolve().parent.parent.parent
    for root in (Path.cwd(), package_root):
        if (root / "benchmarks" / "bench.py").is_file():
            return root.resolve()
    return None


def _load(root: Path) -> ModuleType:
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module("benchmarks.bench")
    except ImportError as err:
        raise CLIError(f"cannot import the benchmark from {root}/benchmarks: {err}") from None
    origin = Path(getattr(module, "__file__", "") or "").resolve()
    if origin.parent != root / "benchmarks":
        raise CLIError(f"another 'benchmarks' package shadows {root}/benchmarks ({origin})")
    return module


def run_bench(args: argparse.Namespace) -> int:
    """Run the benchmark (``--quick``: seconds instead of minutes); print Markdown."""
    root = find_checkout()
    if root is None:
        raise CLIError(
            "bench needs a source checkout of sse-codec (its benchmarks/ directory is not "
            "installed with the package): run it from the root of a clone"
        )
    bench = _load(root)
    progress = Progress(sys.stderr.isatty())
    started = time.time()
    selection: dict[str, list[str]] = {
        name: value.split(",")
        for name in ("workloads", "chunkings", "parts")
        if (value := getattr(args, name, None))
    }
    try:
        report = bench.run(args.quick, log=lambda msg: progress.show(msg, force=True), **selection)
    except ValueError as err:
        raise CLIError(f"bench: {err}") from None
    finally:
        progress.clear()
    command = "python -m sse_codec bench" + " --quick" * args.quick
    command += "".join(f" --{name} {','.join(value)}" for name, value in selection.items())
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}; {bench.machine()}")
    print(f"Command: {command}\n")
    print(report.markdown())
    return 0
