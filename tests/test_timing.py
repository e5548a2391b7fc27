"""sse_codec.timing: the figures from a scripted clock, and the wrappers pass items through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from sse_codec import iter_events
from sse_codec.timing import StreamTimer, TimingReport


class ScriptedClock:
    """A clock that reads ``now``, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def paced(clock: ScriptedClock, steps: list[tuple[float, bytes]]) -> Iterator[bytes]:
    for delay, chunk in steps:
        clock.now += delay
        yield chunk


def test_figures_from_known_arrival_times() -> None:
    clock = ScriptedClock()
    timer = StreamTimer(clock=clock)
    steps = [
        (0.5, b": hello\n\n"),  # first byte at 0.5 s, no event
        (0.25, b"data: a\n\n"),  # event 1 at 0.75
        (0.25, b"data: b\n\n"),  # event 2 at 1.0
        (1.0, b"data: c\n\ndata: d\n\n"),  # events 3 and 4 at 2.0
    ]
    seen = []
    for event in timer.events(iter_events(timer.chunks(paced(clock, steps)))):
        if event.data in ("b", "c"):
            timer.first_token()  # the call at "c" is ignored: only the first counts
        seen.append(event.data)
    assert seen == ["a", "b", "c", "d"]
    report = timer.report(output_tokens=10)
    assert report.time_to_first_byte == 0.5
    assert report.time_to_first_event == 0.75
    assert report.time_to_first_token == 1.0
    assert (report.events, report.chunks, report.bytes) == (4, 4, 45)
    # Gaps: 0.25, 1.0, 0.0 -> sorted 0.0, 0.25, 1.0; nearest-rank median 0.25, p95 1.0.
    assert (report.gap_median, report.gap_p95, report.gap_max) == (0.25, 1.0, 1.0)
    assert report.elapsed == 2.0
    assert report.events_per_second == 2.0
    assert report.bytes_per_second == 22.5
    # 10 tokens from the first token (1.0) to the last event (2.0).
    assert report.output_tokens_per_second == 10.0
    line = report.line()
    assert "first byte 500.0 ms" in line
    assert "first token 1000.0 ms" in line
    assert "gaps median 250.0 ms, p95 1000.0 ms, max 1000.0 ms" in line
    assert "10 output tokens at 10.0/s" in line
    assert report.to_dict()["events"] == 4


def test_nothing_arrived_gives_none_not_a_division_error() -> None:
    clock = ScriptedClock()
    timer = StreamTimer(clock=clock)
    assert list(timer.chunks([])) == []
    report = timer.report(output_tokens=5)
    assert report == TimingReport(
        elapsed=0.0,
        bytes=0,
        chunks=0,
        events=0,
        time_to_first_byte=None,
        time_to_first_event=None,
        time_to_first_token=None,
        gap_median=None,
        gap_p95=None,
        gap_max=None,
        events_per_second=None,
        bytes_per_second=None,
        output_tokens=5,
        output_tokens_per_second=None,
    )
    assert report.line() == "0.0 ms in all"


def test_tokens_per_second_without_a_token_mark_starts_at_the_first_event() -> None:
    clock = ScriptedClock()
    timer = StreamTimer(clock=clock)
    for delay in (1.0, 0.5, 0.5):
        clock.now += delay
        timer.event()
    report = timer.report(output_tokens=4)
    assert report.output_tokens_per_second == 4.0
    assert report.time_to_first_token is None
    assert timer.report().output_tokens_per_second is None


def test_p95_is_a_gap_that_occurred() -> None:
    clock = ScriptedClock()
    timer = StreamTimer(clock=clock)
    timer.event()
    for n in range(1, 21):  # gaps 1..20 ms
        clock.now += n / 1000
        timer.event()
    report = timer.report()
    assert report.gap_p95 == pytest.approx(0.019)
    assert report.gap_median == pytest.approx(0.010)
    assert report.gap_max == pytest.approx(0.020)


def test_restart_forgets_and_restarts_the_clock() -> None:
    clock = ScriptedClock()
    timer = StreamTimer(clock=clock)
    timer.chunk(3)
    timer.event()
    clock.now += 5
    timer.restart()
    clock.now += 1
    timer.chunk(2)
    report = timer.report()
    assert (report.bytes, report.events, report.time_to_first_byte) == (2, 0, 1.0)


def test_async_wrappers_time_what_passes_through() -> None:
    clock = ScriptedClock()
    timer = StreamTimer(clock=clock)

    async def source() -> AsyncIterator[bytes]:
        for chunk in (b"ab", b"", b"cde"):
            clock.now += 0.5
            yield chunk

    async def labels() -> AsyncIterator[str]:
        async for chunk in timer.achunks(source()):
            yield chunk.decode()

    async def collect() -> list[str]:
        return [item async for item in timer.aevents(labels())]

    assert asyncio.run(collect()) == ["ab", "", "cde"]
    report = timer.report()
    # The empty chunk counts as a chunk, not as a first byte.
    assert (report.chunks, report.bytes, report.events) == (3, 5, 3)
    assert report.time_to_first_byte == 0.5


def test_the_readme_example_prints_what_it_says() -> None:
    import contextlib
    import io
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    (code,) = [
        block
        for block in re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
        if "from sse_codec.timing import StreamTimer" in block
    ]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {})
    counts, line = out.getvalue().splitlines()
    assert counts == "2 72"
    assert line.startswith("first byte ") and line.endswith(" ms in all")
    assert "1 output tokens at " in line
