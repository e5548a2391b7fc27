"""Parsing chunks: tolerant of absence and nulls, lossless, strict about types."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest

from sse_codec import PayloadError, ServerSentEvent, SSEError
from sse_codec.openai import (
    ChatCompletionChunk,
    ChoiceDelta,
    ChunkChoice,
    FunctionDelta,
    ToolCallDelta,
    Usage,
    chunk_from_dict,
    parse_chunk,
)


def roundtrip(obj: dict[str, Any]) -> ChatCompletionChunk:
    text = json.dumps(obj)
    chunk = parse_chunk(text)
    assert chunk.to_dict() == obj
    assert json.dumps(chunk.to_dict()) == text
    return chunk


def test_minimal_object_is_a_chunk_with_nothing_set() -> None:
    chunk = roundtrip({})
    assert chunk.id is None and chunk.object is None and chunk.choices == ()
    assert not chunk.is_chat_chunk


def test_missing_delta_and_missing_index() -> None:
    chunk = roundtrip({"choices": [{"finish_reason": "stop"}]})
    choice = chunk.choices[0]
    assert choice.delta is None and choice.index is None and choice.finish_reason == "stop"


def test_absent_and_null_are_told_apart() -> None:
    with_null = roundtrip({"choices": [], "usage": None, "system_fingerprint": None})
    without = roundtrip({"choices": []})
    assert with_null.usage is None and without.usage is None
    assert "usage" in with_null.to_dict() and "usage" not in without.to_dict()
    assert "choices" not in roundtrip({"id": "x"}).to_dict()
    assert roundtrip({"choices": None}).choices == ()


def test_nulls_everywhere() -> None:
    obj = {
        "id": None,
        "object": None,
        "created": None,
        "model": None,
        "choices": [
            {
                "index": None,
                "delta": {
                    "role": None,
                    "content": None,
                    "reasoning_content": None,
                    "reasoning": None,
                    "refusal": None,
                    "function_call": None,
                    "tool_calls": [{"index": None, "id": None, "type": None, "function": None}],
                },
                "logprobs": None,
                "finish_reason": None,
            }
        ],
        "usage": {"prompt_tokens": None, "prompt_tokens_details": None},
    }
    chunk = roundtrip(obj)
    assert chunk.choices[0].delta is not None
    assert chunk.choices[0].delta.tool_calls == (ToolCallDelta(),)


def test_unknown_keys_kept_at_every_level_in_order() -> None:
    obj = {
        "z": 1,
        "id": "c",
        "provider": "P",
        "choices": [
            {
                "native_finish_reason": None,
                "index": 0,
                "delta": {
                    "channel": "analysis",
                    "reasoning": "r",
                    "reasoning_details": [{"type": "reasoning.text"}],
                    "tool_calls": [
                        {"index": 0, "x": True, "function": {"arguments": "{", "strict": 1}}
                    ],
                },
            }
        ],
        "usage": {
            "cost": 0.5,
            "prompt_tokens": 1,
            "prompt_tokens_details": {"video_tokens": 0, "cached_tokens": 0},
            "completion_tokens_details": {"image_tokens": 0},
        },
    }
    chunk = roundtrip(obj)
    assert chunk.extra == {"z": 1, "provider": "P"}
    choice = chunk.choices[0]
    assert choice.extra == {"native_finish_reason": None}
    assert choice.delta is not None and choice.delta.extra["channel"] == "analysis"
    tool_calls = choice.delta.tool_calls
    assert tool_calls is not None and tool_calls[0].extra == {"x": True}
    assert tool_calls[0].function == FunctionDelta(arguments="{", extra={"strict": 1})
    assert chunk.usage is not None and chunk.usage.extra == {"cost": 0.5}
    details = chunk.usage.prompt_tokens_details
    assert details is not None and details.cached_tokens == 0
    assert details.extra == {"video_tokens": 0}


def test_content_as_list_of_parts_kept_as_received() -> None:
    parts = [{"type": "thinking", "thinking": [{"type": "text", "text": "hm"}]}]
    chunk = roundtrip({"choices": [{"index": 0, "delta": {"content": parts}}]})
    delta = chunk.choices[0].delta
    assert delta is not None and delta.content == parts


def test_empty_tool_calls_list_survives() -> None:
    chunk = roundtrip({"choices": [{"delta": {"tool_calls": []}}]})
    assert chunk.choices[0].delta == ChoiceDelta(tool_calls=())


def test_azure_prompt_filter_payload_is_typed_not_dropped() -> None:
    obj = {
        "choices": [],
        "created": 0,
        "id": "",
        "model": "",
        "object": "",
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
    }
    chunk = roundtrip(obj)
    assert chunk.object == "" and not chunk.is_chat_chunk
    assert chunk.extra["prompt_filter_results"][0]["prompt_index"] == 0


@pytest.mark.parametrize("text", ["", "{", "data", "[DONE", "{'a': 1}", "\ufeff{}", "{} x"])
def test_malformed_json_raises_payload_error_with_raw_data(text: str) -> None:
    event = ServerSentEvent(data=text)
    with pytest.raises(PayloadError) as info:
        parse_chunk(text, event=event)
    assert info.value.data == text and info.value.event is event
    assert isinstance(info.value, SSEError)
    assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize("text", ["[]", "1", '"x"', "null", "true"])
def test_json_that_is_not_an_object_raises_payload_error(text: str) -> None:
    with pytest.raises(PayloadError, match="JSON object") as info:
        parse_chunk(text)
    assert info.value.data == text


@pytest.mark.parametrize(
    ("obj", "path"),
    [
        ({"choices": "x"}, "choices must"),
        ({"choices": {}}, "choices must"),
        ({"choices": [1]}, "choices[0] must be an object"),
        ({"id": 5}, "id must"),
        ({"created": "1"}, "created must"),
        ({"created": True}, "created must"),
        ({"created": 1.5}, "created must"),
        ({"choices": [{"index": "0"}]}, "choices[0].index"),
        ({"choices": [{"delta": []}]}, "choices[0].delta"),
        ({"choices": [{"delta": {"content": 3}}]}, "choices[0].delta.content"),
        ({"choices": [{"delta": {"content": {}}}]}, "choices[0].delta.content"),
        ({"choices": [{"delta": {"tool_calls": {}}}]}, "choices[0].delta.tool_calls"),
        (
            {"choices": [{"delta": {"tool_calls": ["a"]}}]},
            "choices[0].delta.tool_calls[0] must be an object",
        ),
        (
            {"choices": [{"delta": {"tool_calls": [{"function": {"name": 1}}]}}]},
            "choices[0].delta.tool_calls[0].function.name",
        ),
        ({"choices": [{"finish_reason": 0}]}, "choices[0].finish_reason"),
        ({"usage": 5}, "usage must"),
        ({"usage": {"total_tokens": "9"}}, "usage.total_tokens"),
        (
            {"usage": {"completion_tokens_details": {"reasoning_tokens": 1.0}}},
            "usage.completion_tokens_details.reasoning_tokens",
        ),
    ],
)
def test_wrong_json_types_raise_payload_error_naming_the_path(
    obj: dict[str, Any], path: str
) -> None:
    text = json.dumps(obj)
    with pytest.raises(PayloadError) as info:
        parse_chunk(text)
    assert path in str(info.value)
    assert info.value.data == text


def test_chunk_from_dict_rejects_non_dict_with_payload_error() -> None:
    with pytest.raises(PayloadError) as info:
        chunk_from_dict([1, 2])  # type: ignore[arg-type]
    assert info.value.data == "[1, 2]"


def test_pluggable_json_loads_is_used_and_its_errors_wrapped() -> None:
    calls: list[str] = []

    def loads(text: str) -> Any:
        calls.append(text)
        return json.loads(text, parse_float=Decimal)

    chunk = parse_chunk('{"usage": {"cost": 0.1}}', json_loads=loads)
    assert calls == ['{"usage": {"cost": 0.1}}']
    assert chunk.usage is not None and chunk.usage.extra["cost"] == Decimal("0.1")

    class ParserError(Exception):
        pass

    def failing(text: str) -> Any:
        raise ParserError("nope")

    with pytest.raises(PayloadError) as info:
        parse_chunk("{}", json_loads=failing)
    assert isinstance(info.value.__cause__, ParserError)


def test_hand_built_chunk_uses_openai_key_order_and_omits_unset_fields() -> None:
    chunk = ChatCompletionChunk(
        id="c",
        created=1,
        model="m",
        choices=(ChunkChoice(delta=ChoiceDelta(content="hi")),),
        extra={"obfuscation": "x"},
    )
    assert json.dumps(chunk.to_dict(), separators=(",", ":")) == (
        '{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":'
        '[{"index":0,"delta":{"content":"hi"},"logprobs":null,"finish_reason":null}],'
        '"obfuscation":"x"}'
    )
    usage_chunk = ChatCompletionChunk(id="c", usage=Usage(prompt_tokens=1, total_tokens=1))
    assert usage_chunk.to_dict()["usage"] == {"prompt_tokens": 1, "total_tokens": 1}


def test_replace_on_parsed_chunk_keeps_order_and_adds_new_fields() -> None:
    chunk = parse_chunk('{"model": "m", "id": "a"}')
    changed = dataclasses.replace(chunk, id="b", usage=Usage(total_tokens=3))
    assert list(changed.to_dict()) == ["model", "id", "usage"]
    assert changed.to_dict()["id"] == "b"
    # A field set to None that was present stays present as null.
    assert dataclasses.replace(chunk, id=None).to_dict() == {"model": "m", "id": None}


def test_extra_must_not_repeat_field_names() -> None:
    with pytest.raises(ValueError, match="repeats field names"):
        ChatCompletionChunk(extra={"id": "x"})
    with pytest.raises(ValueError, match="repeats field names"):
        ToolCallDelta(extra={"index": 0})


def test_chunks_compare_by_value_not_key_order() -> None:
    a = parse_chunk('{"id": "a", "model": "m"}')
    b = parse_chunk('{"model": "m", "id": "a"}')
    assert a == b
    assert a != parse_chunk('{"id": "a", "model": "n"}')


def test_parsed_chunks_pickle_and_deepcopy() -> None:
    import copy
    import pickle

    chunk = parse_chunk(
        '{"id": "c", "x": [1], "choices": [{"index": 0, "delta": {"content": "a"}}],'
        ' "usage": {"total_tokens": 1, "prompt_tokens_details": {"cached_tokens": 0}}}'
    )
    for clone in (pickle.loads(pickle.dumps(chunk)), copy.deepcopy(chunk)):
        assert clone == chunk
        assert clone.to_dict() == chunk.to_dict()
        assert list(clone.to_dict()) == list(chunk.to_dict())
