"""Fuzz: any JSON (biased toward chunk-shaped objects) parses losslessly or raises our error."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sse_codec import PayloadError, ServerSentEvent, SSEError
from sse_codec.openai import ChatCompletionAccumulator, encode_chunk, iter_chunks, parse_chunk

KEYS = [
    # chunk
    "id", "object", "created", "model", "service_tier", "system_fingerprint", "choices",
    "usage", "error",
    # choice, delta, tool call, function
    "index", "delta", "logprobs", "finish_reason", "role", "content", "reasoning_content",
    "reasoning", "refusal", "function_call", "tool_calls", "type", "function", "name",
    "arguments", "text", "thinking",
    # usage
    "prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details",
    "completion_tokens_details", "cached_tokens", "reasoning_tokens",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
    | st.sampled_from(["stop", "assistant", "function", "text", "thinking", ""])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=3), inner, max_size=5)
    ),
    max_leaves=25,
)
chunk_like = st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=3), json_values, max_size=6)


@given(obj=chunk_like | json_values)
def test_any_json_parses_losslessly_or_raises_payload_error(obj: Any) -> None:
    text = json.dumps(obj)
    try:
        chunk = parse_chunk(text)
    except PayloadError as exc:
        assert exc.data == text
        return
    assert isinstance(obj, dict)
    assert chunk.to_dict() == obj
    assert json.loads(encode_chunk(chunk)[6:]) == obj
    acc = ChatCompletionAccumulator()
    acc.add(chunk)
    acc.add(chunk)
    json.dumps(acc.result().to_dict())


@given(
    events=st.lists(
        st.builds(
            ServerSentEvent,
            event=st.sampled_from(["message", "error", "ping"]),
            data=st.sampled_from(["[DONE]", " [DONE]\r", "", "{", "null"])
            | chunk_like.map(json.dumps),
        ),
        max_size=6,
    ),
    require_done=st.booleans(),
)
def test_iter_chunks_yields_chunks_or_raises_sse_error(
    events: list[ServerSentEvent], require_done: bool
) -> None:
    acc = ChatCompletionAccumulator()
    try:
        for _ in iter_chunks(events, require_done=require_done, accumulator=acc):
            pass
    except SSEError:
        pass
    json.dumps(acc.result().to_dict())
