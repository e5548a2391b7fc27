"""Leak check: feed a long realistic stream to one decoder and watch the process's
resident memory (RSS).  Memory must stay flat, and the fed chunks' reference
counts unchanged.

    python tests/leak_check.py [MiB] [--python] [--iter]   # default 1024 MiB, the C decoder

The stream is the recorded OpenAI chat fixtures (with their comments, ids and
multi-line events) repeated, fed in chunks of varied sizes (1 byte to 16 KiB, as
bytes, bytearray and memoryview), through ``feed`` and ``feed_items``.  With
``--iter``, the same chunks go through ``sse_codec.iter_events`` instead (the
compiled decoder's C loop), a new decoder and iterator for each pass over them,
ended in turn by running out, ``close()``, being dropped half way and a limit
error.  A small version of each runs in the test suite (tests/test_cdecoder.py,
tests/test_iter_events.py).
"""

from __future__ import annotations

import gc
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    """This process's resident memory, in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


def stream_unit() -> bytes:
    """A realistic piece of stream: every OpenAI-style fixture, each ended cleanly."""
    parts = [p.read_bytes().rstrip(b"\r\n") + b"\n\n" for p in sorted(FIXTURES.glob("*.sse"))]
    return b"".join(parts) + b": keep-alive\n\nid: 42\nretry: 3000\ndata: a\ndata: b\n\n"


@dataclass
class Result:
    fed: int
    events: int
    samples: list[tuple[int, int]]  # (bytes fed, RSS)
    refcounts_kept: bool


def _chunks(unit: bytes, rng: random.Random) -> list[Any]:
    # The chunk objects are made once and fed again and again: their reference
    # counts before and after must match.
    cuts = sorted(rng.sample(range(1, len(unit)), 400))
    pieces = [unit[a:b] for a, b in zip([0, *cuts], [*cuts, len(unit)], strict=True)]
    sizes = [1, 7, 64, 1460, 16384]
    chunks: list[Any] = []
    for piece in pieces:
        size = rng.choice(sizes)
        for at in range(0, len(piece), size):
            part = piece[at : at + size]
            kind = rng.randrange(3)
            chunks.append(part if kind == 0 else bytearray(part) if kind == 1 else memoryview(part))
    return chunks


def _refcounts(chunks: list[Any]) -> list[int]:
    # CPython shares one bytes object per byte value (and one empty bytes): a
    # 1-byte slice is that object, whose count any other code moves.  Those are
    # left out; every other chunk is an object of its own.
    return [sys.getrefcount(c) for c in chunks if not (type(c) is bytes and len(c) <= 1)]


def run(total: int, decoder_class: Any, *, samples: int = 16, seed: int = 0) -> Result:
    """Feed ``total`` bytes to one ``decoder_class()``; sample RSS along the way."""
    rng = random.Random(seed)
    unit = stream_unit()
    chunks = _chunks(unit, rng)
    before = _refcounts(chunks)
    dec = decoder_class(on_comment=lambda _text: None)
    fed = events = 0
    every = max(total // samples, 1)
    next_sample = 0
    out: list[tuple[int, int]] = []
    while fed < total:
        for i, chunk in enumerate(chunks):
            events += len(dec.feed_items(chunk) if i % 2 else dec.feed(chunk))
        fed += len(unit)
        if fed >= next_sample:
            gc.collect()
            out.append((fed, rss()))
            next_sample += every
    dec.close()
    del chunk  # the loop variable's own reference
    kept = before == _refcounts(chunks)
    return Result(fed, events, out, kept)


def _one_pass(chunks: list[Any], decoder_class: Any, ending: int) -> int:
    """One iter_events over the chunks with a new decoder; how many events came."""
    from sse_codec import SSELimitError, iter_events

    dec = decoder_class(on_comment=lambda _text: None)
    events = iter_events(chunks, decoder=dec)
    count = 0
    if ending == 0:  # runs out
        count = sum(1 for _ in events)
    elif ending in (1, 2):  # closed, or dropped, half way
        for _ in zip(range(300), events, strict=False):
            count += 1
        if ending == 1:
            events.close()  # type: ignore[attr-defined]
    else:  # a limit error ends it
        dec.max_event_size = 100
        try:
            count = sum(1 for _ in events)
        except SSELimitError as exc:
            count = len(exc.events)
    return count


def run_iter(total: int, decoder_class: Any, *, samples: int = 16, seed: int = 0) -> Result:
    """Pass the chunks through ``iter_events`` until the passes that read them all
    have fed ``total`` bytes (as many more end early); sample RSS."""
    rng = random.Random(seed)
    unit = stream_unit()
    chunks = _chunks(unit, rng)
    before = _refcounts(chunks)
    fed = events = passes = 0
    every = max(total // samples, 1)
    next_sample = 0
    out: list[tuple[int, int]] = []
    while fed < total:
        events += _one_pass(chunks, decoder_class, passes % 4)
        if passes % 4 == 0:
            fed += len(unit)  # (counted for the passes that read every chunk)
        passes += 1
        if fed >= next_sample:
            gc.collect()
            out.append((fed, rss()))
            next_sample += every
    kept = before == _refcounts(chunks)
    return Result(fed, events, out, kept)


def main() -> None:
    mib = int(next((a for a in sys.argv[1:] if a.isdigit()), "1024"))
    if "--python" in sys.argv:
        from sse_codec._decoder import SSEDecoder
    else:
        from sse_codec._cdecoder import SSEDecoder  # type: ignore[assignment]
    runner = run_iter if "--iter" in sys.argv else run
    result = runner(mib * 1024 * 1024, SSEDecoder)
    first = result.samples[1][1] if len(result.samples) > 1 else result.samples[0][1]
    peak = max(size for _, size in result.samples)
    for fed, size in result.samples:
        print(f"fed {fed / 2**20:8.0f} MiB  RSS {size / 2**20:7.1f} MiB")
    print(
        f"{SSEDecoder.__module__}: {result.fed / 2**20:.0f} MiB, {result.events} events; "
        f"RSS after the first sample {first / 2**20:.1f} MiB, at the end "
        f"{result.samples[-1][1] / 2**20:.1f} MiB, max {peak / 2**20:.1f} MiB; "
        f"chunk refcounts unchanged: {result.refcounts_kept}"
    )


if __name__ == "__main__":
    main()
