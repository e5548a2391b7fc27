"""Writing OpenAI-style streams: byte-exact chunks, [DONE], text streams."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sse_codec import SSEEncodeError, SSEError, iter_events
from sse_codec.openai import (
    DONE,
    ChatCompletionAccumulator,
    ChatCompletionChunk,
    ChoiceDelta,
    ChunkChoice,
    Usage,
    encode_chunk,
    encode_done,
    iter_chunks,
    parse_chunk,
    text_stream_chunks,
)


def test_done_marker() -> None:
    assert DONE == b"data: [DONE]\n\n"
    assert encode_done() == DONE


def test_chunk_is_compact_json_with_raw_utf8() -> None:
    chunk = ChatCompletionChunk(
        id="c", created=1, model="m", choices=(ChunkChoice(delta=ChoiceDelta(content="18°C 😊")),)
    )
    assert (
        encode_chunk(chunk)
        == (
            'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
            '"choices":[{"index":0,"delta":{"content":"18°C 😊"},"logprobs":null,'
            '"finish_reason":null}]}\n\n'
        ).encode()
    )


def test_newlines_in_text_stay_inside_one_data_line() -> None:
    chunk = ChatCompletionChunk(choices=(ChunkChoice(delta=ChoiceDelta(content="a\nb\r\n")),))
    wire = encode_chunk(chunk)
    assert wire.count(b"\n") == 2 and wire.endswith(b"\n\n")
    [event] = iter_events([wire])
    assert parse_chunk(event.data) == chunk


def test_lone_surrogate_is_escaped_and_round_trips() -> None:
    # Some servers split an emoji into two surrogate escapes across chunks.
    chunk = parse_chunk('{"choices":[{"delta":{"content":"\\ud83d"}}]}')
    wire = encode_chunk(chunk)
    assert b"\\ud83d" in wire
    wire.decode("utf-8")
    [event] = iter_events([wire])
    assert parse_chunk(event.data) == chunk


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object()])
def test_values_json_cannot_carry_raise_encode_error(value: Any) -> None:
    chunk = ChatCompletionChunk(extra={"x": value})
    with pytest.raises(SSEEncodeError) as info:
        encode_chunk(chunk)
    assert isinstance(info.value, SSEError)
    assert info.value.field == "data"


def test_pluggable_json_dumps() -> None:
    chunk = ChatCompletionChunk(id="c", choices=())
    calls: list[dict[str, Any]] = []

    def dumps_bytes(obj: Any) -> bytes:
        calls.append(obj)
        return json.dumps(obj, separators=(",", ":")).encode()

    assert encode_chunk(chunk, json_dumps=dumps_bytes) == encode_chunk(chunk)
    assert calls == [chunk.to_dict()]
    # Pretty-printed output still decodes to the same chunk: one data line per line.
    pretty = encode_chunk(chunk, json_dumps=lambda obj: json.dumps(obj, indent=2))
    assert pretty.count(b"data: ") > 1
    [event] = iter_events([pretty])
    assert parse_chunk(event.data) == chunk

    def failing(obj: Any) -> str:
        raise TypeError("cannot")

    with pytest.raises(SSEEncodeError):
        encode_chunk(chunk, json_dumps=failing)


def test_text_stream_shape() -> None:
    chunks = list(
        text_stream_chunks(
            ["Hel", "", "lo"],
            model="m",
            id="chatcmpl-x",
            created=5,
            usage=lambda: Usage(prompt_tokens=1, completion_tokens=2, total_tokens=3),
        )
    )
    dicts = [c.to_dict() for c in chunks]
    assert [d["choices"] for d in dicts] == [
        [
            {
                "index": 0,
                "delta": {"role": "assistant", "content": ""},
                "logprobs": None,
                "finish_reason": None,
            }
        ],
        [{"index": 0, "delta": {"content": "Hel"}, "logprobs": None, "finish_reason": None}],
        [{"index": 0, "delta": {"content": "lo"}, "logprobs": None, "finish_reason": None}],
        [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}],
        [],
    ]
    assert dicts[-1]["usage"] == {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    assert {(d["id"], d["object"], d["created"], d["model"]) for d in dicts} == {
        ("chatcmpl-x", "chat.completion.chunk", 5, "m")
    }


def test_text_stream_defaults_id_and_created_and_no_usage_chunk() -> None:
    chunks = list(text_stream_chunks(["a"], model="m"))
    assert len(chunks) == 3
    assert chunks[0].id is not None and chunks[0].id.startswith("chatcmpl-")
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].created is not None and chunks[0].created > 1_600_000_000


def test_text_stream_refuses_non_str_pieces() -> None:
    with pytest.raises(TypeError):
        list(text_stream_chunks([b"bytes"], model="m"))  # type: ignore[list-item]


def test_encoded_text_stream_reads_back() -> None:
    from sse_codec.openai import encode_text_stream

    wire = b"".join(encode_text_stream(["a", "b"], model="m", finish_reason="length"))
    acc = ChatCompletionAccumulator()
    list(iter_chunks(iter_events([wire]), accumulator=acc))
    choice = acc.result().choices[0]
    assert (choice.message.content, choice.finish_reason) == ("ab", "length")
