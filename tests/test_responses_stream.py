"""Responses layer on hand-made streams: errors, edge cases, encoder round trips."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
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
    StreamError,
    iter_events,
)
from sse_codec import responses as rs


def sse(obj: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(event=obj.get("type", "message"), data=json.dumps(obj))


def response(status: str, **more: Any) -> dict[str, Any]:
    return {"id": "resp_1", "object": "response", "status": status, "output": [], **more}


CREATED = {"type": "response.created", "response": response("in_progress")}
USAGE = {"input_tokens": 5, "output_tokens": 7, "total_tokens": 12}
COMPLETED = {"type": "response.completed", "response": response("completed", usage=USAGE)}


def msg_item(item_id: str, status: str = "in_progress", content: Any = ()) -> dict[str, Any]:
    return {
        "type": "message",
        "id": item_id,
        "status": status,
        "role": "assistant",
        "content": list(content),
    }


def added(index: int, item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "response.output_item.added", "output_index": index, "item": item}


def item_done(index: int, item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "response.output_item.done", "output_index": index, "item": item}


def text_delta(item_id: str, index: int, part: int, delta: str) -> dict[str, Any]:
    return {
        "type": "response.output_text.delta",
        "item_id": item_id,
        "output_index": index,
        "content_index": part,
        "delta": delta,
    }


def text_done(item_id: str, index: int, part: int, text: str) -> dict[str, Any]:
    return {
        "type": "response.output_text.done",
        "item_id": item_id,
        "output_index": index,
        "content_index": part,
        "text": text,
    }


def collect(objs: list[dict[str, Any]], **kw: Any) -> rs.ResponseResult:
    return rs.collect_response([sse(o) for o in objs], **kw)


def test_error_event_raises_the_shared_stream_error() -> None:
    error = {
        "type": "error",
        "code": "server_error",
        "message": "oops",
        "param": None,
        "sequence_number": 3,
    }
    events = [sse(CREATED), sse(error)]
    assert issubclass(rs.StreamError, sse_codec.StreamError)
    with pytest.raises(StreamError) as info:
        list(rs.iter_response_events(events))
    assert info.value.payload == error
    assert info.value.event == events[1]
    assert "server_error" in str(info.value)
    with pytest.raises(StreamError) as info2:
        rs.collect_response(events)
    assert info2.value.event == events[1]
    partial = info2.value.received
    assert isinstance(partial, rs.ResponseResult)
    assert partial.status == "in_progress"


def test_response_failed_raises_with_the_error_object_and_the_failed_result() -> None:
    err = {"code": "rate_limit_exceeded", "message": "slow down"}
    failed = {"type": "response.failed", "response": response("failed", error=err)}
    objs = [CREATED, added(0, msg_item("m")), text_delta("m", 0, 0, "Hi"), failed]
    with pytest.raises(StreamError) as info:
        list(rs.iter_response_events([sse(o) for o in objs]))
    assert info.value.payload == err
    with pytest.raises(StreamError) as info2:
        collect(objs)
    partial = info2.value.received
    assert isinstance(partial, rs.ResponseResult)
    assert (partial.status, partial.output_text, partial.error) == ("failed", "Hi", err)
    # A failed response without an error object: the payload is the response.
    bare = {"type": "response.failed", "response": response("failed")}
    with pytest.raises(StreamError) as info3:
        collect([bare])
    assert info3.value.payload == bare["response"]


def test_response_incomplete_is_an_end_not_an_error() -> None:
    details = {"reason": "max_output_tokens"}
    end = {
        "type": "response.incomplete",
        "response": response("incomplete", incomplete_details=details, usage=USAGE),
    }
    objs = [CREATED, added(0, msg_item("m")), text_delta("m", 0, 0, "Hal"), end]
    assert len(list(rs.iter_response_events([sse(o) for o in objs]))) == 4
    result = collect(objs)
    assert (result.status, result.output_text, result.usage) == ("incomplete", "Hal", USAGE)
    assert result.response is not None
    assert result.response["incomplete_details"] == details


def test_stream_without_an_end_event_is_incomplete() -> None:
    events = [sse(CREATED), sse(added(0, msg_item("m")))]
    with pytest.raises(IncompleteStreamError):
        list(rs.iter_response_events(events))
    assert len(list(rs.iter_response_events(events, require_end=False))) == 2
    assert collect([CREATED], require_end=False).status == "in_progress"


def test_async_reader() -> None:
    async def gen(items: list[ServerSentEvent]) -> AsyncIterator[ServerSentEvent]:
        for item in items:
            yield item

    async def run(items: list[ServerSentEvent], **kw: Any) -> list[rs.ResponseEvent]:
        return [e async for e in rs.aiter_response_events(gen(items), **kw)]

    assert len(asyncio.run(run([sse(CREATED), sse(COMPLETED)]))) == 2
    with pytest.raises(IncompleteStreamError):
        asyncio.run(run([sse(CREATED)]))
    assert len(asyncio.run(run([sse(CREATED)], require_end=False))) == 1
    with pytest.raises(StreamError):
        asyncio.run(run([sse({"type": "error", "message": "x"})]))


@pytest.mark.parametrize("data", ["{", "[]", "3", ""])
def test_data_that_is_not_a_json_object_is_a_payload_error(data: str) -> None:
    event = ServerSentEvent(event="response.output_text.delta", data=data)
    with pytest.raises(PayloadError) as info:
        list(rs.iter_response_events([event]))
    assert info.value.data == data


@pytest.mark.parametrize(
    "obj",
    [
        {"type": "response.output_text.delta", "item_id": "m", "output_index": 0, "delta": "x"},
        {**text_delta("m", 0, 0, "x"), "delta": None},
        {**text_delta("m", 0, 0, "x"), "output_index": 1.5},
        {**text_delta("m", 0, 0, "x"), "sequence_number": "1"},
        {"type": "response.created", "response": None},
        {"type": "response.output_item.added", "output_index": 0, "item": []},
        {"type": "error", "message": 3},
    ],
)
def test_known_event_with_a_wrong_shape_is_a_payload_error(obj: dict[str, Any]) -> None:
    with pytest.raises(PayloadError):
        rs.parse_event(sse(obj))
    with pytest.raises(PayloadError):
        rs.event_from_dict(obj)


def test_unknown_events_and_keys_are_kept() -> None:
    objs: list[dict[str, Any]] = [
        {"type": "response.web_search_call.searching", "item_id": "ws", "sequence_number": 4},
        {**text_delta("m", 0, 0, "x"), "logprobs": [], "sequence_number": 9},
    ]
    unknown, delta = (rs.parse_event(sse(o)) for o in objs)
    assert unknown == rs.UnknownEvent(
        "response.web_search_call.searching", {"item_id": "ws", "sequence_number": 4}
    )
    assert delta == rs.OutputTextDelta("m", 0, 0, "x", sequence_number=9, extra={"logprobs": []})
    for obj in objs:
        assert rs.event_from_dict(obj).to_dict() == obj
    acc = rs.ResponseAccumulator()
    acc.add(unknown)
    assert acc.unhandled == (unknown,)


def test_text_over_items_and_parts_is_joined_in_order() -> None:
    objs = [
        CREATED,
        added(1, msg_item("b")),
        added(0, msg_item("a")),
        text_delta("b", 1, 0, "B"),
        text_delta("a", 0, 1, "2"),
        text_delta("a", 0, 0, "1"),
        text_delta("a", 0, 0, "1"),
        text_done("a", 0, 0, "11"),
        COMPLETED,
    ]
    result = collect(objs)
    assert result.output_text == "112B"
    assert dict(result.text_by_item) == {"a": "112", "b": "B"}
    assert (result.status, result.usage, result.id) == ("completed", USAGE, "resp_1")


def test_done_text_alone_is_used_and_a_contradiction_is_an_error() -> None:
    objs = [CREATED, added(0, msg_item("m")), text_done("m", 0, 0, "whole"), COMPLETED]
    assert collect(objs).output_text == "whole"
    bad = [CREATED, added(0, msg_item("m")), text_delta("m", 0, 0, "a"), text_done("m", 0, 0, "b")]
    with pytest.raises(PayloadError, match="differs from its joined deltas"):
        collect(bad)


def test_whole_items_without_deltas_still_give_their_text() -> None:
    part = {"type": "output_text", "text": "from item", "annotations": []}
    objs = [
        CREATED,
        added(0, msg_item("m")),
        item_done(0, msg_item("m", "completed", [part])),
        COMPLETED,
    ]
    assert collect(objs).output_text == "from item"


def test_function_calls_reasoning_summary_and_refusal() -> None:
    call = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "f",
        "arguments": "",
        "status": "in_progress",
    }
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": []}
    base = {"item_id": "rs_1", "output_index": 0}
    objs = [
        CREATED,
        added(0, reasoning),
        {
            "type": "response.reasoning_summary_part.added",
            **base,
            "summary_index": 0,
            "part": {"type": "summary_text", "text": ""},
        },
        {
            "type": "response.reasoning_summary_text.delta",
            **base,
            "summary_index": 0,
            "delta": "Think",
        },
        {
            "type": "response.reasoning_summary_text.delta",
            **base,
            "summary_index": 0,
            "delta": "ing.",
        },
        {
            "type": "response.reasoning_summary_text.done",
            **base,
            "summary_index": 0,
            "text": "Thinking.",
        },
        {
            "type": "response.reasoning_summary_text.delta",
            **base,
            "summary_index": 1,
            "delta": "More.",
        },
        added(1, call),
        {
            "type": "response.function_call_arguments.delta",
            "item_id": "fc_1",
            "output_index": 1,
            "delta": '{"a"',
        },
        {
            "type": "response.function_call_arguments.delta",
            "item_id": "fc_1",
            "output_index": 1,
            "delta": ": 1}",
        },
        added(2, msg_item("m")),
        {
            "type": "response.refusal.delta",
            "item_id": "m",
            "output_index": 2,
            "content_index": 0,
            "delta": "No",
        },
        {
            "type": "response.refusal.done",
            "item_id": "m",
            "output_index": 2,
            "content_index": 0,
            "refusal": "No",
        },
        COMPLETED,
    ]
    result = collect(objs)
    assert result.reasoning_summary == ("Thinking.", "More.")
    assert result.refusal == "No"
    assert result.function_calls == (
        rs.FunctionCall("call_1", "f", '{"a": 1}', "fc_1", 1, "in_progress"),
    )
    assert result.function_calls[0].parse_arguments() == {"a": 1}
    assert rs.FunctionCall("c", "f", "").parse_arguments() == {}
    with pytest.raises(PayloadError) as info:
        rs.FunctionCall("c", "f", '{"a":').parse_arguments()
    assert info.value.data == '{"a":'


@pytest.mark.parametrize(
    ("objs", "what"),
    [
        ([text_delta("m", 0, 0, "x")], "never added"),
        ([added(0, msg_item("m")), added(0, msg_item("m"))], "added twice"),
        ([added(0, msg_item("m")), text_delta("other", 0, 0, "x")], "names item 'other'"),
        ([item_done(3, msg_item("m"))], "never added"),
    ],
)
def test_events_out_of_order_are_payload_errors(objs: list[dict[str, Any]], what: str) -> None:
    with pytest.raises(PayloadError, match=what):
        collect([CREATED, *objs, COMPLETED])


def test_encoder_writes_compact_named_events() -> None:
    event = rs.OutputTextDelta("m", 0, 0, "\u00e9", sequence_number=2)
    assert rs.encode_event(event) == (
        b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta",'
        b'"item_id":"m","output_index":0,"content_index":0,"delta":"\xc3\xa9",'
        b'"sequence_number":2}\n\n'
    )
    with pytest.raises(SSEEncodeError):
        rs.encode_event(rs.ResponseCreated({"temperature": float("inf")}))
    with pytest.raises(SSEEncodeError):
        rs.encode_event(rs.UnknownEvent("a\rb"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
objects = st.dictionaries(st.text(max_size=6), json_values, max_size=3)
extras = st.dictionaries(st.sampled_from(["logprobs", "obfuscation"]), json_values, max_size=2)
texts = st.text(max_size=20)
ints = st.integers(0, 2**40)
seqs = st.none() | ints


def _part_event(cls: Any, last: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.builds(cls, texts, ints, ints, last, sequence_number=seqs, extra=extras)


events = st.one_of(
    *(
        st.builds(cls, objects, sequence_number=seqs, extra=extras)
        for cls in (
            rs.ResponseCreated,
            rs.ResponseQueued,
            rs.ResponseInProgress,
            rs.ResponseCompleted,
            rs.ResponseIncomplete,
            rs.ResponseFailed,
        )
    ),
    st.builds(rs.OutputItemAdded, ints, objects, sequence_number=seqs, extra=extras),
    st.builds(rs.OutputItemDone, ints, objects, sequence_number=seqs, extra=extras),
    _part_event(rs.ContentPartAdded, objects),
    _part_event(rs.ContentPartDone, objects),
    _part_event(rs.OutputTextDelta, texts),
    _part_event(rs.OutputTextDone, texts),
    _part_event(rs.RefusalDelta, texts),
    _part_event(rs.RefusalDone, texts),
    _part_event(rs.ReasoningSummaryPartAdded, objects),
    _part_event(rs.ReasoningSummaryPartDone, objects),
    _part_event(rs.ReasoningSummaryTextDelta, texts),
    _part_event(rs.ReasoningSummaryTextDone, texts),
    st.builds(rs.FunctionCallArgumentsDelta, texts, ints, texts, sequence_number=seqs),
    st.builds(rs.FunctionCallArgumentsDone, texts, ints, texts, sequence_number=seqs),
    st.builds(rs.ErrorEvent, st.none() | texts, st.none() | texts, st.none() | texts),
    st.builds(
        rs.UnknownEvent,
        st.sampled_from(["response.x", "other"]),
        objects.filter(lambda d: "type" not in d),
    ),
)


@given(st.lists(events, max_size=5), st.integers(1, 50))
def test_encode_decode_parse_round_trip(items: list[rs.ResponseEvent], step: int) -> None:
    wire = b"".join(rs.encode_stream(items))
    chunks = (wire[i : i + step] for i in range(0, len(wire), step))
    back = [rs.parse_event(e) for e in iter_events(chunks)]
    assert back == items
    assert b"".join(rs.encode_stream(back)) == wire


def test_a_hand_built_extra_key_never_overrides_a_field() -> None:
    event = rs.OutputTextDelta("m", 0, 0, "x", extra={"delta": "y", "type": "z", "k": 1})
    assert event.to_dict() == {
        "type": "response.output_text.delta",
        "item_id": "m",
        "output_index": 0,
        "content_index": 0,
        "delta": "x",
        "k": 1,
    }


@pytest.mark.parametrize(("data", "payload"), [("boom", "boom"), ('{"code": 1}', {"code": 1})])
def test_an_error_event_that_does_not_parse_is_still_a_stream_error(
    data: str, payload: object
) -> None:
    bad = ServerSentEvent(event="error", data=data)
    with pytest.raises(StreamError) as info:
        list(rs.iter_response_events([sse(CREATED), bad]))
    assert info.value.payload == payload
    with pytest.raises(StreamError) as info2:
        rs.collect_response([sse(CREATED), bad])
    assert info2.value.payload == payload
    assert info2.value.event == bad
    assert isinstance(info2.value.received, rs.ResponseResult)


_RS_TYPES = [
    "response.created",
    "response.completed",
    "response.failed",
    "response.output_item.added",
    "response.output_item.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.reasoning_summary_text.delta",
    "error",
    "other",
]
fuzz_objects = st.fixed_dictionaries(
    {"type": st.sampled_from(_RS_TYPES)},
    optional={
        "item_id": st.sampled_from(["a", "b"]) | json_values,
        "output_index": st.integers(0, 2) | json_values,
        "content_index": st.integers(0, 2) | json_values,
        "summary_index": st.integers(0, 2) | json_values,
        "delta": texts | json_values,
        "text": texts | json_values,
        "arguments": texts | json_values,
        "item": st.fixed_dictionaries(
            {},
            optional={
                "type": st.sampled_from(["message", "function_call", "reasoning"]),
                "id": st.sampled_from(["a", "b"]) | json_values,
                "content": json_values,
                "summary": json_values,
                "arguments": json_values,
            },
        )
        | json_values,
        "response": objects | json_values,
        "sequence_number": json_values,
    },
)


@given(st.lists(fuzz_objects, max_size=8))
def test_odd_events_parse_exactly_or_raise_only_our_errors(objs: list[dict[str, Any]]) -> None:
    acc = rs.ResponseAccumulator()
    for obj in objs:
        try:
            event = rs.event_from_dict(obj)
        except PayloadError:
            continue
        assert event.to_dict() == obj
        with contextlib.suppress(sse_codec.SSEError):
            acc.add(event)
    acc.result(require_end=False)
