"""Anthropic layer on hand-made streams: errors, edge cases, encoder round trips."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sse_codec
from sse_codec import (
    IncompleteStreamError,
    PayloadError,
    ServerSentEvent,
    SSEEncodeError,
    SSEError,
    StreamError,
    iter_events,
)
from sse_codec import anthropic as an


def sse(obj: Any, event: str | None = None) -> ServerSentEvent:
    name = event if event is not None else obj.get("type", "message")
    return ServerSentEvent(event=name, data=json.dumps(obj))


START: dict[str, Any] = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-x",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 1, "cache_read_input_tokens": 4},
    },
}
STOP: dict[str, Any] = {"type": "message_stop"}


def block_start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def delta(index: int, d: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": d}


def block_stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def tool_block(index: int, fragments: Iterable[str], name: str = "f") -> list[dict[str, Any]]:
    block = {"type": "tool_use", "id": f"toolu_{index}", "name": name, "input": {}}
    return [
        block_start(index, block),
        *(delta(index, {"type": "input_json_delta", "partial_json": p}) for p in fragments),
        block_stop(index),
    ]


def collect(objs: Iterable[dict[str, Any]], **kw: Any) -> an.Message:
    return an.collect_message([sse(o) for o in objs], **kw)


# -- reader -----------------------------------------------------------------------


def test_error_event_raises_the_shared_stream_error_with_the_payload() -> None:
    error = {"type": "overloaded_error", "message": "Overloaded"}
    events = [sse(START), sse({"type": "error", "error": error})]
    assert issubclass(an.StreamError, sse_codec.StreamError)
    with pytest.raises(StreamError) as info:
        list(an.iter_stream_events(events))
    assert info.value.payload == error
    assert info.value.event == events[1]
    assert "overloaded_error" in str(info.value)
    assert "Overloaded" in str(info.value)


def test_error_mid_message_carries_the_partial_message() -> None:
    objs = [
        START,
        block_start(0, {"type": "text", "text": ""}),
        delta(0, {"type": "text_delta", "text": "Hel"}),
        {"type": "error", "error": {"type": "api_error", "message": "boom"}},
    ]
    with pytest.raises(StreamError) as info:
        collect(objs)
    partial = info.value.received
    assert isinstance(partial, an.Message)
    assert partial.text == "Hel"


def test_stream_without_message_stop_raises_incomplete_by_default() -> None:
    events = [sse(START), sse(block_start(0, {"type": "text", "text": ""}))]
    with pytest.raises(IncompleteStreamError):
        list(an.iter_stream_events(events))
    assert len(list(an.iter_stream_events(events, require_stop=False))) == 2
    assert len(list(an.iter_stream_events([*events, sse(STOP)]))) == 3


def test_async_reader_raises_like_the_sync_one() -> None:
    async def gen(items: list[ServerSentEvent]) -> AsyncIterator[ServerSentEvent]:
        for item in items:
            yield item

    async def run(items: list[ServerSentEvent], **kw: Any) -> list[an.AnthropicEvent]:
        return [e async for e in an.aiter_stream_events(gen(items), **kw)]

    assert len(asyncio.run(run([sse(START), sse(STOP)]))) == 2
    with pytest.raises(IncompleteStreamError):
        asyncio.run(run([sse(START)]))
    assert len(asyncio.run(run([sse(START)], require_stop=False))) == 1
    with pytest.raises(StreamError):
        asyncio.run(run([sse({"type": "error", "error": {}})]))


@pytest.mark.parametrize("data", ["{not json", "", "[1, 2]", '"text"', "null", "NaN]"])
def test_data_that_is_not_a_json_object_is_a_payload_error(data: str) -> None:
    event = ServerSentEvent(event="content_block_delta", data=data)
    with pytest.raises(PayloadError) as info:
        list(an.iter_stream_events([event]))
    assert info.value.data == data
    assert info.value.event == event


@pytest.mark.parametrize(
    "obj",
    [
        {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "x"}},
        {"type": "content_block_delta", "index": "0", "delta": {"type": "text_delta", "text": ""}},
        {"type": "content_block_delta", "index": True, "delta": {"type": "text_delta"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 5}},
        {"type": "content_block_delta", "index": 0, "delta": "text"},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use"}},
        {"type": "message_start", "message": {"id": "m", "content": []}},
        {"type": "message_start", "message": {**START["message"], "content": ["x"]}},
        {"type": "message_start", "message": {**START["message"], "type": "other"}},
        {"type": "message_delta", "delta": {"stop_reason": 3}},
        {"type": "message_delta", "delta": {}, "usage": [1]},
        {"type": "error", "error": "overloaded"},
        {"type": 7},
    ],
)
def test_known_event_with_a_wrong_shape_is_a_payload_error(obj: dict[str, Any]) -> None:
    with pytest.raises(PayloadError) as info:
        an.parse_event(ServerSentEvent(event="x", data=json.dumps(obj)))
    assert info.value.data == json.dumps(obj)
    with pytest.raises(PayloadError):
        an.event_from_dict(obj)


def test_unknown_events_deltas_blocks_and_keys_are_kept() -> None:
    objs: list[dict[str, Any]] = [
        {"type": "future_event", "payload": [1, {"a": None}]},
        delta(0, {"type": "future_delta", "x": 1}),
        block_start(3, {"type": "future_block", "k": "v"}),
        {"type": "ping", "note": "extra key"},
        {**STOP, "trailer": True},
    ]
    events = [an.parse_event(sse(o)) for o in objs]
    assert isinstance(events[0], an.UnknownEvent)
    assert events[0].type == "future_event"
    assert events[0].extra == {"payload": [1, {"a": None}]}
    assert isinstance(events[1], an.ContentBlockDelta)
    assert events[1].delta == an.UnknownDelta("future_delta", {"x": 1})
    assert isinstance(events[2], an.ContentBlockStart)
    assert events[2].content_block == an.UnknownBlock("future_block", {"k": "v"})
    assert events[3] == an.Ping({"note": "extra key"})
    assert events[4] == an.MessageStop({"trailer": True})
    for obj, event in zip(objs, events, strict=True):
        assert event.to_dict() == obj
        assert an.event_from_dict(obj) == event
        assert an.event_from_dict(obj).to_dict() == obj


def test_type_falls_back_to_the_sse_event_name_only_when_the_json_has_none() -> None:
    event = an.parse_event(ServerSentEvent(event="error", data='{"error": {"type": "x"}}'))
    assert isinstance(event, an.ErrorEvent)
    assert event.error_type == "x"
    assert event.message == ""
    assert event.to_dict() == {"error": {"type": "x"}}
    # The JSON's own type wins over the SSE name.
    event2 = an.parse_event(ServerSentEvent(event="ping", data='{"type":"message_stop"}'))
    assert isinstance(event2, an.MessageStop)
    with pytest.raises(PayloadError):
        an.parse_event(ServerSentEvent(data="{}"))


def test_pluggable_json_parser_is_used() -> None:
    seen: list[str] = []

    def loads(text: str) -> Any:
        seen.append(text)
        return json.loads(text)

    objs = [START, *tool_block(0, ['{"a"', ": 1}"]), STOP]
    message = an.collect_message([sse(o) for o in objs], json_loads=loads)
    assert message.content[0] == an.ToolUseBlock("toolu_0", "f", {"a": 1})
    assert '{"a": 1}' in seen
    assert len(seen) == len(objs) + 1


# -- accumulator ------------------------------------------------------------------


def test_tool_input_fragments_are_joined_then_parsed() -> None:
    message = collect([START, *tool_block(0, ["", '{"ci', 'ty": "Par', 'is"}']), STOP])
    (block,) = message.content
    assert block == an.ToolUseBlock("toolu_0", "f", {"city": "Paris"})


@pytest.mark.parametrize("fragments", [[], [""], ["", ""]])
def test_empty_joined_tool_input_is_an_empty_object(fragments: list[str]) -> None:
    message = collect([START, *tool_block(0, fragments), STOP])
    assert message.content[0] == an.ToolUseBlock("toolu_0", "f", {})


@pytest.mark.parametrize("fragments", [['{"a": '], ["[1, 2]"], ['{"a": 1}', "x"], ["nul", "l"]])
def test_invalid_joined_tool_input_is_an_error_carrying_the_raw_text(
    fragments: list[str],
) -> None:
    with pytest.raises(an.ToolInputError) as info:
        collect([START, *tool_block(2, fragments, name="lookup"), STOP])
    err = info.value
    assert isinstance(err, SSEError)
    assert isinstance(err, PayloadError)
    assert err.data == "".join(fragments)
    assert (err.index, err.id, err.name) == (2, "toolu_2", "lookup")


def test_open_tool_block_with_partial_json_in_snapshot_and_result() -> None:
    acc = an.MessageAccumulator()
    for obj in [START, *tool_block(0, ['{"a": '])[:-1]]:
        acc.add(an.event_from_dict(obj))
    snap = acc.snapshot()
    assert snap is not None
    assert snap.content[0] == an.ToolUseBlock("toolu_0", "f", {})
    with pytest.raises(IncompleteStreamError):
        acc.result()
    with pytest.raises(an.ToolInputError):
        acc.result(require_stop=False)


def test_usage_is_message_start_usage_updated_by_message_delta() -> None:
    objs: list[dict[str, Any]] = [
        START,
        {
            "type": "message_delta",
            "delta": {"stop_reason": "max_tokens", "stop_sequence": None},
            "usage": {"output_tokens": 50, "input_tokens": None, "server_tool_use": {"n": 1}},
        },
        {"type": "message_delta", "delta": {"stop_reason": None}, "usage": {"output_tokens": 70}},
        STOP,
    ]
    message = collect(objs)
    assert dict(message.usage) == {
        "input_tokens": 10,  # a null in message_delta does not erase it
        "output_tokens": 70,
        "cache_read_input_tokens": 4,
        "server_tool_use": {"n": 1},
    }
    assert message.stop_reason == "max_tokens"  # a later null does not reset it
    assert message.stop_sequence is None


def test_stop_sequence_and_delta_extra_reach_the_message() -> None:
    objs: list[dict[str, Any]] = [
        START,
        {
            "type": "message_delta",
            "delta": {"stop_reason": "stop_sequence", "stop_sequence": "END", "stop_details": 1},
            "usage": {"output_tokens": 3},
        },
        STOP,
    ]
    message = collect(objs)
    assert (message.stop_reason, message.stop_sequence) == ("stop_sequence", "END")
    assert message.extra == {"stop_details": 1}


def test_thinking_signature_redacted_thinking_and_citations() -> None:
    citation = {"type": "char_location", "cited_text": "x", "document_index": 0}
    objs = [
        START,
        block_start(0, {"type": "thinking", "thinking": ""}),
        delta(0, {"type": "thinking_delta", "thinking": "Let me "}),
        delta(0, {"type": "thinking_delta", "thinking": "think."}),
        delta(0, {"type": "signature_delta", "signature": "c2ln"}),
        block_stop(0),
        block_start(1, {"type": "redacted_thinking", "data": "opaque"}),
        block_stop(1),
        block_start(2, {"type": "text", "text": "", "citations": None}),
        delta(2, {"type": "citations_delta", "citation": citation}),
        delta(2, {"type": "text_delta", "text": "cited"}),
        block_stop(2),
        STOP,
    ]
    message = collect(objs)
    assert message.content == (
        an.ThinkingBlock("Let me think.", "c2ln"),
        an.RedactedThinkingBlock("opaque"),
        an.TextBlock("cited", {"citations": [citation]}),
    )
    assert message.text == "cited"


def test_blocks_come_out_in_index_order() -> None:
    objs = [
        START,
        block_start(1, {"type": "text", "text": "b"}),
        block_start(0, {"type": "text", "text": "a"}),
        block_stop(0),
        block_stop(1),
        STOP,
    ]
    assert collect(objs).text == "ab"


@pytest.mark.parametrize(
    ("objs", "what"),
    [
        ([block_start(0, {"type": "text", "text": ""})], "before message_start"),
        ([START, START], "second message_start"),
        ([START, delta(0, {"type": "text_delta", "text": "x"})], "never started"),
        ([START, block_stop(0)], "never started"),
        ([START, *tool_block(0, []), block_stop(0)], "already stopped"),
        (
            [
                START,
                block_start(0, {"type": "text", "text": ""}),
                block_start(0, {"type": "text", "text": "x"}),
            ],
            "started twice",
        ),
        (
            [START, *tool_block(0, [])[:1], delta(0, {"type": "text_delta", "text": "x"})],
            "text_delta for a tool_use block",
        ),
        (
            [
                START,
                block_start(0, {"type": "text", "text": ""}),
                delta(0, {"type": "thinking_delta", "thinking": "x"}),
            ],
            "thinking_delta for a text block",
        ),
        (
            [
                START,
                block_start(0, {"type": "text", "text": ""}),
                delta(0, {"type": "signature_delta", "signature": "x"}),
            ],
            "signature_delta for a text block",
        ),
        (
            [
                START,
                block_start(0, {"type": "text", "text": ""}),
                delta(0, {"type": "input_json_delta", "partial_json": "x"}),
            ],
            "input_json_delta for a text block",
        ),
        (
            [START, *tool_block(0, [])[:1], delta(0, {"type": "citations_delta", "citation": {}})],
            "citations_delta for a tool_use block",
        ),
    ],
)
def test_out_of_order_events_are_payload_errors(objs: list[dict[str, Any]], what: str) -> None:
    with pytest.raises(PayloadError, match=what):
        collect([*objs, STOP])


def test_unknown_things_are_kept_in_unhandled_not_dropped() -> None:
    objs: list[dict[str, Any]] = [
        START,
        {"type": "future_event"},
        block_start(0, {"type": "text", "text": ""}),
        delta(0, {"type": "future_delta"}),
        block_start(1, {"type": "web_search_tool_result", "content": []}),
        delta(1, {"type": "text_delta", "text": "?"}),
        block_stop(0),
        block_stop(1),
        STOP,
    ]
    acc = an.MessageAccumulator()
    for obj in objs:
        acc.add(an.event_from_dict(obj))
    assert [e.to_dict() for e in acc.unhandled] == [objs[1], objs[3], objs[5]]
    assert acc.done
    assert acc.result().content[1] == an.UnknownBlock("web_search_tool_result", {"content": []})


def test_input_json_fills_unmodelled_tool_like_blocks() -> None:
    block = {"type": "mcp_tool_use", "id": "mcp_1", "name": "n", "server_name": "s", "input": {}}
    objs = [
        START,
        block_start(0, block),
        delta(0, {"type": "input_json_delta", "partial_json": '{"q": 1}'}),
        block_stop(0),
        STOP,
    ]
    (result,) = collect(objs).content
    assert result.to_dict() == {**block, "input": {"q": 1}}


def test_result_before_message_start_is_incomplete() -> None:
    acc = an.MessageAccumulator()
    assert acc.snapshot() is None
    with pytest.raises(IncompleteStreamError) as info:
        acc.result()
    assert info.value.received is None


def test_accumulated_message_to_dict_is_the_non_streaming_shape() -> None:
    objs = [
        START,
        block_start(0, {"type": "text", "text": ""}),
        delta(0, {"type": "text_delta", "text": "Hi"}),
        block_stop(0),
        *tool_block(1, ['{"x": [1]}']),
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 9},
        },
        STOP,
    ]
    assert collect(objs).to_dict() == {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-x",
        "content": [
            {"type": "text", "text": "Hi"},
            {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"x": [1]}},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 9, "cache_read_input_tokens": 4},
    }


# -- encoder ----------------------------------------------------------------------


def test_encoder_writes_compact_named_events() -> None:
    assert an.encode_event(an.Ping()) == b'event: ping\ndata: {"type":"ping"}\n\n'
    event = an.ContentBlockDelta(0, an.TextDelta("h\u00e9\n"))
    assert an.encode_event(event) == (
        b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
        b'"delta":{"type":"text_delta","text":"h\xc3\xa9\\n"}}\n\n'
    )
    assert an.encode_event(an.MessageDelta("end_turn", None, {"output_tokens": 2})) == (
        b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":'
        b'"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}\n\n'
    )
    assert an.encode_event(an.Ping(), json_dumps=lambda o: json.dumps(o)) == (
        b'event: ping\ndata: {"type": "ping"}\n\n'
    )


@pytest.mark.parametrize(
    "event",
    [
        an.ContentBlockStart(0, an.ToolUseBlock("t", "f", {"x": float("nan")})),
        an.ContentBlockDelta(0, an.TextDelta("\ud800")),
        an.ErrorEvent({"when": object()}),
        an.UnknownEvent("a\nb"),
    ],
)
def test_encoder_refuses_what_json_or_sse_cannot_carry(event: an.AnthropicEvent) -> None:
    with pytest.raises(SSEEncodeError):
        an.encode_event(event)


def test_replace_drops_the_received_text() -> None:
    import dataclasses

    (received,) = iter_events([b'event: ping\ndata: {"type":  "ping"}\n\n'])
    ping = an.parse_event(received)
    assert an.encode_event(ping) == b'event: ping\ndata: {"type":  "ping"}\n\n'
    changed = dataclasses.replace(ping, extra={"n": 1})
    assert an.encode_event(changed) == b'event: ping\ndata: {"type":"ping","n":1}\n\n'


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
extras = st.dictionaries(st.sampled_from(["zz", "note", "x_extra"]), json_values, max_size=2)
texts = st.text(max_size=20)
blocks = st.one_of(
    st.builds(an.TextBlock, texts, extras),
    st.builds(
        an.ToolUseBlock, texts, texts, st.dictionaries(texts, json_values, max_size=3), extras
    ),
    st.builds(an.ServerToolUseBlock, texts, texts, st.just({}), extras),
    st.builds(an.ThinkingBlock, texts, st.none() | texts, extras),
    st.builds(an.RedactedThinkingBlock, texts, extras),
    st.builds(an.UnknownBlock, st.sampled_from(["web_search_tool_result", "x"]), extras),
)
deltas = st.one_of(
    st.builds(an.TextDelta, texts, extras),
    st.builds(an.InputJSONDelta, texts, extras),
    st.builds(an.ThinkingDelta, texts, extras),
    st.builds(an.SignatureDelta, texts, extras),
    st.builds(an.CitationsDelta, st.dictionaries(texts, json_values, max_size=2), extras),
    st.builds(an.UnknownDelta, st.sampled_from(["future_delta"]), extras),
)
indexes = st.integers(0, 2**40)
messages = st.builds(
    an.Message,
    texts,
    texts,
    texts,
    st.lists(blocks, max_size=2).map(tuple),
    st.none() | texts,
    st.none() | texts,
    st.dictionaries(texts, json_values, max_size=3),
    extras,
)
events = st.one_of(
    st.builds(an.MessageStart, messages, extras),
    st.builds(an.ContentBlockStart, indexes, blocks, extras),
    st.builds(an.ContentBlockDelta, indexes, deltas, extras),
    st.builds(an.ContentBlockStop, indexes, extras),
    st.builds(
        an.MessageDelta,
        st.none() | texts,
        st.none() | texts,
        st.none() | st.dictionaries(texts, json_values, max_size=2),
        extras,
        extras,
    ),
    st.builds(an.MessageStop, extras),
    st.builds(an.Ping, extras),
    st.builds(an.ErrorEvent, st.dictionaries(texts, json_values, max_size=2), extras),
    st.builds(an.UnknownEvent, st.sampled_from(["future", "message.x"]), extras),
)


@given(st.lists(events, max_size=5), st.integers(1, 50))
def test_encode_decode_parse_round_trip(items: list[an.AnthropicEvent], step: int) -> None:
    wire = b"".join(an.encode_stream(items))
    chunks = (wire[i : i + step] for i in range(0, len(wire), step))
    back = [an.parse_event(e) for e in iter_events(chunks)]
    assert back == items
    assert [b.to_dict() for b in back] == [i.to_dict() for i in items]
    # and the parsed events re-encode to the very same bytes
    assert b"".join(an.encode_stream(back)) == wire


def test_a_hand_built_extra_key_never_overrides_a_field() -> None:
    event = an.ContentBlockDelta(0, an.TextDelta("x", {"text": "y"}), {"type": "z", "index": 9})
    assert event.to_dict() == {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": "x"},
    }
    assert an.UnknownEvent("u", {"type": "v", "a": 1}).to_dict() == {"type": "u", "a": 1}


@pytest.mark.parametrize(
    ("data", "payload"),
    [("Overloaded", "Overloaded"), ('{"message": "x"}', {"message": "x"}), ("null", None)],
)
def test_an_error_event_that_does_not_parse_is_still_a_stream_error(
    data: str, payload: object
) -> None:
    bad = ServerSentEvent(event="error", data=data)
    with pytest.raises(StreamError) as info:
        list(an.iter_stream_events([sse(START), bad]))
    assert info.value.payload == payload
    assert info.value.event == bad
    with pytest.raises(StreamError) as info2:
        an.collect_message([sse(START), bad])
    assert info2.value.payload == payload
    assert info2.value.event == bad
    assert isinstance(info2.value.received, an.Message)
    # Only an event named "error" gets this treatment.
    with pytest.raises(PayloadError):
        an.parse_event(ServerSentEvent(event="content_block_delta", data=data))


_TYPES = [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
    "ping",
    "error",
    "other",
]
_NESTED = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(
            ["text", "tool_use", "thinking", "text_delta", "input_json_delta", "message", "x"]
        ),
        "text": json_values,
        "id": json_values,
        "name": json_values,
        "input": json_values,
        "partial_json": json_values,
        "thinking": json_values,
        "signature": json_values,
        "model": json_values,
        "role": json_values,
        "content": json_values,
        "stop_reason": json_values,
        "usage": json_values,
    },
)
fuzz_objects = st.fixed_dictionaries(
    {"type": st.sampled_from(_TYPES)},
    optional={
        "index": st.integers(0, 3) | json_values,
        "message": _NESTED | json_values,
        "content_block": _NESTED | json_values,
        "delta": _NESTED | json_values,
        "usage": st.dictionaries(st.sampled_from(["input_tokens", "output_tokens"]), json_values)
        | json_values,
        "error": json_values,
    },
)


@given(st.lists(fuzz_objects, max_size=8))
def test_odd_events_parse_exactly_or_raise_only_our_errors(objs: list[dict[str, Any]]) -> None:
    acc = an.MessageAccumulator()
    for obj in [START, *objs]:
        try:
            event = an.event_from_dict(obj)
        except PayloadError:
            continue
        assert event.to_dict() == obj
        with contextlib.suppress(SSEError):
            acc.add(event)
    with contextlib.suppress(SSEError):
        acc.result(require_stop=False)
