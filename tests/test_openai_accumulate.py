"""ChatCompletionAccumulator: each documented merging rule, one test each."""

from __future__ import annotations

from typing import Any

import pytest

from sse_codec.openai import (
    ChatCompletion,
    ChatCompletionAccumulator,
    ChatCompletionChunk,
    ChoiceDelta,
    ChunkChoice,
    FunctionCall,
    FunctionDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
    chunk_from_dict,
)


def fold(*chunks: dict[str, Any]) -> ChatCompletion:
    acc = ChatCompletionAccumulator()
    for chunk in chunks:
        acc.add(chunk_from_dict(chunk))
    return acc.result()


def delta(index: int | None = 0, finish: str | None = None, **fields: Any) -> dict[str, Any]:
    choice: dict[str, Any] = {"delta": fields, "finish_reason": finish}
    if index is not None:
        choice["index"] = index
    return {"id": "c", "object": "chat.completion.chunk", "choices": [choice]}


def tool(**fields: Any) -> dict[str, Any]:
    return fields


def calls(result: ChatCompletion, choice: int = 0) -> list[tuple[Any, ...]]:
    return [
        (c.id, c.type, c.function.name, c.function.arguments)
        for c in result.choices[choice].message.tool_calls
    ]


def test_content_is_null_until_a_string_arrives_and_empty_string_counts() -> None:
    assert fold(delta(role="assistant")).choices[0].message.content is None
    assert fold(delta(role="assistant", content=None)).choices[0].message.content is None
    assert fold(delta(role="assistant", content="")).choices[0].message.content == ""
    assert (
        fold(delta(content="a"), delta(content=None), delta(content="b")).choices[0].message.content
        == "ab"
    )


def test_role_is_the_last_non_empty_role() -> None:
    assert (
        fold(delta(role="assistant"), delta(role=""), delta(content="x")).choices[0].message.role
        == "assistant"
    )
    assert fold(delta(content="x")).choices[0].message.role is None


def test_refusal_reasoning_content_and_reasoning_are_kept_apart() -> None:
    message = (
        fold(
            delta(refusal="", reasoning_content="think "),
            delta(reasoning_content="more", reasoning="other"),
            delta(refusal="no", reasoning=" way"),
        )
        .choices[0]
        .message
    )
    assert message.refusal == "no"
    assert message.reasoning_content == "think more"
    assert message.reasoning == "other way"
    assert message.content is None
    as_dict = message.to_dict()
    assert as_dict["reasoning_content"] == "think more" and as_dict["reasoning"] == "other way"


def test_reasoning_keys_appear_only_as_received() -> None:
    as_dict = fold(delta(content="a")).choices[0].message.to_dict()
    assert "reasoning" not in as_dict and "reasoning_content" not in as_dict
    assert as_dict == {"role": None, "content": "a", "refusal": None}


def test_mistral_list_content_text_and_thinking_parts() -> None:
    message = (
        fold(
            delta(content=[{"type": "thinking", "thinking": [{"type": "text", "text": "Hmm"}]}]),
            delta(content=[{"type": "thinking", "thinking": []}]),
            delta(content=[{"type": "thinking", "thinking": "."}]),
            delta(content="An"),
            delta(
                content=[{"type": "text", "text": "swer"}, {"type": "image_url", "image_url": "u"}]
            ),
        )
        .choices[0]
        .message
    )
    assert message.thinking == "Hmm."
    assert message.content == "Answer"
    assert message.content_parts == ({"type": "image_url", "image_url": "u"},)
    assert message.to_dict()["content_parts"] == [{"type": "image_url", "image_url": "u"}]


def test_thinking_only_leaves_content_null() -> None:
    message = (
        fold(delta(content=[{"type": "thinking", "thinking": [{"type": "text", "text": "x"}]}]))
        .choices[0]
        .message
    )
    assert message.content is None and message.thinking == "x"


def test_tool_calls_merge_by_index_first_values_win_arguments_concatenate() -> None:
    result = fold(
        delta(
            tool_calls=[
                tool(index=0, id="a", type="function", function={"name": "f", "arguments": ""})
            ]
        ),
        delta(tool_calls=[tool(index=1, id="b", type="function", function={"name": "g"})]),
        delta(tool_calls=[tool(index=0, function={"arguments": '{"x"'})]),
        delta(tool_calls=[tool(index=1, function={"arguments": "{}"})]),
        # A server repeating id/type/name must not glue them together.
        delta(tool_calls=[tool(index=0, id="a", type="function", function={"name": "f"})]),
        delta(tool_calls=[tool(index=0, function={"arguments": ": 1}"})]),
    )
    assert calls(result) == [("a", "function", "f", '{"x": 1}'), ("b", "function", "g", "{}")]


def test_same_index_twice_in_one_chunk_merges_into_one_call() -> None:
    result = fold(
        delta(
            tool_calls=[
                tool(index=0, id="a", type="function", function={"name": "f", "arguments": "{"}),
                tool(index=0, function={"arguments": "}"}),
            ]
        )
    )
    assert calls(result) == [("a", "function", "f", "{}")]


def test_a_different_id_at_a_known_index_starts_a_new_call() -> None:
    result = fold(
        delta(tool_calls=[tool(index=0, id="a", function={"name": "f", "arguments": "{}"})]),
        delta(tool_calls=[tool(index=0, id="b", function={"name": "g", "arguments": "["})]),
        delta(tool_calls=[tool(index=0, function={"arguments": "]"})]),
    )
    assert calls(result) == [("a", None, "f", "{}"), ("b", None, "g", "[]")]


def test_missing_index_uses_position_in_the_list() -> None:
    # Mistral: no index, no type, the whole call in one delta.
    result = fold(
        delta(
            tool_calls=[
                tool(id="x1", function={"name": "f", "arguments": "{}"}),
                tool(id="x2", function={"name": "g", "arguments": "[]"}),
            ]
        )
    )
    assert calls(result) == [("x1", None, "f", "{}"), ("x2", None, "g", "[]")]
    assert result.choices[0].message.tool_calls[0] == ToolCall(
        id="x1", type=None, function=FunctionCall(name="f", arguments="{}")
    )


def test_empty_placeholders_do_not_lock_first_values() -> None:
    result = fold(
        delta(tool_calls=[tool(index=0, id="", type="", function={"name": ""})]),
        delta(tool_calls=[tool(index=0, id="a", type="function", function={"name": "f"})]),
    )
    assert calls(result) == [("a", "function", "f", "")]


def test_legacy_function_call() -> None:
    message = (
        fold(
            delta(function_call={"name": "f", "arguments": ""}),
            delta(function_call={"arguments": '{"a":'}),
            delta(function_call={"arguments": "1}"}),
        )
        .choices[0]
        .message
    )
    assert message.function_call == FunctionCall(name="f", arguments='{"a":1}')
    assert message.to_dict()["function_call"] == {"name": "f", "arguments": '{"a":1}'}
    assert "tool_calls" not in message.to_dict()


def test_finish_reason_keeps_last_non_null() -> None:
    result = fold(
        delta(content="a"),
        delta(finish="length"),
        delta(finish="stop"),
        delta(finish=None),
    )
    assert result.choices[0].finish_reason == "stop"


def test_usage_keeps_last_non_null() -> None:
    first = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    last = {"prompt_tokens": 1, "completion_tokens": 5, "total_tokens": 6}
    result = fold(
        {"choices": [], "usage": first},
        {"choices": [], "usage": last},
        {"choices": [], "usage": None},
        {"choices": []},
    )
    assert result.usage == Usage(prompt_tokens=1, completion_tokens=5, total_tokens=6)
    assert result.to_dict()["usage"] == last


def test_choices_keyed_by_index_and_sorted() -> None:
    result = fold(delta(2, content="c"), delta(0, content="a"), delta(2, content="C"))
    assert [(c.index, c.message.content) for c in result.choices] == [(0, "a"), (2, "cC")]


def test_choice_without_index_uses_its_position() -> None:
    chunk = {
        "choices": [
            {"delta": {"content": "a"}},
            {"delta": {"content": "b"}},
        ]
    }
    result = fold(chunk, chunk)
    assert [(c.index, c.message.content) for c in result.choices] == [(0, "aa"), (1, "bb")]


def test_missing_delta_is_fine() -> None:
    result = fold(delta(content="a"), {"choices": [{"index": 0, "finish_reason": "stop"}]})
    assert result.choices[0].message.content == "a"
    assert result.choices[0].finish_reason == "stop"


def test_logprobs_token_lists_concatenate() -> None:
    def lp(tokens: list[str] | None) -> dict[str, Any]:
        content = None if tokens is None else [{"token": t} for t in tokens]
        return {
            "choices": [
                {"index": 0, "delta": {}, "logprobs": {"content": content, "refusal": None}}
            ]
        }

    result = fold(lp([]), lp(["a"]), lp(None), lp(["b", "c"]))
    logprobs = result.choices[0].logprobs
    assert logprobs == {
        "content": [{"token": "a"}, {"token": "b"}, {"token": "c"}],
        "refusal": None,
    }
    assert fold(delta(content="x")).choices[0].logprobs is None


def test_metadata_is_first_non_empty_value() -> None:
    result = fold(
        {"id": "", "object": "", "created": 0, "model": "", "choices": []},
        {"id": "real", "created": 5, "model": "m", "service_tier": "default", "choices": []},
        {"id": "other", "created": 6, "model": "n", "system_fingerprint": "fp", "choices": []},
    )
    assert (result.id, result.created, result.model) == ("real", 5, "m")
    assert (result.system_fingerprint, result.service_tier) == ("fp", "default")
    assert result.to_dict() == {
        "id": "real",
        "object": "chat.completion",
        "created": 5,
        "model": "m",
        "service_tier": "default",
        "system_fingerprint": "fp",
        "choices": [],
        "usage": None,
    }


def test_result_shape_matches_non_streaming_response() -> None:
    result = fold(
        delta(role="assistant", content=""),
        delta(content="Hi"),
        delta(
            tool_calls=[
                tool(index=0, id="t", type="function", function={"name": "f", "arguments": "{}"})
            ]
        ),
        delta(finish="tool_calls"),
    )
    assert result.to_dict()["choices"] == [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Hi",
                "refusal": None,
                "tool_calls": [
                    {"id": "t", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ]


def test_result_is_a_snapshot_and_accumulation_continues() -> None:
    acc = ChatCompletionAccumulator()
    acc.add(chunk_from_dict(delta(content="a")))
    first = acc.result()
    acc.add(chunk_from_dict(delta(content="b")))
    assert first.choices[0].message.content == "a"
    assert acc.result().choices[0].message.content == "ab"
    assert acc.chunks == 2


def test_many_fragments_join_to_the_whole_text() -> None:
    acc = ChatCompletionAccumulator()
    piece = ChatCompletionChunk(choices=(ChunkChoice(delta=ChoiceDelta(content="xy")),))
    args = ChatCompletionChunk(
        choices=(
            ChunkChoice(
                delta=ChoiceDelta(
                    tool_calls=(ToolCallDelta(index=0, function=FunctionDelta(arguments="1")),)
                )
            ),
        )
    )
    for _ in range(50_000):
        acc.add(piece)
        acc.add(args)
    message = acc.result().choices[0].message
    assert message.content == "xy" * 50_000
    assert message.tool_calls[0].function.arguments == "1" * 50_000


def test_add_rejects_non_chunks() -> None:
    with pytest.raises(TypeError):
        ChatCompletionAccumulator().add({"choices": []})  # type: ignore[arg-type]


def test_tool_calls_are_listed_by_index_whatever_order_they_start_in() -> None:
    result = fold(
        delta(tool_calls=[tool(index=1, id="b", function={"name": "g", "arguments": "1"})]),
        delta(tool_calls=[tool(index=0, id="a", function={"name": "f", "arguments": "0"})]),
    )
    assert calls(result) == [("a", None, "f", "0"), ("b", None, "g", "1")]
