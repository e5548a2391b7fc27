"""iter_events / aiter_events: feed, then close, with the decoder's own rules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from sse_codec import ServerSentEvent, SSEDecoder, SSELimitError, aiter_events, iter_events

# Every test here runs against each decoder implementation (tests/decoders.py).
pytestmark = pytest.mark.usefixtures("decoder_class")

E = ServerSentEvent
STREAM = [b"data: a\r", b"\n\r\nid: 1\nda", b"ta: b\n\n", b"data: tail"]


def test_iter_events_yields_as_chunks_complete_them() -> None:
    seen: list[str] = []

    def chunks() -> Iterator[bytes]:
        for chunk in STREAM:
            seen.append("chunk")
            yield chunk

    events = []
    for ev in iter_events(chunks()):
        events.append(ev)
        seen.append("event")
    assert events == [E(data="a"), E(data="b", id="1")]
    # each event arrives before the next chunk is pulled
    assert seen == ["chunk", "chunk", "event", "chunk", "event", "chunk"]


def test_iter_events_with_a_configured_decoder() -> None:
    lenient = SSEDecoder(dispatch_on_close=True)
    assert list(iter_events(STREAM, decoder=lenient))[-1] == E(data="tail", id="1")
    assert lenient.last_event_id == "1"
    with pytest.raises(SSELimitError):
        list(iter_events([b"data: " + b"x" * 100], decoder=SSEDecoder(max_line_size=50)))


def test_aiter_events() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for chunk in STREAM:
            await asyncio.sleep(0)
            yield chunk

    async def collect() -> list[ServerSentEvent]:
        return [ev async for ev in aiter_events(chunks())]

    assert asyncio.run(collect()) == [E(data="a"), E(data="b", id="1")]

    async def collect_lenient() -> list[ServerSentEvent]:
        dec = SSEDecoder(dispatch_on_close=True)
        return [ev async for ev in aiter_events(chunks(), decoder=dec)]

    assert asyncio.run(collect_lenient())[-1] == E(data="tail", id="1")


def test_a_failing_source_leaves_the_decoder_as_if_every_byte_was_fed() -> None:
    # A reconnecting client reads retry and last_event_id after the body fails.
    class Dropped(Exception):
        pass

    def source() -> Iterator[bytes]:
        yield b"id: 4\r\n\r\n"
        yield b"retry: 2500\r\n"
        yield b"data: a\r\n"
        raise Dropped

    decoder = SSEDecoder()
    with pytest.raises(Dropped):
        list(iter_events(source(), decoder=decoder))
    assert (decoder.retry, decoder.last_event_id) == (2500, "4")
    # The block goes on where it was: its data line was read, not lost.
    assert decoder.feed(b"data: b\r\n\r\n") == [E(data="a\nb", id="4", retry=2500)]


def test_retry_is_current_after_every_chunk_of_iter_events() -> None:
    decoder = SSEDecoder()
    seen: list[int | None] = []

    def source() -> Iterator[bytes]:
        for chunk in (b"retry: 1\r\n", b"retry: 2\r\n", b"data: x\r\n", b"\r\n"):
            yield chunk
            seen.append(decoder.retry)

    assert [e.retry for e in iter_events(source(), decoder=decoder)] == [2]
    assert seen == [1, 2, 2, 2]


def test_comment_callbacks_run_before_the_next_chunk_is_asked_for() -> None:
    seen: list[str] = []
    asked: list[list[str]] = []

    def source() -> Iterator[bytes]:
        for chunk in (b": one\r\n", b": tw", b"o\r\n", b"data: x\r\n", b"\r\n"):
            asked.append(list(seen))
            yield chunk

    decoder = SSEDecoder(on_comment=seen.append)
    assert [e.data for e in iter_events(source(), decoder=decoder)] == ["x"]
    assert asked == [[], ["one"], ["one"], ["one", "two"], ["one", "two"]]
