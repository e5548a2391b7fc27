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
