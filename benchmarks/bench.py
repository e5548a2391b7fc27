"""sse-codec beside the other Python SSE parsers and encoders, in one process.

Run ``python -m benchmarks.bench`` from a checkout (``--quick`` for a smoke run of a
few seconds).  Every contender runs in the same process, interleaved round-robin
(each repeat runs them all once, in rotating order), and the table reports medians
of those samples and their ratios, so a busy machine slows everyone alike.

sse-codec's two implementations (the Python decoder, always; the compiled one when
``sse_codec._cdecoder`` is built) are each timed through ``iter_events(chunks)`` and
through a plain loop of ``decoder.feed(chunk)`` calls.  Beside them, the floor:
``bytes.splitlines()`` over the same bytes plus one tuple per event.

Before anything is timed, each contender's output for the cell is compared with the
Python decoder's (event count, types and data); one that differs is shown as WRONG,
and a peer that needs more than the time budget (the quadratic ones, on big events
in small chunks) is shown as ``slow``, not timed.

Also measured: a size-doubling run (one event in 1- and 16-byte chunks) that shows
how time grows with size, peak memory while parsing a 4 MiB event, the memory of
idle decoders (sse-codec's in child processes, see ``memory.py``), the encoders, and
(full run, when Node.js and npm are there) the JavaScript parser eventsource-parser
on the same bytes (see ``node.py``).  The targets are checked in the full run only.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sse_codec import iter_events

from . import memory, node, pipeline, server
from .contenders import (
    FLOOR,
    PYTHON,
    REFERENCE,
    C,
    Contender,
    decoders,
    encoders,
    floor,
    implementations,
)
from .server import ServerReport
from .workloads import CHUNKINGS, SMALL_CHUNKINGS, WORKLOADS, chunk

__all__ = ["PARTS", "Cell", "Report", "Result", "cell_chunks", "machine", "main", "run"]

#: The sections of a run, in the order they run.
PARTS = ("cells", "encoder", "node", "scaling", "memory", "server")
_MIB = 1024 * 1024
# The encoder contender's name (one implementation).
_OURS = "sse-codec"
_MODULES = {PYTHON: "sse_codec._decoder", C: "sse_codec._cdecoder"}
_NODE = "eventsource-parser (Node.js)"
# In the size-doubling tables: the same chunks only appended to one bytearray, the
# least any parser that buffers a line does; it shows how the machine itself scales.
_BASELINE = "bytearray += (baseline)"


class _Timeout(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Config:
    size: int  # target stream size for most cells
    small_size: int  # for the 7- and 1-byte chunkings
    big: int  # the big event
    big_small: int  # the big event in 7- and 1-byte chunks
    repeats: int
    min_time: float  # one sample lasts at least this long (loops are calibrated)
    budget: float  # a contender slower than this on one run is not timed
    scaling_max: int
    scaling_min_time: float  # a size-doubling point is timed in loops at least this long
    scaling_rounds: int
    encoder_loops: int
    idle_count: int  # decoders per idle-memory measurement


_FULL = _Config(
    512 * 1024, 48 * 1024, 4 * _MIB, 512 * 1024, 7, 0.05, 4.0, 64 * _MIB, 0.2, 3, 100_000, 50_000
)
_QUICK = _Config(
    8 * 1024, 1024, 64 * 1024, 8 * 1024, 1, 0.001, 0.3, 128 * 1024, 0.001, 1, 2_000, 1_000
)


def _is_ours(name: str) -> bool:
    return name.startswith("sse-codec")


def _is_peer(name: str) -> bool:
    # (the floor and the size doubling's baseline are not parsers)
    return not _is_ours(name) and name not in (FLOOR, _BASELINE)


def _short(label: str) -> str:
    # "sse-codec (C)" -> "C"
    return label[label.index("(") + 1 : -1]


@dataclass(slots=True)
class Result:
    """One contender in one cell: ``status`` is ok, WRONG, slow or error."""

    status: str
    seconds: float | None = None
    note: str = ""


@dataclass(slots=True)
class Cell:
    """One workload x chunking cell."""

    workload: str
    chunking: str
    nbytes: int
    nevents: int
    results: dict[str, Result] = field(default_factory=dict)

    def seconds(self, name: str) -> float | None:
        """The median time of ``name`` when it ran and was correct, else ``None``."""
        r = self.results.get(name)
        return r.seconds if r is not None and r.status == "ok" else None

    def best_peer(self) -> tuple[float, str] | None:
        """The fastest correct peer's time and name, or ``None`` without one."""
        peers = [
            (r.seconds, n)
            for n, r in self.results.items()
            if _is_peer(n) and r.status == "ok" and r.seconds is not None
        ]
        return min(peers) if peers else None

    def vs_peer(self, name: str) -> tuple[float, str] | None:
        """The fastest correct peer's time / ``name``'s time, and that peer."""
        ours, best = self.seconds(name), self.best_peer()
        if ours is None or best is None:
            return None
        return best[0] / ours, best[1]

    def vs_floor(self, name: str) -> float | None:
        """``name``'s time / the floor's time."""
        ours, low = self.seconds(name), self.seconds(FLOOR)
        if ours is None or low is None:
            return None
        return ours / low


@dataclass(slots=True)
class Report:
    """Everything one run measured; ``markdown()`` renders it."""

    quick: bool
    cells: list[Cell] = field(default_factory=list)
    scaling: dict[str, dict[str, list[tuple[int, float | None]]]] = field(default_factory=dict)
    # name -> (status, tracemalloc peak, RSS peak or None when not measured that way)
    peak_memory: dict[str, tuple[str, int | None, int | None]] = field(default_factory=dict)
    peak_event_size: int = 0
    # implementation label -> state -> (held bytes, tracemalloc per decoder, RSS per decoder)
    idle_memory: dict[str, dict[str, tuple[int, int, int | None]]] = field(default_factory=dict)
    encoder: dict[str, dict[str, float]] = field(default_factory=dict)
    node: list[tuple[str, int, dict[str, float]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    contenders: list[str] = field(default_factory=list)
    implementations: list[str] = field(default_factory=list)
    targets: list[tuple[bool, str]] = field(default_factory=list)
    server: ServerReport | None = None  # the "server" part (benchmarks/server.py)

    def markdown(self) -> str:
        """The report as Markdown tables."""
        return _render(self)


# -- running one contender ------------------------------------------------------------


def _watched(chunks: Iterable[bytes], deadline: float) -> Iterator[bytes]:
    for n, c in enumerate(chunks, 1):
        if not n & 1023 and time.perf_counter() > deadline:
            raise _Timeout
        yield c


def _check(c: Contender, chunks: Sequence[bytes], budget: float) -> tuple[list[Any], float]:
    start = time.perf_counter()
    source = iter(chunks) if budget == math.inf else _watched(chunks, start + budget)
    events = [c.key(e) for e in c.events(source)]
    elapsed = time.perf_counter() - start
    if elapsed > budget:
        raise _Timeout
    return events, elapsed


def _sample(c: Contender, chunks: Sequence[bytes], loops: int) -> float:
    consume = deque[Any](maxlen=0).extend
    events = c.events
    gc.collect()  # (cheap: run() froze everything imported before)
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(loops):
            consume(events(iter(chunks)))
        return (time.perf_counter() - start) / loops
    finally:
        gc.enable()


def _verify(
    c: Contender, chunks: list[bytes], reference: list[Any], budget: float
) -> tuple[Result, float]:
    # Run once before timing and compare with the reference; the floor gives only
    # a count (it interprets nothing), so only its count is compared.  Returns the
    # result and how long the run took.
    try:
        got, elapsed = _check(c, chunks, budget)
    except _Timeout:
        return Result("slow", note=f">{budget:g} s"), budget
    except Exception as exc:  # a crashing contender is a result, not a harness failure
        return Result("error", note=type(exc).__name__), 0.0
    ok = len(got) == len(reference) if c.name == FLOOR else got == reference
    if ok:
        return Result("ok"), elapsed
    if len(got) == len(reference):
        return Result("WRONG", note="data differs"), elapsed
    return Result("WRONG", note=f"{len(got)} events, expected {len(reference)}"), elapsed


def _measure_cell(
    contenders: list[Contender], cell: Cell, chunks: list[bytes], cfg: _Config
) -> None:
    ref = next(c for c in contenders if c.name == REFERENCE)
    reference, _ = _check(ref, chunks, math.inf)
    cell.nevents = len(reference)
    loops: dict[str, int] = {}
    for c in contenders:
        # sse-codec's and the floor have no time budget: they must be measured.
        budget = cfg.budget if _is_peer(c.name) else math.inf
        result, elapsed = _verify(c, chunks, reference, budget)
        cell.results[c.name] = result
        if result.status in ("ok", "WRONG"):
            loops[c.name] = max(1, math.ceil(cfg.min_time / max(elapsed, 1e-7)))
    timed = [c for c in contenders if c.name in loops]
    samples: dict[str, list[float]] = {c.name: [] for c in timed}
    for r in range(cfg.repeats):
        shift = r % len(timed)
        for c in timed[shift:] + timed[:shift]:
            samples[c.name].append(_sample(c, chunks, loops[c.name]))
    for c in timed:
        cell.results[c.name].seconds = statistics.median(samples[c.name])


# -- the parts of the run ----------------------------------------------------------------


def _cells(
    report: Report,
    cfg: _Config,
    workloads: Sequence[str],
    chunkings: Sequence[str],
    log: Callable[[str], None],
) -> None:
    contenders, notes = decoders()
    report.notes += notes
    mine = sum(1 for c in contenders if _is_ours(c.name))
    contenders.insert(mine, Contender(FLOOR, floor, lambda e: ("", "")))
    report.contenders = [c.name for c in contenders]
    for w in workloads:
        for ch in chunkings:
            chunks = _cell_chunks(w, ch, cfg)
            cell = Cell(w, ch, sum(map(len, chunks)), 0)
            _measure_cell(contenders, cell, chunks, cfg)
            report.cells.append(cell)
            log(f"  {w} / {ch}: done")


def _cell_chunks(workload: str, chunking: str, cfg: _Config) -> list[bytes]:
    small = chunking in SMALL_CHUNKINGS
    if workload.startswith("big_event"):
        size = cfg.big_small if small else cfg.big
    else:
        size = cfg.small_size if small else cfg.size
    return chunk(WORKLOADS[workload](size), chunking)


def cell_chunks(workload: str, chunking: str, quick: bool = False) -> list[bytes]:
    """The chunks of one cell exactly as the full (or ``quick``) run makes them.
    Raises ``KeyError`` for an unknown workload and ``ValueError`` for an unknown
    chunking."""
    return _cell_chunks(workload, chunking, _QUICK if quick else _FULL)


def _one_event_chunks(size: int, step: int) -> Iterator[bytes]:
    # The event's data is all "a", so its chunks are one repeated object: the
    # chunk source costs no memory and almost no time, even at 64 MiB in 1-byte chunks.
    head = [b"data: "[i : i + step] for i in range(0, 6, step)]
    return itertools.chain(head, itertools.repeat(b"a" * step, size // step), [b"\n\n"])


def _scaling_run(
    c: Contender, size: int, step: int, budget: float, min_time: float
) -> float | None:
    """Seconds to parse one event of ``size`` bytes in ``step``-byte chunks, or
    ``None`` when the contender is wrong or slower than the budget.  A parse shorter
    than ``min_time`` is repeated until that much time has passed, and the mean is
    returned: a point of a few milliseconds timed once moves with one late wake-up
    by more than the 4.5x-per-4x target allows."""
    gc.collect()
    start = time.perf_counter()
    parses = 0
    while True:
        chunks = _one_event_chunks(size, step)
        try:
            if not _is_peer(c.name):  # no watchdog: its per-chunk cost would count
                n = sum(1 for _ in c.events(chunks))
            else:
                n = sum(1 for _ in c.events(_watched(chunks, start + budget)))
        except _Timeout:
            return None
        if n != 1:
            return None
        parses += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / parses


def _append_only(chunks: Iterator[bytes]) -> list[bytearray]:
    buffer = bytearray()
    for piece in chunks:
        buffer += piece
    return [buffer]


def _scaling(report: Report, cfg: _Config, log: Callable[[str], None]) -> None:
    contenders, _ = decoders(unbounded=True)
    contenders.append(Contender(_BASELINE, _append_only, lambda e: ("", "")))
    sizes = []
    s = 16 * 1024
    while s <= cfg.scaling_max:
        sizes.append(s)
        s *= 2
    steps = (1, 16)
    # Three rounds (the full run) over everything (both chunk sizes, every contender,
    # all the sizes), best time per point: the repeats of a point are a whole round
    # apart (about half a minute in the full run), so a slow spell of a few seconds
    # on a shared machine cannot hit all three and read as superlinear growth.
    best: dict[tuple[int, str, int], float | None] = {}
    measured: dict[tuple[int, str], list[int]] = {}
    rounds = cfg.scaling_rounds
    for round_ in range(rounds):
        for step in steps:
            for c in contenders:
                if round_ == 0:
                    done = measured[step, c.name] = []
                    for size in sizes:
                        elapsed = best[step, c.name, size] = _scaling_run(
                            c, size, step, cfg.budget, cfg.scaling_min_time
                        )
                        if elapsed is not None:  # (a wrong or timed-out run is not repeated)
                            done.append(size)
                        # Peers stop once one run exceeds a quarter of the budget;
                        # we (and the baseline) always go to the end.
                        if _is_peer(c.name) and (elapsed is None or elapsed > cfg.budget / 4):
                            break
                    continue
                for size in measured[step, c.name]:
                    elapsed = _scaling_run(c, size, step, cfg.budget, cfg.scaling_min_time)
                    if elapsed is not None:
                        key = (step, c.name, size)
                        best[key] = min(best[key] or elapsed, elapsed)
        log(f"  scaling, round {round_ + 1} of {rounds}: done")
    for step in steps:
        report.scaling[f"{step}-byte chunks"] = {
            c.name: [(size, best.get((step, c.name, size))) for size in sizes] for c in contenders
        }


def _peak_memory(report: Report, cfg: _Config, log: Callable[[str], None]) -> None:
    # sse-codec's implementations in child processes, by RSS and tracemalloc (see
    # memory.py: tracemalloc cannot see a C extension's malloc); the peers, pure
    # Python, by tracemalloc in this process, where it sees all they allocate.
    size = cfg.big
    report.peak_event_size = size
    labels, _ = implementations()
    for label, _cls in labels:
        one, measured = memory.peak(_MODULES[label], size)
        report.peak_memory[label] = ("ok" if one else "WRONG", measured.traced, measured.rss)
        if measured.rss is not None and measured.rss > 1.25 * measured.traced + 256 * 1024:
            # The C decoder is written to allocate through PyMem_*, which tracemalloc
            # sees; this says so when that stops being true.
            report.notes.append(
                f"{label}: RSS peak {_fmt_size(measured.rss)} against tracemalloc's"
                f" {_fmt_size(measured.traced)}: part of its memory is not allocated"
                " through Python's allocators (tracemalloc cannot see it)"
            )
    contenders, _ = decoders()
    chunks = chunk(WORKLOADS["big_event_4mib"](size), "1460")
    for c in contenders:
        if not _is_peer(c.name):
            continue
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            try:
                deadline = time.perf_counter() + cfg.budget * 4
                n = sum(1 for _ in c.events(_watched(chunks, deadline)))
            except _Timeout:
                report.peak_memory[c.name] = ("slow", None, None)
                continue
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
        report.peak_memory[c.name] = ("ok" if n == 1 else "WRONG", peak, None)
    log("  peak memory: done")


def _idle_memory(report: Report, cfg: _Config, log: Callable[[str], None]) -> None:
    # Per decoder, over many decoders in a child process per implementation.  "held"
    # is what the decoder must keep: the buffered data values, the unfinished line,
    # the event type and id texts; the rest is overhead.
    held = {label: n for label, _, n in memory.IDLE_STATES}
    labels, _ = implementations()
    for label, _cls in labels:
        got = memory.idle(_MODULES[label], cfg.idle_count)
        report.idle_memory[label] = {
            state: (held[state], m.traced, m.rss) for state, m in got.items()
        }
    log("  idle memory: done")


_SINGLE = (
    '{"id":"chatcmpl-AbC123xYz","object":"chat.completion.chunk","created":1732000000,'
    '"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" café"},'
    '"logprobs":null,"finish_reason":null}]}'
)
_MULTI = "\n".join(f"line {i}: the quick brown fox jumps over the lazy dog" for i in range(5))


def _time_call(fn: Callable[..., bytes], args: tuple[str, ...], loops: int) -> float:
    # A direct call with positional arguments, as a user writes it (no *args).
    gc.disable()
    try:
        if len(args) == 1:
            (a,) = args
            start = time.perf_counter()
            for _ in itertools.repeat(None, loops):
                fn(a)
        else:
            a, b, c = args
            start = time.perf_counter()
            for _ in itertools.repeat(None, loops):
                fn(a, b, c)
        return (time.perf_counter() - start) / loops
    finally:
        gc.enable()


def _encoders(report: Report, cfg: _Config, log: Callable[[str], None]) -> None:
    found, notes = encoders()
    report.notes += notes
    dec_single = list(iter_events([found[0].single(_SINGLE)]))
    single: dict[str, tuple[Callable[..., bytes], tuple[str, ...]]] = {}
    multi: dict[str, tuple[Callable[..., bytes], tuple[str, ...]]] = {}
    for e in found:
        # Check before timing: our decoder must read each output back as the same event.
        if list(iter_events([e.single(_SINGLE)])) != dec_single:
            report.notes.append(f"{e.name}: single-line output differs")
        single[e.name] = (e.single, (_SINGLE,))
        if e.multi is not None:
            got = [(x.event, x.data, x.id) for x in iter_events([e.multi(_MULTI, "update", "42")])]
            if got != [("update", _MULTI, "42")]:
                report.notes.append(f"{e.name}: multi-line output differs")
            multi[e.name] = (e.multi, (_MULTI, "update", "42"))
    loops = cfg.encoder_loops
    for case, fns in (("single-line JSON", single), ("multi-line + event + id", multi)):
        samples: dict[str, list[float]] = {n: [] for n in fns}
        names = list(fns)
        for r in range(max(cfg.repeats, 5)):
            shift = r % len(names)
            for n in names[shift:] + names[:shift]:
                samples[n].append(_time_call(*fns[n], loops))
        report.encoder[case] = {n: statistics.median(v) for n, v in samples.items()}
    log("  encoders: done")


# -- targets and rendering -----------------------------------------------------------------

#: The chunkings where the OpenAI chat streams must be 8x the fastest peer: whole,
#: one event per chunk, and network-sized chunks.
_EIGHT_X = ("whole", "per_event", "1460", "4096", "16384", "random")


def _need(cell: Cell) -> float:
    return 8.0 if cell.workload.startswith("openai_chat") and cell.chunking in _EIGHT_X else 5.0


def _targets(report: Report) -> None:
    """The issue's targets for the compiled decoder (checked in the full run only;
    the Python decoder is the reference and reported without targets)."""
    t = report.targets
    if C not in report.implementations:
        report.notes.append(f"{C} is not built: its targets are not checked.")
        return
    for cell in report.cells:
        where = f"{cell.workload}/{cell.chunking}"
        need = _need(cell)
        for api in ("iter_events", "feed"):
            name = f"{C} {api}"
            r = cell.results.get(name)
            if r is None:
                continue
            if r.status != "ok":
                t.append((False, f"{where}, {api}: {r.status} ({r.note})"))
                continue
            vs = cell.vs_peer(name)
            if vs is not None:
                msg = f"{where}, {api}: {vs[0]:.2f}x the fastest correct peer ({vs[1]})"
                t.append((vs[0] >= need, f"{msg}, need {need:g}x"))
            low = cell.vs_floor(name)
            if cell.chunking == "whole" and low is not None:
                t.append((low <= 2.0, f"{where}, {api}: {low:.2f}x the floor's time, need <= 2x"))
    for label, series in report.scaling.items():
        times = {s: v for s, v in series.get(C, []) if v is not None}
        ratios = [times[s] / times[s // 4] for s in times if s // 4 in times and s >= 256 * 1024]
        if ratios:
            worst = max(ratios)
            msg = f"scaling, {label}: worst time ratio per 4x size {worst:.2f} (need <= 4.5)"
            t.append((worst <= 4.5, msg))
    status, _, rss = report.peak_memory.get(C, ("", None, None))
    if rss is not None:
        times_size = rss / report.peak_event_size
        msg = f"peak memory (RSS), big event in 1460-byte chunks: {times_size:.3f}x its size"
        t.append((times_size <= 2.0 and status == "ok", f"{msg} (need <= 2x)"))
    for workload, _, mbs in report.node:
        ours, theirs = mbs.get(f"{C} iter_events"), mbs.get(_NODE)
        if ours is not None and theirs is not None:
            msg = f"stretch: {workload} whole, {ours / theirs:.2f}x eventsource-parser's speed"
            t.append((ours > theirs, f"{msg} on Node.js (need > 1x)"))
    for state, (held, _, per) in report.idle_memory.get(C, {}).items():
        if per is not None:
            beyond = per - held
            msg = f"idle decoder (RSS), {state}: {beyond} bytes beyond what it holds"
            t.append((beyond <= 200, f"{msg} (need <= 200)"))


def _encoder_targets(report: Report) -> None:
    # From the earlier performance issue; the encoder has one implementation.
    t = report.targets
    single = report.encoder.get("single-line JSON", {})
    if _OURS in single and "f-string" in single:
        r = single[_OURS] / single["f-string"]
        t.append((r <= 1.3, f"encoder, single-line: {r:.2f}x the f-string baseline (need <= 1.3x)"))
    multi = report.encoder.get("multi-line + event + id", {})
    if _OURS in multi and "sse-starlette" in multi:
        r = multi["sse-starlette"] / multi[_OURS]
        t.append((r > 1.0, f"encoder, multi-line: {r:.2f}x faster than sse-starlette (need > 1x)"))


def _fmt_size(n: int) -> str:
    """``n`` bytes for a reader: 512 B, 8 KiB, 8.5 KiB, 64 MiB (one decimal at most)."""
    for unit, size in (("MiB", _MIB), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} B"


def _mbs(nbytes: int, seconds: float) -> str:
    return f"{nbytes / seconds / 1e6:,.1f}"


def _ratio_pair(cell: Cell, label: str) -> tuple[str, str]:
    # "iter_events / feed" for the fastest correct peer's ratio and the floor's.
    vs = [cell.vs_peer(f"{label} {api}") for api in ("iter_events", "feed")]
    lows = [cell.vs_floor(f"{label} {api}") for api in ("iter_events", "feed")]
    peers = {v[1] for v in vs if v is not None}
    peer = " / ".join(f"{v[0]:.2f}x" if v else "-" for v in vs)
    if peers:
        peer = f"**{peer}** ({', '.join(sorted(peers))})"
    else:
        peer = "no correct peer" if cell.best_peer() is None else peer
    low = " / ".join(f"{x:.2f}x" if x is not None else "-" for x in lows)
    return peer, low


def _result_text(cell: Cell, name: str) -> str:
    r = cell.results.get(name)
    if r is None:
        return "-"
    if r.seconds is None:
        return f"{r.status} ({r.note})"
    if r.status == "ok":
        return _mbs(cell.nbytes, r.seconds)
    return f"{_mbs(cell.nbytes, r.seconds)} {r.status} ({r.note})"


def _render_cells(report: Report, out: list[str]) -> None:
    ours = [n for n in report.contenders if _is_ours(n)]
    peers = [n for n in report.contenders if _is_peer(n)]
    shorts = [_short(label) for label in report.implementations]
    out.append("Throughput in MB/s (medians); higher is better.")
    out.append(
        "`X vs peer` = the fastest correct peer's time / X's time; `X / floor` = X's time /"
        " the floor's time; each as `iter_events / feed`.  The floor is"
        " `bytes.splitlines()` over the same bytes plus one tuple per event.\n"
    )
    for w in dict.fromkeys(c.workload for c in report.cells):
        out.append(f"### {w}\n")
        head = ["chunking", "size", "events", *ours, f"{ours[0]} events/s", FLOOR, *peers]
        for s in shorts:
            head += [f"{s} vs peer", f"{s} / floor"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for cell in (c for c in report.cells if c.workload == w):
            first = cell.results[ours[0]].seconds
            row = [cell.chunking, _fmt_size(cell.nbytes), str(cell.nevents)]
            row += [_result_text(cell, n) for n in ours]
            row.append(f"{cell.nevents / first:,.0f}" if first else "-")
            row += [_result_text(cell, n) for n in (FLOOR, *peers)]
            for label in report.implementations:
                row += list(_ratio_pair(cell, label))
            out.append("| " + " | ".join(row) + " |")
        out.append("")


def _render_scaling(report: Report, out: list[str]) -> None:
    for label, series in report.scaling.items():
        out.append(
            f"### Size doubling, one event in {label} (seconds; x = time / time at 1/4 the size)\n"
        )
        names = list(series)
        out.append("| size | " + " | ".join(names) + " |")
        out.append("|" + "---|" * (len(names) + 1))
        sizes = [s for s, _ in series[names[0]]]
        for i, size in enumerate(sizes):
            row = [_fmt_size(size)]
            for n in names:
                t = series[n][i][1]
                prev = series[n][i - 2][1] if i >= 2 else None
                if t is None:
                    row.append("-")
                else:
                    row.append(f"{t:.3f}" + (f" ({t / prev:.2f}x)" if prev else ""))
            out.append("| " + " | ".join(row) + " |")
        out.append("")


def _render_memory(report: Report, out: list[str]) -> None:
    if report.peak_memory:
        size = report.peak_event_size
        out.append(
            f"### Peak memory parsing one {_fmt_size(size)} event in 1460-byte chunks"
            " (input not counted)\n"
        )
        out.append(
            "sse-codec: a child process per implementation, RSS peak (everything, C"
            " allocations included) and tracemalloc (Python's allocators only); peers:"
            " tracemalloc in this process (pure Python: it sees all they allocate).\n"
        )
        out.append("| parser | tracemalloc peak | x event size | RSS peak | x event size |")
        out.append("|---|---|---|---|---|")
        for n, (status, traced, rss) in report.peak_memory.items():
            flag = "" if status == "ok" else f" {status}"
            cells = []
            for v in (traced, rss):
                cells += ["-", "-"] if v is None else [f"{_fmt_size(v)}{flag}", f"{v / size:.2f}"]
            out.append(f"| {n} | " + " | ".join(cells) + " |")
        out.append("")
    if report.idle_memory:
        out.append(
            "### Memory of one idle decoder, in bytes beyond what it holds"
            " (a child process per implementation; mean over many decoders)\n"
        )
        labels = list(report.idle_memory)
        head = ["state", "held"]
        for label in labels:
            head += [f"{label} tracemalloc", f"{label} RSS"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for state, (held, _, _) in report.idle_memory[labels[0]].items():
            row = [state, str(held)]
            for label in labels:
                _, traced, rss = report.idle_memory[label][state]
                row += [str(traced - held), "-" if rss is None else str(rss - held)]
            out.append("| " + " | ".join(row) + " |")
        out.append("")


def _render(report: Report) -> str:
    out: list[str] = []
    if report.quick:
        out.append(
            "**Smoke run (--quick)**: small sizes and few samples, to show that every part "
            "runs. The numbers are not measurements and no targets are judged; run without "
            "--quick to measure.\n"
        )
    if report.cells:
        _render_cells(report, out)
    if report.node:
        out.append("### eventsource-parser on Node.js, the same bytes (MB/s, medians)\n")
        out.append(
            "A separate process (not interleaved with the rows above); sse-codec's"
            " columns are from the table above.\n"
        )
        names = list(dict.fromkeys(n for _, _, mbs in report.node for n in mbs))
        out.append("| workload | size | " + " | ".join(names) + " |")
        out.append("|" + "---|" * (len(names) + 2))
        for workload, nbytes, mbs in report.node:
            row = [workload, _fmt_size(nbytes)]
            row += [f"{mbs[n]:,.1f}" if n in mbs else "-" for n in names]
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    _render_scaling(report, out)
    _render_memory(report, out)
    if report.encoder:
        out.append("### Encoders, time per event (ns, medians)\n")
        names = list(next(iter(report.encoder.values())))
        out.append("| case | " + " | ".join(names) + " |")
        out.append("|" + "---|" * (len(names) + 1))
        for case, res in report.encoder.items():
            out.append(
                f"| {case} | "
                + " | ".join(f"{res[n] * 1e9:,.0f}" if n in res else "-" for n in names)
                + " |"
            )
        out.append("")
    if report.server is not None:
        out.append(report.server.markdown())
    if report.targets and not report.quick:
        out.append(f"### Targets ({C}, the encoder, the server)\n")
        met = sum(1 for ok, _ in report.targets if ok)
        out.append(f"{met} of {len(report.targets)} checks met.")
        out.extend(f"- {'MET' if ok else 'MISSED'}: {m}" for ok, m in report.targets)
        out.append("")
    if report.notes:
        out.append("Notes:")
        out.extend(f"- {n}" for n in dict.fromkeys(report.notes))
    return "\n".join(out)


def machine() -> str:
    """One line naming the Python, the OS and the CPU."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs, {cpu}"
    )


def _node(
    report: Report, cfg: _Config, workloads: Sequence[str], log: Callable[[str], None]
) -> None:
    # The whole OpenAI streams (the stretch target is on those), beside our own
    # whole-stream cells when this run measured them.
    names = [w for w in workloads if w.startswith("openai_chat")]
    if report.quick:
        report.notes.append("eventsource-parser (Node.js): not run in the smoke run")
        return
    if not names:
        return
    streams = {w: b"".join(_cell_chunks(w, "whole", cfg)) for w in names}
    got, why = node.eventsource_parser(streams, min_time=cfg.min_time, repeats=cfg.repeats)
    if why is not None:
        report.notes.append(why)
    for w, (events, seconds) in got.items():
        nbytes = len(streams[w])
        mbs: dict[str, float] = {}
        cell = next((c for c in report.cells if (c.workload, c.chunking) == (w, "whole")), None)
        if cell is not None:
            for label in report.implementations:
                t = cell.seconds(f"{label} iter_events")
                if t is not None:
                    mbs[f"{label} iter_events"] = nbytes / t / 1e6
            if events != cell.nevents:
                report.notes.append(
                    f"eventsource-parser: {events} events on {w}, expected {cell.nevents}"
                )
        mbs[_NODE] = nbytes / seconds / 1e6
        report.node.append((w, nbytes, mbs))
    log("  eventsource-parser on Node.js: done")


def run(
    quick: bool = False,
    *,
    workloads: Sequence[str] | None = None,
    chunkings: Sequence[str] | None = None,
    parts: Sequence[str] = PARTS,
    log: Callable[[str], None] | None = None,
) -> Report:
    """Run the benchmark and return its :class:`Report` (``quick``: small sizes, seconds,
    no targets checked).

    ``workloads``/``chunkings`` select cells (default: all); ``parts`` selects the
    sections (see ``PARTS``).  Peers that are not installed, the compiled decoder when
    it is not built and Node.js when it is missing are skipped with a note.  Raises
    ``ValueError`` for an unknown workload, chunking or part.
    """
    cfg = _QUICK if quick else _FULL
    say = log or (lambda _msg: None)
    ws = list(workloads or WORKLOADS)
    cs = list(chunkings or CHUNKINGS)
    bad = [w for w in ws if w not in WORKLOADS] + [c for c in cs if c not in CHUNKINGS]
    bad += [p for p in parts if p not in PARTS]
    if bad:
        raise ValueError(f"unknown workload, chunking or part: {', '.join(bad)}")
    report = Report(quick)
    found, notes = implementations()
    report.implementations = [label for label, _ in found]
    report.notes += notes
    decoders()  # import every peer now, so the freeze below covers their modules
    # Everything alive now stays alive: frozen, the collections before each sample
    # scan only what the run makes (140 ms each with the peers' modules, 2 us frozen).
    gc.freeze()
    # The encoders are timed before the size doubling: after its 64 MiB buffers the
    # encoders in the process measured 23%-75% slower, not all alike (sse-codec 1.17x
    # -> 1.38x the f-string; see benchmarks/README.md).
    if "cells" in parts:
        _cells(report, cfg, ws, cs, say)
    if "encoder" in parts:
        _encoders(report, cfg, say)
    if "node" in parts:
        _node(report, cfg, ws, say)
    if "scaling" in parts:
        _scaling(report, cfg, say)
    if "memory" in parts:
        _peak_memory(report, cfg, say)
        _idle_memory(report, cfg, say)
    # A smoke run's few seconds of timing on a busy machine gave one cell 0.39x, 4.09x
    # and 6.00x in three runs: verdicts on such numbers would be noise.
    if not quick:
        _targets(report)
        _encoder_targets(report)
    if "server" in parts:
        # Last: it runs servers in child processes, and leaves this one as it was.
        report.server = server.run(quick, log=say)
        report.targets += report.server.targets
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the report as Markdown; returns the exit status (0)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, no targets checked (smoke test)"
    )
    parser.add_argument("--workloads", help="comma-separated subset of: " + ", ".join(WORKLOADS))
    parser.add_argument("--chunkings", help="comma-separated subset of: " + ", ".join(CHUNKINGS))
    parser.add_argument(
        "--parts",
        default=",".join((*PARTS, "pipeline")),
        help="comma-separated sections to run (pipeline: benchmarks/pipeline.py)",
    )
    args = parser.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    started = time.time()
    parts = args.parts.split(",")
    # The LLM pipeline (bytes to accumulated answer) has its own module and report.
    pipeline_report = pipeline.run(args.quick, log=log) if "pipeline" in parts else None
    report = run(
        args.quick,
        workloads=args.workloads.split(",") if args.workloads else None,
        chunkings=args.chunkings.split(",") if args.chunkings else None,
        parts=[p for p in parts if p != "pipeline"],
        log=log,
    )
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}; {machine()}")
    args_text = " ".join(argv if argv is not None else sys.argv[1:])
    print(f"Command: python -m benchmarks.bench {args_text}\n")
    print(report.markdown())
    if pipeline_report is not None:
        print(pipeline.render(pipeline_report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
