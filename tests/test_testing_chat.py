"""chat_chunk_streams(): generated chat streams decode and accumulate to the stated result."""

from __future__ import annotations

import json

import pytest
from decode_helpers import decode_chunks
from hypothesis import given
from hypothesis import strategies as st

from sse_codec.openai import DONE, ChatCompletionAccumulator, iter_chunks
from sse_codec.testing import ChatStream, chat_chunk_streams, chunkings


@given(stream=chat_chunk_streams(), data=st.data())
def test_generated_chat_streams_accumulate_to_the_stated_result(
    stream: ChatStream, data: st.DataObject
) -> None:
    events, _ = decode_chunks(data.draw(chunkings(stream.body)))
    accumulator = ChatCompletionAccumulator()
    chunks = list(iter_chunks(events, accumulator=accumulator))
    assert chunks == list(stream.chunks)
    assert accumulator.result() == stream.completion


@given(stream=chat_chunk_streams(max_choices=1))
def test_generated_chat_streams_have_the_promised_shape(stream: ChatStream) -> None:
    assert stream.body.endswith(DONE)
    first = stream.chunks[0]
    delta = first.choices[0].delta
    assert delta is not None and delta.role == "assistant"
    finishes = [c for c in stream.chunks if c.choices and c.choices[0].finish_reason]
    assert len(finishes) == 1
    tail = stream.chunks[-1]
    if tail.usage is not None:
        assert tail.choices == ()
        assert stream.completion.usage == tail.usage
    # Every event before [DONE] is one JSON chunk.
    blocks = stream.body.split(b"\n\n")[:-1]
    assert len(blocks) == len(stream.chunks) + 1
    for block in blocks[:-1]:
        assert json.loads(block.removeprefix(b"data: "))["id"] == first.id


def test_chat_chunk_streams_rejects_no_choices() -> None:
    with pytest.raises(ValueError):
        chat_chunk_streams(max_choices=0)
