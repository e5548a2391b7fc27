"""Stream timing: when a stream's bytes, events and first token arrived.

Wrap the iterators you already have; :class:`StreamTimer` records the arrival time
of each chunk and each event as your code reads it, and :meth:`StreamTimer.report`
turns them into the figures LLM-app developers log: time to first byte, event and
content token, the gaps between events, events and bytes per second, and output
tokens per second::

    from sse_codec import iter_events
    from sse_codec.timing import StreamTimer

    timer = StreamTimer()                       # time zero: just before the request
    response = client.send(request, stream=True)
    for event in timer.events(iter_events(timer.chunks(response.iter_bytes()))):
        text = text_of(event)
        if text:
            timer.first_token()                 # only the first call counts
    print(timer.report(output_tokens=usage_from_the_stream).line())

Standard library only; the clock is :func:`time.perf_counter` unless you pass one.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator, Sized
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

__all__ = ["StreamTimer", "TimingReport"]

T = TypeVar("T")
B = TypeVar("B", bound=Sized)


@dataclass(frozen=True, slots=True)
class TimingReport:
    """The figures of one stream; times in seconds from the timer's start.

    A figure is ``None`` when the stream gave nothing to measure it by (no byte,
    no event, fewer than two events, no token count, or no time elapsed).
    ``events_per_second`` and ``bytes_per_second`` are over the whole time from
    the start to the last arrival; ``output_tokens_per_second`` is over the time
    from the first content token (or first event) to the last event, the
    generation speed a user sees once the answer has started.
    """

    elapsed: float
    bytes: int
    chunks: int
    events: int
    time_to_first_byte: float | None
    time_to_first_event: float | None
    time_to_first_token: float | None
    gap_median: float | None
    gap_p95: float | None
    gap_max: float | None
    events_per_second: float | None
    bytes_per_second: float | None
    output_tokens: int | None
    output_tokens_per_second: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the figures as a new dict (JSON-ready)."""
        return asdict(self)

    def line(self) -> str:
        """Return the figures as one readable line (milliseconds, rates rounded)."""
        parts = [
            f"{label} {_ms(value)}"
            for label, value in (
                ("first byte", self.time_to_first_byte),
                ("first event", self.time_to_first_event),
                ("first token", self.time_to_first_token),
            )
            if value is not None
        ]
        if self.gap_max is not None:
            parts.append(
                f"gaps median {_ms(self.gap_median)}, p95 {_ms(self.gap_p95)}, "
                f"max {_ms(self.gap_max)}"
            )
        if self.events_per_second is not None:
            parts.append(f"{self.events_per_second:.1f} events/s")
        if self.bytes_per_second is not None:
            parts.append(f"{self.bytes_per_second:.0f} bytes/s")
        if self.output_tokens_per_second is not None:
            parts.append(
                f"{self.output_tokens} output tokens at {self.output_tokens_per_second:.1f}/s"
            )
        parts.append(f"{_ms(self.elapsed)} in all")
        return "; ".join(parts)


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


def _percentile(ordered: list[float], fraction: float) -> float:
    # Nearest rank: a value that occurred, never an interpolation between two.
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


class StreamTimer:
    """Records when a stream's chunks and events arrive, relative to its start.

    The clock starts at construction (or :meth:`restart`).  :meth:`chunks` and
    :meth:`events` (and their async twins) pass items through unchanged, noting the
    time each one arrives; :meth:`first_token` notes the first content token.  One
    timer is for one stream; it is not thread-safe.  Nothing here raises except
    what the wrapped iterators raise.
    """

    __slots__ = (
        "_byte_count",
        "_chunk_count",
        "_clock",
        "_event_times",
        "_first_byte",
        "_first_token",
        "_last",
        "_start",
    )

    def __init__(self, *, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self.restart()

    def restart(self) -> None:
        """Forget everything recorded and start the clock again now."""
        self._start = self._clock()
        self._first_byte: float | None = None
        self._first_token: float | None = None
        self._last: float | None = None
        self._event_times: list[float] = []
        self._byte_count = 0
        self._chunk_count = 0

    def _now(self) -> float:
        now = self._clock() - self._start
        self._last = now
        return now

    def chunk(self, size: int) -> None:
        """Note that a chunk of ``size`` bytes arrived now (empty chunks count no byte)."""
        now = self._now()
        self._chunk_count += 1
        if size and self._first_byte is None:
            self._first_byte = now
        self._byte_count += size

    def event(self) -> None:
        """Note that an event arrived now."""
        self._event_times.append(self._now())

    def first_token(self) -> None:
        """Note that content arrived now; only the first call is kept."""
        if self._first_token is None:
            self._first_token = self._now()

    def chunks(self, chunks: Iterable[B]) -> Iterator[B]:
        """Yield ``chunks`` unchanged (bytes or anything with a length), timing each."""
        for chunk in chunks:
            self.chunk(len(chunk))
            yield chunk

    def events(self, events: Iterable[T]) -> Iterator[T]:
        """Yield ``events`` unchanged (any objects), timing each."""
        for item in events:
            self.event()
            yield item

    async def achunks(self, chunks: AsyncIterable[B]) -> AsyncIterator[B]:
        """Async :meth:`chunks`."""
        async for chunk in chunks:
            self.chunk(len(chunk))
            yield chunk

    async def aevents(self, events: AsyncIterable[T]) -> AsyncIterator[T]:
        """Async :meth:`events`."""
        async for item in events:
            self.event()
            yield item

    def report(self, *, output_tokens: int | None = None) -> TimingReport:
        """Return the figures so far; ``output_tokens`` (from the stream's usage, when
        it reports one) gives the output tokens per second."""
        times = self._event_times
        elapsed = self._last if self._last is not None else 0.0
        gaps = sorted(b - a for a, b in itertools.pairwise(times))
        first_event = times[0] if times else None
        tokens_per_second = None
        if output_tokens is not None and times:
            began = self._first_token if self._first_token is not None else times[0]
            span = times[-1] - began
            if span > 0:
                tokens_per_second = output_tokens / span
        return TimingReport(
            elapsed=elapsed,
            bytes=self._byte_count,
            chunks=self._chunk_count,
            events=len(times),
            time_to_first_byte=self._first_byte,
            time_to_first_event=first_event,
            time_to_first_token=self._first_token,
            gap_median=_percentile(gaps, 0.5) if gaps else None,
            gap_p95=_percentile(gaps, 0.95) if gaps else None,
            gap_max=gaps[-1] if gaps else None,
            events_per_second=len(times) / elapsed if times and elapsed > 0 else None,
            bytes_per_second=self._byte_count / elapsed
            if self._chunk_count and elapsed > 0
            else None,
            output_tokens=output_tokens,
            output_tokens_per_second=tokens_per_second,
        )
