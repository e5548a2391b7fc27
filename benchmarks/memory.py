"""Memory of sse-codec's decoders, measured in a child process per implementation.

tracemalloc sees only what is allocated through Python's allocators (``PyMem_*``,
``PyObject_*``): every allocation of the Python decoder, but not what a C extension
takes with ``malloc`` directly.  So each implementation is measured in a fresh child
process in two ways, and both are reported:

- **RSS** (resident set size, everything the process touched, whatever allocated
  it): on Linux the peak is reset by writing ``5`` to ``/proc/self/clear_refs``
  just before the parse and read back as ``VmHWM`` from ``/proc/self/status``; the
  result is that peak minus ``VmRSS`` just before.  Page-granular (4 KiB) and it
  includes allocator overhead, which is real memory too.  Without that interface
  (not Linux) RSS is not reported.
- **tracemalloc** in the same child, after the RSS measurement (tracing costs
  memory of its own, so the two never overlap).

The targets for the compiled decoder are read from RSS, which sees its ``malloc``
buffers.  The input is built before the baseline is taken, from small pieces, so no
large freed buffer is left for the parse to reuse unseen.

    python -m benchmarks.memory --child peak sse_codec._decoder 4194304
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import subprocess
import sys
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sse_codec import iter_events

__all__ = [
    "IDLE_STATES",
    "Measured",
    "idle",
    "main",
    "measure",
    "peak",
    "read_status_kib",
    "reset_peak_rss",
]

_ROOT = Path(__file__).resolve().parents[1]

_PARKED = b"event: update\nid: 42\ndata: first line\ndata: second li"
_LINE = b'data: {"id":"chatcmpl-AbC123xYz","object":"chat.completion.chunk","cre'
#: (label, bytes fed, bytes the decoder must hold afterwards: the buffered values,
#: the unfinished line, the event type and id texts).
IDLE_STATES: tuple[tuple[str, bytes, int], ...] = (
    ("fresh", b"", 0),
    ("parked mid-line (a token event cut by the network)", _LINE, len(_LINE)),
    (
        "parked mid-event (event, id, one data line, half a line)",
        _PARKED,
        len(b"update") + len(b"42") + len(b"first line") + len(b"data: second li"),
    ),
)


@dataclass(frozen=True, slots=True)
class Measured:
    """One measurement in bytes: by tracemalloc, and by RSS (``None`` off Linux)."""

    traced: int
    rss: int | None


def read_status_kib(field: str, status: str | None = None) -> int | None:
    """The value of ``field`` (e.g. ``VmHWM``) in kB from ``/proc/self/status`` (or
    the ``status`` text given), or ``None`` when there is no such line or file."""
    if status is None:
        try:
            status = Path("/proc/self/status").read_text()
        except OSError:
            return None
    for line in status.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return None


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (``VmHWM``) to its current RSS; ``False`` when
    the kernel offers no way to (not Linux, or /proc not writable)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _rss_peak_of(action: Callable[[], object]) -> int | None:
    gc.collect()
    if not reset_peak_rss():
        return None
    before = read_status_kib("VmRSS")
    action()
    high = read_status_kib("VmHWM")
    if before is None or high is None:
        return None
    return (high - before) * 1024


def _traced_peak_of(action: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        action()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def _peak_child(cls: type[Any], size: int) -> dict[str, Any]:
    # One event of ``size`` bytes in 1460-byte chunks.  The chunks are many
    # references to a few small objects: the input costs no memory of its own.
    step = 1460
    body = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx" * 21
    piece = body[:step]
    head = b"data: " + piece[: step - 6]
    rest = size - (step - 6)
    chunks = [head] + [piece] * (rest // step) + [piece[: rest % step] + b"\n\n"]
    counts: list[int] = []

    def parse() -> None:
        counts.append(sum(1 for _ in iter_events(chunks, decoder=cls())))

    rss = _rss_peak_of(parse)
    traced = _traced_peak_of(parse)
    return {"events": counts, "traced": traced, "rss": rss}


def _idle_child(cls: type[Any], count: int) -> dict[str, Any]:
    # Every decoder made stays alive to the end: memory freed by one measurement
    # would be reused by the next without showing in its RSS.
    alive: list[list[Any]] = []
    out: dict[str, Any] = {}
    for label, fed, _held in IDLE_STATES:

        def make(fed: bytes = fed) -> None:
            keep = [cls() for _ in range(count)]
            for d in keep:
                d.feed(fed)
            alive.append(keep)

        # The list of references is part of the measurement; take it out.
        listed = sys.getsizeof([None] * count)
        rss = _rss_peak_of(make)
        traced = _traced_peak_of(make)
        out[label] = {
            "traced": (traced - listed) // count,
            "rss": None if rss is None else (rss - listed) // count,
        }
    return out


Execute = Callable[..., "subprocess.CompletedProcess[str]"]


def _run_child(args: list[str], execute: Execute) -> Any:
    command = [sys.executable, "-m", "benchmarks.memory", "--child", *args]
    done = execute(command, capture_output=True, text=True, cwd=_ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def peak(module: str, size: int, execute: Execute = subprocess.run) -> tuple[bool, Measured]:
    """Peak memory while ``module``'s ``SSEDecoder`` parses one ``size``-byte event
    in 1460-byte chunks, in a child process: (one event each time?, the peak).
    Raises ``RuntimeError`` when the child fails."""
    got = _run_child(["peak", module, str(size)], execute)
    return got["events"] == [1, 1], Measured(got["traced"], got["rss"])


def idle(module: str, count: int, execute: Execute = subprocess.run) -> dict[str, Measured]:
    """Memory per idle decoder of ``module`` in each of ``IDLE_STATES`` (mean over
    ``count`` decoders, the list holding them taken out), in a child process.
    Raises ``RuntimeError`` when the child fails."""
    got = _run_child(["idle", module, str(count)], execute)
    return {label: Measured(v["traced"], v["rss"]) for label, v in got.items()}


def measure(what: str, module: str, number: int) -> dict[str, Any]:
    """The child's side: measure ``what`` (``peak`` or ``idle``) for ``module``'s
    decoder.  Raises ``ValueError`` for another ``what``, ``ImportError`` when the
    module does not import."""
    cls = importlib.import_module(module).SSEDecoder
    if what == "peak":
        return _peak_child(cls, number)
    if what == "idle":
        return _idle_child(cls, number)
    raise ValueError(f"unknown measurement: {what}")


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (the child process): print the measurement as JSON; returns 0."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.memory", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--child", nargs=3, metavar=("WHAT", "MODULE", "N"), required=True)
    args = parser.parse_args(argv)
    what, module, number = args.child
    print(json.dumps(measure(what, module, int(number))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
