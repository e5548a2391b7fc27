"""sse-codec beside the other Python SSE parsers and encoders, in one process.

Run ``python -m benchmarks.bench`` from a checkout (``--quick`` for a smoke run of a
few seconds).  Every contender runs in the same process, interleaved round-robin
(each repeat runs them all once, in rotating order), and the table reports medians
of those samples and their ratios, so a busy machine slows everyone alike.

Before anything is timed, each peer's output for the cell is compared with
sse-codec's (event count, types and data); a peer that differs is shown as WRONG,
and one that needs more than the time budget (the quadratic ones, on big events in
small chunks) is shown as ``slow``, not timed.

Also measured: a size-doubling run (one event in 1- and 16-byte chunks) that shows
how time grows with size, peak memory while parsing a 4 MiB event, the memory of
idle decoders, and the encoders.
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

from sse_codec import SSEDecoder, iter_events

from . import server
from .contenders import Contender, decoders, encoders
from .server import ServerReport
from .workloads import CHUNKINGS, SMALL_CHUNKINGS, WORKLOADS, chunk

__all__ = ["Cell", "Report", "cell_chunks", "main", "run"]

_MIB = 1024 * 1024
_OURS = "sse-codec"
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
    encoder_loops: int


_FULL = _Config(512 * 1024, 48 * 1024, 4 * _MIB, 512 * 1024, 7, 0.05, 4.0, 64 * _MIB, 0.2, 100_000)
_QUICK = _Config(8 * 1024, 1024, 64 * 1024, 8 * 1024, 1, 0.001, 0.3, 128 * 1024, 0.001, 2_000)


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

    def ratio_vs_best_correct(self) -> tuple[float, str] | None:
        """Best correct peer's time / ours, and that peer's name."""
        ours = self.results[_OURS].seconds
        peers = [
            (r.seconds, n)
            for n, r in self.results.items()
            if n != _OURS and r.status == "ok" and r.seconds is not None
        ]
        if ours is None or not peers:
            return None
        best, name = min(peers)
        return best / ours, name

    def ratio_vs_fastest_any(self) -> tuple[float, str] | None:
        """Fastest timed peer's time (correct or not) / ours."""
        ours = self.results[_OURS].seconds
        peers = [
            (r.seconds, n) for n, r in self.results.items() if n != _OURS and r.seconds is not None
        ]
        if ours is None or not peers:
            return None
        best, name = min(peers)
        return best / ours, name


@dataclass(slots=True)
class Report:
    """Everything one run measured; ``markdown()`` renders it."""

    quick: bool
    cells: list[Cell] = field(default_factory=list)
    scaling: dict[str, dict[str, list[tuple[int, float | None]]]] = field(default_factory=dict)
    peak_memory: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    peak_event_size: int = 0
    idle_memory: dict[str, tuple[int, int]] = field(default_factory=dict)
    encoder: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    contenders: list[str] = field(default_factory=list)
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
    events = [c.key(e) for e in c.events(_watched(chunks, start + budget))]
    elapsed = time.perf_counter() - start
    if elapsed > budget:
        raise _Timeout
    return events, elapsed


def _sample(c: Contender, chunks: Sequence[bytes], loops: int) -> float:
    consume = deque[Any](maxlen=0).extend
    events = c.events
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(loops):
            consume(events(iter(chunks)))
        return (time.perf_counter() - start) / loops
    finally:
        gc.enable()


def _measure_cell(
    contenders: list[Contender], cell: Cell, chunks: list[bytes], cfg: _Config
) -> None:
    loops: dict[str, int] = {}
    reference, t0 = _check(contenders[0], chunks, math.inf)
    cell.nevents = len(reference)
    loops[_OURS] = max(1, math.ceil(cfg.min_time / max(t0, 1e-7)))
    for c in contenders[1:]:
        try:
            got, t = _check(c, chunks, cfg.budget)
        except _Timeout:
            cell.results[c.name] = Result("slow", note=f">{cfg.budget:g} s")
            continue
        except Exception as exc:  # a crashing peer is a result, not a harness failure
            cell.results[c.name] = Result("error", note=type(exc).__name__)
            continue
        status = "ok" if got == reference else "WRONG"
        note = "" if status == "ok" else f"{len(got)} events, expected {len(reference)}"
        if status == "WRONG" and len(got) == len(reference):
            note = "data differs"
        cell.results[c.name] = Result(status, note=note)
        loops[c.name] = max(1, math.ceil(cfg.min_time / max(t, 1e-7)))
    timed = [c for c in contenders if c.name in loops]
    samples: dict[str, list[float]] = {c.name: [] for c in timed}
    for r in range(cfg.repeats):
        shift = r % len(timed)
        for c in timed[shift:] + timed[:shift]:
            samples[c.name].append(_sample(c, chunks, loops[c.name]))
    cell.results[_OURS] = Result("ok", statistics.median(samples[_OURS]))
    for c in timed[1:]:
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
            if c.name in (_OURS, _BASELINE):  # no watchdog: its per-chunk cost would count
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
    # Three rounds over everything (both chunk sizes, every contender, all the sizes),
    # best time per point: the repeats of a point are a whole round apart (about half
    # a minute in the full run), so a slow spell of a few seconds on a shared machine
    # cannot hit all three and read as superlinear growth.
    best: dict[tuple[int, str, int], float | None] = {}
    measured: dict[tuple[int, str], list[int]] = {}
    for round_ in range(3):
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
                        if c.name not in (_OURS, _BASELINE) and (
                            elapsed is None or elapsed > cfg.budget / 4
                        ):
                            break
                    continue
                for size in measured[step, c.name]:
                    elapsed = _scaling_run(c, size, step, cfg.budget, cfg.scaling_min_time)
                    if elapsed is not None:
                        key = (step, c.name, size)
                        best[key] = min(best[key] or elapsed, elapsed)
        log(f"  scaling, round {round_ + 1} of 3: done")
    for step in steps:
        report.scaling[f"{step}-byte chunks"] = {
            c.name: [(size, best.get((step, c.name, size))) for size in sizes] for c in contenders
        }


def _peak_memory(report: Report, cfg: _Config, log: Callable[[str], None]) -> None:
    contenders, _ = decoders()
    size = cfg.big
    chunks = chunk(WORKLOADS["big_event_4mib"](size), "1460")
    report.peak_event_size = size
    for c in contenders:
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            try:
                deadline = time.perf_counter() + cfg.budget * 4
                n = sum(1 for _ in c.events(_watched(chunks, deadline)))
            except _Timeout:
                report.peak_memory[c.name] = ("slow", None)
                continue
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
        report.peak_memory[c.name] = ("ok" if n == 1 else "WRONG", peak)
    log("  peak memory: done")


def _idle_memory(report: Report) -> None:
    # Per decoder, over many decoders so allocator noise averages out.  "held" is what
    # the decoder must keep: the buffered data values, the unfinished line, the event
    # type and id texts; the rest is overhead.
    count = 2000
    parked = b"event: update\nid: 42\ndata: first line\ndata: second li"
    held_parked = len(b"update") + len(b"42") + len(b"first line") + len(b"data: second li")
    line = b'data: {"id":"chatcmpl-AbC123xYz","object":"chat.completion.chunk","cre'
    states = (
        ("fresh", b"", 0),
        ("parked mid-line (a token event cut by the network)", line, len(line)),
        ("parked mid-event (event, id, one data line, half a line)", parked, held_parked),
    )
    for label, feed, held in states:
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            keep = []
            for _ in range(count):
                d = SSEDecoder()
                d.feed(feed)
                keep.append(d)
            used = tracemalloc.get_traced_memory()[0] - base
        finally:
            tracemalloc.stop()
        per = (used - sys.getsizeof(keep)) // count
        report.idle_memory[label] = (per, per - held)


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

_NETWORK = ("per_event", "1460", "4096", "16384", "random")


def _targets(report: Report) -> None:
    t = report.targets
    for cell in report.cells:
        best = cell.ratio_vs_best_correct()
        anyp = cell.ratio_vs_fastest_any()
        where = f"{cell.workload}/{cell.chunking}"
        need = 3.0 if cell.workload == "openai_chat" and cell.chunking in _NETWORK else 1.5
        if best is not None:
            t.append(
                (
                    best[0] >= need,
                    f"{where}: {best[0]:.2f}x the fastest correct peer ({best[1]}), need {need:g}x",
                )
            )
        if anyp is not None and anyp[0] < 1.0:
            t.append((False, f"{where}: slower than {anyp[1]} ({anyp[0]:.2f}x)"))
    for label, series in report.scaling.items():
        times = {s: t for s, t in series.get(_OURS, []) if t is not None}
        points = list(times.items())
        ratios = [
            times[s] / times[s // 4] for s, _ in points if s // 4 in times and s >= 256 * 1024
        ]
        if ratios:
            worst = max(ratios)
            t.append(
                (
                    worst <= 4.5,
                    f"scaling, {label}: worst time ratio per 4x size {worst:.2f} (need <= 4.5)",
                )
            )
    _, peak = report.peak_memory.get(_OURS, ("", None))
    if peak is not None:
        r = peak / report.peak_event_size
        t.append(
            (
                r <= 2.5,
                f"peak memory, big event in 1460-byte chunks: {r:.2f}x its size (need <= 2.5x)",
            )
        )
    for label, (_, beyond) in report.idle_memory.items():
        t.append(
            (
                beyond <= 300,
                f"idle decoder, {label}: {beyond} bytes beyond what it holds (need <= 300)",
            )
        )
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


def _render(report: Report) -> str:
    out: list[str] = []
    peers = [n for n in report.contenders if n != _OURS]
    if report.quick:
        out.append(
            "**Smoke run (--quick)**: small sizes and few samples, to show that every part "
            "runs. The numbers are not measurements and no targets are judged; run without "
            "--quick to measure.\n"
        )
    if report.cells:
        out.append("Throughput in MB/s (medians); higher is better. sse-codec also in events/s.")
        out.append("`ratio` = the fastest correct peer's time / sse-codec's time.\n")
    for w in dict.fromkeys(c.workload for c in report.cells):
        out.append(f"### {w}\n")
        head = [
            "chunking",
            "size",
            "events",
            "sse-codec MB/s",
            "sse-codec events/s",
            *peers,
            "ratio",
        ]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for cell in (c for c in report.cells if c.workload == w):
            ours = cell.results[_OURS].seconds
            assert ours is not None
            row = [
                cell.chunking,
                _fmt_size(cell.nbytes),
                str(cell.nevents),
                _mbs(cell.nbytes, ours),
                f"{cell.nevents / ours:,.0f}",
            ]
            for p in peers:
                r = cell.results.get(p)
                if r is None:
                    row.append("-")
                elif r.seconds is None:
                    row.append(f"{r.status} ({r.note})")
                elif r.status == "ok":
                    row.append(_mbs(cell.nbytes, r.seconds))
                else:
                    row.append(f"{_mbs(cell.nbytes, r.seconds)} WRONG ({r.note})")
            best = cell.ratio_vs_best_correct()
            row.append(f"**{best[0]:.2f}x** ({best[1]})" if best else "no correct peer")
            out.append("| " + " | ".join(row) + " |")
        out.append("")
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
    if report.peak_memory:
        out.append(
            f"### Peak memory parsing one {_fmt_size(report.peak_event_size)} event"
            " in 1460-byte chunks (tracemalloc, input not counted)\n"
        )
        out.append("| parser | peak | x event size |")
        out.append("|---|---|---|")
        for n, (status, peak) in report.peak_memory.items():
            if peak is None:
                out.append(f"| {n} | {status} | - |")
            else:
                flag = "" if status == "ok" else f" {status}"
                out.append(
                    f"| {n} | {_fmt_size(peak)}{flag} | {peak / report.peak_event_size:.2f} |"
                )
        out.append("")
    if report.idle_memory:
        out.append("### Memory of one idle SSEDecoder (tracemalloc, mean of 2000)\n")
        out.append("| state | bytes | beyond the bytes it holds |")
        out.append("|---|---|---|")
        for label, (per, beyond) in report.idle_memory.items():
            out.append(f"| {label} | {per} | {beyond} |")
        out.append("")
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
        out.append("### Targets\n")
        missed = [m for ok, m in report.targets if not ok]
        met = sum(1 for ok, _ in report.targets if ok)
        out.append(f"{met} of {len(report.targets)} checks met.")
        out.extend(f"- MISSED: {m}" for m in missed)
        out.append("")
    if report.notes:
        out.append("Notes:")
        out.extend(f"- {n}" for n in report.notes)
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


def run(
    quick: bool = False,
    *,
    workloads: Sequence[str] | None = None,
    chunkings: Sequence[str] | None = None,
    parts: Sequence[str] = ("cells", "scaling", "memory", "encoder", "server"),
    log: Callable[[str], None] | None = None,
) -> Report:
    """Run the benchmark and return its :class:`Report` (``quick``: small sizes, seconds).

    ``workloads``/``chunkings`` select cells (default: all); ``parts`` selects the
    sections.  Peers that are not installed are skipped with a note.  Raises
    ``ValueError`` for an unknown workload, chunking or part.
    """
    cfg = _QUICK if quick else _FULL
    say = log or (lambda _msg: None)
    ws = list(workloads or WORKLOADS)
    cs = list(chunkings or CHUNKINGS)
    bad = [w for w in ws if w not in WORKLOADS] + [c for c in cs if c not in CHUNKINGS]
    bad += [p for p in parts if p not in ("cells", "scaling", "memory", "encoder", "server")]
    if bad:
        raise ValueError(f"unknown workload, chunking or part: {', '.join(bad)}")
    report = Report(quick)
    # The encoders are timed before the size doubling: after its 64 MiB buffers the
    # encoders in the process measured 23%-75% slower, not all alike (sse-codec 1.17x
    # -> 1.38x the f-string; see benchmarks/README.md).
    if "cells" in parts:
        _cells(report, cfg, ws, cs, say)
    if "encoder" in parts:
        _encoders(report, cfg, say)
    if "scaling" in parts:
        _scaling(report, cfg, say)
    if "memory" in parts:
        _peak_memory(report, cfg, say)
        _idle_memory(report)
    # A smoke run's few seconds of timing on a busy machine gave one cell 0.39x, 4.09x
    # and 6.00x in three runs: verdicts on such numbers would be noise.
    if not quick:
        _targets(report)
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
        "--quick", action="store_true", help="small sizes, a few seconds (smoke test)"
    )
    parser.add_argument("--workloads", help="comma-separated subset of: " + ", ".join(WORKLOADS))
    parser.add_argument("--chunkings", help="comma-separated subset of: " + ", ".join(CHUNKINGS))
    parser.add_argument(
        "--parts",
        default="cells,scaling,memory,encoder,server",
        help="comma-separated sections to run",
    )
    args = parser.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    started = time.time()
    report = run(
        args.quick,
        workloads=args.workloads.split(",") if args.workloads else None,
        chunkings=args.chunkings.split(",") if args.chunkings else None,
        parts=args.parts.split(","),
        log=log,
    )
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}; {machine()}")
    args_text = " ".join(argv if argv is not None else sys.argv[1:])
    print(f"Command: python -m benchmarks.bench {args_text}\n")
    print(report.markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
