"""Instructions per event under callgrind: a deterministic companion to ``bench``.

On a shared machine whose speed drifts, the timing of a small change moves by more
than the change; the number of instructions a run executes does not (with
``PYTHONHASHSEED`` fixed).  For each cell and contender this runs a child process
under ``valgrind --tool=callgrind`` twice, parsing the cell once and ``1 + runs``
times, and reports the difference per run and per event, so that interpreter
start-up and imports cancel out.  Instructions are not time (memory traffic and
branch misses are not in them): use this to rank small changes, and read the targets
from the timed, interleaved ``python -m benchmarks.bench``, which also checks every
peer's output.

    python -m benchmarks.instructions --workloads many_fields --chunkings 7,64
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence

from .bench import cell_chunks
from .contenders import decoder, decoders
from .workloads import CHUNKINGS, WORKLOADS

__all__ = ["count", "main", "parse_collected", "run_child"]

_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")

Execute = Callable[..., "subprocess.CompletedProcess[str]"]


def parse_collected(report: str) -> int:
    """The instruction count in callgrind's summary (``Collected : N``); raises
    ``RuntimeError`` when there is none."""
    match = _COLLECTED.search(report)
    if match is None:
        raise RuntimeError("no instruction count in callgrind's output:\n" + report[-2000:])
    return int(match.group(1))


def run_child(workload: str, chunking: str, contender: str, runs: int, quick: bool) -> int:
    """Parse the cell ``runs`` times with ``contender``; return one run's event count.
    Raises ``KeyError`` for an unknown contender, ``ImportError`` for one not installed."""
    chunks = cell_chunks(workload, chunking, quick)
    events = decoder(contender).events
    count = 0
    for _ in range(runs):
        count = sum(1 for _ in events(iter(chunks)))
    return count


def count(
    workload: str,
    chunking: str,
    contender: str,
    runs: int,
    quick: bool = False,
    execute: Execute = subprocess.run,
) -> tuple[float, int]:
    """Instructions one parse of the cell takes, and its event count.  Raises
    ``RuntimeError`` when a child process fails."""

    def measure(parses: int) -> tuple[int, int]:
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={os.devnull}",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            "--child",
            workload,
            chunking,
            contender,
            str(parses),
        ] + (["--quick"] if quick else [])
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = execute(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
        return parse_collected(done.stderr), int(done.stdout.split()[-1])

    base, events = measure(1)
    total, _ = measure(1 + runs)
    return (total - base) / runs, events


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print a Markdown table of instructions per event; returns the
    exit status (2 without valgrind)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.instructions", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--workloads", default="openai_chat", help=", ".join(WORKLOADS))
    parser.add_argument("--chunkings", default="1460", help=", ".join(CHUNKINGS))
    parser.add_argument("--contenders", help="comma-separated; default: all installed")
    parser.add_argument("--runs", type=int, default=4, help="parses counted per cell")
    parser.add_argument("--quick", action="store_true", help="the smoke run's small sizes")
    parser.add_argument("--child", nargs=4, metavar=("WORKLOAD", "CHUNKING", "NAME", "N"))
    args = parser.parse_args(argv)
    if args.child:
        workload, chunking, name, parses = args.child
        print(run_child(workload, chunking, name, int(parses), args.quick))
        return 0
    if shutil.which("valgrind") is None:
        print("benchmarks.instructions needs valgrind on PATH", file=sys.stderr)
        return 2
    names = args.contenders.split(",") if args.contenders else [c.name for c in decoders()[0]]
    print("| workload | chunking | events | " + " | ".join(names) + " |")
    print("|---|---|---|" + "---|" * len(names))
    print("| | | | " + " | ".join(["instructions per event"] * len(names)) + " |")
    for workload in args.workloads.split(","):
        for chunking in args.chunkings.split(","):
            row: list[str] = []
            events = 0
            for name in names:
                per_run, events = count(workload, chunking, name, args.runs, args.quick)
                row.append(f"{per_run / max(events, 1):,.0f}")
            print(f"| {workload} | {chunking} | {events} | " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
