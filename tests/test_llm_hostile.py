"""The typed LLM layers against payloads a peer controls: regressions for what
structure-aware fuzzing found, bodies that are not event streams, the precise
``received`` types of the stream errors, and ``ToolCall.parse_arguments``."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

import sse_codec
from sse_codec import (
    Comment,
    NotAnEventStreamError,
    PayloadError,
    ServerSentEvent,
    SSEEncodeError,
    iter_events,
)
from sse_codec import anthropic as an
from sse_codec import openai as oa
from sse_codec import responses as rs
from sse_codec.convert import anthropic_to_chat_sse

START = (
    b"event: message_start\n"
    b'data: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant",'
    b'"model":"c","content":[],"stop_reason":null,"stop_sequence":null,'
    b'"usage":{"input_tokens":1,"output_tokens":1}}}\n\n'
    b"event: content_block_start\n"
    b'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
)
DEEP = "[" * 500 + "]" * 500
PROXY_ERROR = b'data: {"error": {"message": "upstream failed", "type": "server_error"}}\n\n'
NOT_STREAMS = [
    b'{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}',
    b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\n<body>nope</body></html>\n",
    b"",
]


@pytest.mark.parametrize("kind", ['{"a": 1}', "[1, 2]", "null", "7"])
def test_anthropic_delta_type_of_the_wrong_json_type_is_a_payload_error(kind: str) -> None:
    body = (
        START
        + (
            "event: content_block_delta\n"
            'data: {"type":"content_block_delta","index":0,'
            f'"delta":{{"type":{kind},"text":"x"}}}}\n\n'
        ).encode()
    )
    with pytest.raises(PayloadError, match=r"delta: 'type' must be a string"):
        an.collect_message(iter_events([body]))
    with pytest.raises(PayloadError, match=r"delta: 'type' must be a string"):
        list(anthropic_to_chat_sse(iter_events([body])))


def test_deeply_nested_values_copy_and_encode_without_recursion_errors() -> None:
    nested = json.loads(DEEP)
    for parse, data in (
        (an.parse_event, json.dumps({"type": "ping", "x": nested})),
        (rs.parse_event, json.dumps({"type": "response.x_new", "x": nested})),
    ):
        event = parse(ServerSentEvent(data=data))
        assert event.to_dict() == json.loads(data)
    # Deeper than json.dumps can walk: a typed error, not RecursionError.
    deeper: list[object] = []
    for _ in range(5000):
        deeper = [deeper]
    very_deep = an.Ping(extra={"x": deeper})
    with pytest.raises(SSEEncodeError, match="nested too deeply"):
        an.encode_event(very_deep)


def test_responses_error_event_nested_500_deep_is_a_stream_error() -> None:
    body = f'event: error\ndata: {{"type":"error","code":"x","message":"m","param":{DEEP}}}\n\n'
    with pytest.raises(rs.StreamError) as info:
        rs.collect_response(iter_events([body.encode()]))
    assert info.value.payload == json.loads(body.split("data: ", 1)[1])


def test_a_proxys_bare_error_object_is_a_stream_error_in_every_layer() -> None:
    with pytest.raises(an.StreamError, match="server_error: upstream failed") as a:
        an.collect_message(iter_events([PROXY_ERROR]))
    assert a.value.payload == {"message": "upstream failed", "type": "server_error"}
    with pytest.raises(rs.StreamError, match="server_error: upstream failed") as r:
        rs.collect_response(iter_events([PROXY_ERROR]))
    assert r.value.payload == {"message": "upstream failed", "type": "server_error"}
    with pytest.raises(an.StreamError):
        list(an.iter_stream_events(iter_events([PROXY_ERROR])))
    # The converter passes it on as the chat stream's in-band error.
    out = b"".join(anthropic_to_chat_sse(iter_events([PROXY_ERROR])))
    assert json.loads(out.split(b"data: ", 1)[1]) == {
        "error": {"message": "upstream failed", "type": "server_error"}
    }


@pytest.mark.parametrize("typed", [True, False])
def test_responses_error_event_carrying_an_error_object_says_what_it_is(typed: bool) -> None:
    obj: dict[str, object] = {"error": {"message": "boom", "code": "server_error"}}
    if typed:
        obj = {"type": "error", **obj}
    body = f"event: error\ndata: {json.dumps(obj)}\n\n".encode()
    with pytest.raises(rs.StreamError, match="server_error: boom"):
        rs.collect_response(iter_events([body]))


@pytest.mark.parametrize("body", NOT_STREAMS)
def test_a_body_that_is_not_an_event_stream_says_so(body: bytes) -> None:
    readers: list[Callable[[], object]] = [
        lambda: list(oa.iter_chunks(iter_events([body]))),
        lambda: an.collect_message(iter_events([body])),
        lambda: list(an.iter_stream_events(iter_events([body]))),
        lambda: rs.collect_response(iter_events([body])),
        lambda: list(rs.iter_response_events(iter_events([body]))),
    ]
    for read in readers:
        with pytest.raises(NotAnEventStreamError, match="not an event stream") as info:
            read()
        # Still an IncompleteStreamError, so handlers of truncation handle it too.
        assert isinstance(info.value, sse_codec.IncompleteStreamError)
    with pytest.raises(oa.NotAnEventStreamError) as chat:
        list(oa.iter_chunks(iter_events([body])))
    assert chat.value.received == oa.ChatCompletion()


def test_a_truncated_event_stream_is_still_called_truncated() -> None:
    # A comment (from feed_items) shows the body is an event stream.
    with pytest.raises(oa.IncompleteStreamError) as info:
        list(oa.iter_chunks([Comment("keep-alive")]))
    assert not isinstance(info.value, NotAnEventStreamError)
    with pytest.raises(an.IncompleteStreamError) as a:
        an.collect_message(iter_events([START]))
    assert not isinstance(a.value, NotAnEventStreamError)
    assert a.value.received is not None and a.value.received.id == "m"


def test_received_is_typed_per_layer() -> None:
    chunk = b'data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n'
    with pytest.raises(oa.IncompleteStreamError) as info:
        list(oa.iter_chunks(iter_events([chunk])))
    # mypy --strict checks this line: received is a ChatCompletion, not object.
    assert info.value.received.choices[0].message.content == "hi"
    with pytest.raises(oa.StreamError) as err:
        list(oa.iter_chunks(iter_events([chunk, b'data: {"error": {"message": "x"}}\n\n'])))
    assert err.value.received.choices[0].message.content == "hi"
    assert oa.StreamError("m", payload=None).received == oa.ChatCompletion()
    with pytest.raises(rs.IncompleteStreamError) as r:
        rs.collect_response(
            iter_events([b'data: {"type": "response.created", "response": {"id": "r"}}\n\n'])
        )
    assert r.value.received is not None and r.value.received.output_text == ""


def test_tool_call_parse_arguments() -> None:
    call = oa.ToolCall(id="c1", function=oa.FunctionCall("get", '{"city": "Paris"}'))
    assert call.parse_arguments() == {"city": "Paris"}
    assert oa.ToolCall(function=oa.FunctionCall("now", "")).parse_arguments() == {}
    assert oa.FunctionCall("f", '{"a": [1]}').parse_arguments() == {"a": [1]}
    for text, why in (('{"city": "Par', "not JSON"), ("[1]", "must be a JSON object")):
        cut = oa.ToolCall(id="c2", function=oa.FunctionCall("get", text))
        with pytest.raises(oa.ToolArgumentsError, match=why) as info:
            cut.parse_arguments()
        assert isinstance(info.value, PayloadError)
        assert (info.value.data, info.value.id, info.value.name) == (text, "c2", "get")
