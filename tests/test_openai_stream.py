"""iter_chunks / aiter_chunks: [DONE], in-band errors, truncation, nothing skipped."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import pytest

import sse_codec
from sse_codec import Comment, PayloadError, ServerSentEvent, SSEDecoder, SSEError, iter_events
from sse_codec.openai import (
    ChatCompletion,
    ChatCompletionAccumulator,
    ChatCompletionChunk,
    IncompleteStreamError,
    StreamError,
    aiter_chunks,
    iter_chunks,
)


def chunk_data(content: str, *, finish: str | None = None) -> str:
    return json.dumps(
        {
            "id": "c1",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}],
        }
    )


def ev(data: str, event: str = "message") -> ServerSentEvent:
    return ServerSentEvent(event=event, data=data)


def contents(chunks: Iterable[ChatCompletionChunk]) -> list[str]:
    out = []
    for chunk in chunks:
        delta = chunk.choices[0].delta
        assert delta is not None and isinstance(delta.content, str)
        out.append(delta.content)
    return out


def test_error_classes_are_the_shared_hierarchy() -> None:
    assert issubclass(StreamError, sse_codec.StreamError)
    assert issubclass(StreamError, SSEError)
    assert issubclass(IncompleteStreamError, sse_codec.IncompleteStreamError)
    assert issubclass(IncompleteStreamError, SSEError)


@pytest.mark.parametrize("done", ["[DONE]", " [DONE] ", "[DONE]\r", "\t[DONE]\n", "[DONE]\n"])
def test_done_with_stray_whitespace_ends_the_stream(done: str) -> None:
    events = [ev(chunk_data("a")), ev(done), ev("not json, never read")]
    assert contents(iter_chunks(events)) == ["a"]


def test_done_read_from_the_wire_with_cr() -> None:
    body = ("data: " + chunk_data("x") + "\n\ndata: [DONE]\r\r\n").encode()
    assert contents(iter_chunks(iter_events([body]))) == ["x"]


def test_iteration_stops_at_done_without_consuming_further_events() -> None:
    consumed: list[ServerSentEvent] = []

    def source() -> Iterator[ServerSentEvent]:
        for event in [ev(chunk_data("a")), ev("[DONE]"), ev(chunk_data("b"))]:
            consumed.append(event)
            yield event

    assert contents(iter_chunks(source())) == ["a"]
    assert len(consumed) == 2


def test_missing_done_raises_incomplete_with_what_was_received() -> None:
    events = [ev(chunk_data("Hel")), ev(chunk_data("lo", finish="stop"))]
    got: list[ChatCompletionChunk] = []
    with pytest.raises(IncompleteStreamError) as info:
        got.extend(iter_chunks(events))
    assert contents(got) == ["Hel", "lo"]
    received = info.value.received
    assert isinstance(received, ChatCompletion)
    assert received.choices[0].message.content == "Hello"
    assert received.choices[0].finish_reason == "stop"
    assert "[DONE]" in str(info.value)


def test_require_done_false_accepts_a_stream_without_done() -> None:
    assert contents(iter_chunks([ev(chunk_data("a"))], require_done=False)) == ["a"]
    assert list(iter_chunks([], require_done=False)) == []
    with pytest.raises(IncompleteStreamError):
        list(iter_chunks([]))


@pytest.mark.parametrize(
    ("data", "payload"),
    [
        (
            '{"error": {"message": "overloaded", "code": 529}}',
            {"message": "overloaded", "code": 529},
        ),
        ('{"error": "quota"}', "quota"),
        ('{"error": {"message": "m"}, "id": "x", "choices": []}', {"message": "m"}),
    ],
)
def test_in_band_error_data_raises_stream_error(data: str, payload: Any) -> None:
    event = ev(data)
    got: list[ChatCompletionChunk] = []
    with pytest.raises(StreamError) as info:
        got.extend(iter_chunks([ev(chunk_data("a")), event, ev(chunk_data("b")), ev("[DONE]")]))
    assert contents(got) == ["a"]
    err = info.value
    assert err.payload == payload
    assert err.event is event
    assert isinstance(err.received, ChatCompletion)
    assert err.received.choices[0].message.content == "a"
    if len(json.loads(data)) > 1:
        assert err.chunk is not None and err.chunk.id == "x"
        assert err.chunk.extra["error"] == payload
    else:
        assert err.chunk is None


def test_null_error_key_is_not_an_error() -> None:
    data = '{"id": "c", "error": null, "choices": []}'
    [chunk] = iter_chunks([ev(data), ev("[DONE]")])
    assert chunk.extra == {"error": None}


@pytest.mark.parametrize(
    ("data", "payload"),
    [
        (
            '{"error": {"message": "bad", "type": "invalid_request_error"}}',
            {"message": "bad", "type": "invalid_request_error"},
        ),
        ('{"message": "no wrapper"}', {"message": "no wrapper"}),
        ("plain text, not JSON", "plain text, not JSON"),
        ("[DONE]", "[DONE]"),
    ],
)
def test_error_event_raises_stream_error_whatever_its_data(data: str, payload: Any) -> None:
    event = ev(data, event="error")
    with pytest.raises(StreamError) as info:
        list(iter_chunks([ev(chunk_data("a")), event]))
    assert info.value.payload == payload
    assert info.value.event is event
    assert info.value.chunk is None


def test_error_message_is_readable() -> None:
    with pytest.raises(StreamError, match="overloaded"):
        list(iter_chunks([ev('{"error": {"message": "overloaded"}}')]))


def test_malformed_data_raises_payload_error_with_event() -> None:
    event = ev("{not json")
    with pytest.raises(PayloadError) as info:
        list(iter_chunks([event]))
    assert info.value.data == "{not json" and info.value.event is event


def test_json_array_payload_raises_payload_error() -> None:
    with pytest.raises(PayloadError):
        list(iter_chunks([ev("[1, 2]")]))


def test_other_event_types_and_objects_come_through_as_chunks() -> None:
    filter_payload = (
        '{"id": "", "object": "", "created": 0, "choices": [], "prompt_filter_results": []}'
    )
    moderation = '{"object": "moderation", "results": [{"flagged": false}]}'
    chunks = list(
        iter_chunks([ev(filter_payload), ev(moderation, event="moderation"), ev("[DONE]")])
    )
    assert [c.object for c in chunks] == ["", "moderation"]
    assert chunks[1].extra == {"results": [{"flagged": False}]}


def test_comments_from_feed_items_are_skipped() -> None:
    decoder = SSEDecoder()
    body = ": OPENROUTER PROCESSING\n\ndata: " + chunk_data("a") + "\n\n: ping\n\ndata: [DONE]\n\n"
    items = decoder.feed_items(body.encode())
    assert any(isinstance(item, Comment) for item in items)
    assert contents(iter_chunks(items)) == ["a"]


def test_non_event_items_raise_type_error() -> None:
    with pytest.raises(TypeError):
        list(iter_chunks([b"data: x\n\n"]))  # type: ignore[list-item]


def test_given_accumulator_is_fed_before_each_chunk_is_yielded() -> None:
    acc = ChatCompletionAccumulator()
    seen = []
    for chunk in iter_chunks(
        [ev(chunk_data("a")), ev(chunk_data("b", finish="stop")), ev("[DONE]")], accumulator=acc
    ):
        seen.append((contents([chunk])[0], acc.result().choices[0].message.content))
    assert seen == [("a", "a"), ("b", "ab")]
    assert acc.chunks == 2


def test_json_loads_is_pluggable() -> None:
    calls = []

    def loads(text: str) -> Any:
        calls.append(text)
        return json.loads(text)

    events = [ev(chunk_data("a")), ev("[DONE]")]
    assert contents(iter_chunks(events, json_loads=loads)) == ["a"]
    assert calls == [events[0].data]


async def _aevents(
    events: list[ServerSentEvent | Comment],
) -> AsyncIterator[ServerSentEvent | Comment]:
    for event in events:
        await asyncio.sleep(0)
        yield event


def test_aiter_chunks_same_rules() -> None:
    async def collect(events: list[ServerSentEvent | Comment], **kw: Any) -> list[str]:
        return contents([c async for c in aiter_chunks(_aevents(events), **kw)])

    done: list[ServerSentEvent | Comment] = [
        ev(chunk_data("a")),
        Comment("x"),
        ev(" [DONE] "),
        ev("junk"),
    ]
    assert asyncio.run(collect(done)) == ["a"]
    assert asyncio.run(collect([ev(chunk_data("a"))], require_done=False)) == ["a"]
    with pytest.raises(IncompleteStreamError):
        asyncio.run(collect([ev(chunk_data("a"))]))
    with pytest.raises(StreamError) as info:
        asyncio.run(collect([ev('{"error": {"code": 1}}', event="error")]))
    assert info.value.payload == {"code": 1}
    with pytest.raises(PayloadError):
        asyncio.run(collect([ev("nope")]))


def test_error_beside_malformed_chunk_fields_still_raises_stream_error() -> None:
    with pytest.raises(StreamError) as info:
        list(iter_chunks([ev('{"error": {"message": "m"}, "choices": "oops"}')]))
    assert info.value.payload == {"message": "m"}
    assert info.value.chunk is None
