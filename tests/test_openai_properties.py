"""Generated chat streams: encode, split anywhere, decode, iter_chunks, accumulate."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from hypothesis import given
from hypothesis import strategies as st

from sse_codec import ServerSentEvent, SSEDecoder, aiter_events
from sse_codec.openai import (
    DONE,
    ChatCompletionAccumulator,
    ChatCompletionChunk,
    Usage,
    aencode_text_stream,
    encode_chunk,
    encode_text_stream,
    iter_chunks,
)
from sse_codec.testing import ChatStream, chat_chunk_streams


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    cuts = sorted(min(c, len(data)) for c in cuts)
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def decode(pieces: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = [event for piece in pieces for event in decoder.feed(piece)]
    return events + decoder.close()


@given(stream=chat_chunk_streams(), cuts=st.lists(st.integers(0, 50_000), max_size=30))
def test_generated_streams_round_trip_and_accumulate(stream: ChatStream, cuts: list[int]) -> None:
    wire = b"".join(encode_chunk(chunk) for chunk in stream.chunks) + DONE
    acc = ChatCompletionAccumulator()
    decoded = list(iter_chunks(decode(split(wire, cuts)), accumulator=acc))
    assert decoded == list(stream.chunks)
    assert [c.to_dict() for c in decoded] == [c.to_dict() for c in stream.chunks]
    # Re-encoding what was decoded gives the same bytes again.
    assert b"".join(encode_chunk(chunk) for chunk in decoded) + DONE == wire
    assert acc.result() == stream.completion
    assert acc.result().to_dict() == stream.completion.to_dict()


@given(stream=chat_chunk_streams(max_choices=1))
def test_generated_streams_accumulate_in_one_pass_without_the_wire(stream: ChatStream) -> None:
    acc = ChatCompletionAccumulator()
    for chunk in stream.chunks:
        acc.add(chunk)
    assert acc.result() == stream.completion


@given(
    pieces=st.lists(st.text(), max_size=12),
    usage=st.none() | st.integers(0, 1000),
    finish=st.sampled_from(["stop", "length"]),
    cuts=st.lists(st.integers(0, 5_000), max_size=20),
)
def test_text_stream_helper_round_trips(
    pieces: list[str], usage: int | None, finish: str, cuts: list[int]
) -> None:
    usage_value = None if usage is None else Usage(prompt_tokens=usage, total_tokens=usage)
    wire = b"".join(
        encode_text_stream(
            pieces, model="m", id="chatcmpl-1", created=1, finish_reason=finish, usage=usage_value
        )
    )
    assert wire.endswith(DONE)
    acc = ChatCompletionAccumulator()
    chunks = list(iter_chunks(decode(split(wire, cuts)), accumulator=acc))
    result = acc.result()
    assert result.choices[0].message.content == "".join(pieces)
    assert result.choices[0].message.role == "assistant"
    assert result.choices[0].finish_reason == finish
    assert result.usage == usage_value
    expected_len = 2 + sum(1 for p in pieces if p) + (usage is not None)
    assert len(chunks) == expected_len
    assert all(json.loads(line[6:]) for line in wire.split(b"\n\n")[:-2])


@given(pieces=st.lists(st.text(max_size=5), max_size=8), use_async_source=st.booleans())
def test_async_text_stream_helper_gives_the_same_bytes(
    pieces: list[str], use_async_source: bool
) -> None:
    async def source() -> AsyncIterator[str]:
        for piece in pieces:
            await asyncio.sleep(0)
            yield piece

    async def collect() -> list[bytes]:
        stream = aencode_text_stream(
            source() if use_async_source else pieces, model="m", id="c", created=9
        )
        return [part async for part in stream]

    async_wire = asyncio.run(collect())
    assert async_wire == list(encode_text_stream(pieces, model="m", id="c", created=9))

    async def read_back() -> list[ChatCompletionChunk]:
        async def body() -> AsyncIterator[bytes]:
            for part in async_wire:
                yield part

        from sse_codec.openai import aiter_chunks

        return [chunk async for chunk in aiter_chunks(aiter_events(body()))]

    chunks = asyncio.run(read_back())
    assert [encode_chunk(c) for c in chunks] == async_wire[:-1]
