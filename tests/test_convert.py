"""Anthropic streams converted to chat chunks, read back with the chat layer."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest

import sse_codec
from sse_codec import IncompleteStreamError, PayloadError, ServerSentEvent, iter_events
from sse_codec import anthropic as an
from sse_codec.convert import (
    FINISH_REASONS,
    AnthropicToChat,
    aanthropic_to_chat_sse,
    anthropic_to_chat_chunks,
    anthropic_to_chat_sse,
    finish_reason,
    usage_to_chat,
)
from sse_codec.openai import (
    DONE,
    ChatCompletion,
    ChatCompletionAccumulator,
    StreamError,
    Usage,
    encode_chunk,
    iter_chunks,
)

FIXTURES = Path(__file__).parent / "fixtures"
NAMES = sorted(p.name for p in FIXTURES.glob("anthropic*.sse"))
EXPECTED: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))[
    "anthropic_messages"
]


def _sse(name: str) -> list[ServerSentEvent]:
    return list(iter_events([(FIXTURES / name).read_bytes()]))


def _read_chat(wire: bytes, chunk_size: int | None = None) -> ChatCompletion:
    step = chunk_size or len(wire) or 1
    chunks = (wire[i : i + step] for i in range(0, len(wire), step))
    acc = ChatCompletionAccumulator()
    for _ in iter_chunks(iter_events(chunks), accumulator=acc):
        pass
    return acc.result()


def _same_answer(chat: ChatCompletion, message: an.Message) -> None:
    (choice,) = chat.choices
    text = "".join(b.text for b in message.content if isinstance(b, an.TextBlock))
    thinking = "".join(b.thinking for b in message.content if isinstance(b, an.ThinkingBlock))
    tools = [
        (b.id, b.name, dict(b.input)) for b in message.content if isinstance(b, an.ToolUseBlock)
    ]
    assert choice.message.role == "assistant"
    assert choice.message.content == text
    assert choice.message.reasoning_content == (thinking or None)
    calls = [
        (c.id, c.function.name, json.loads(c.function.arguments)) for c in choice.message.tool_calls
    ]
    assert calls == tools
    assert all(c.type == "function" for c in choice.message.tool_calls)
    assert choice.finish_reason == finish_reason(message.stop_reason)
    assert chat.usage == usage_to_chat(message.usage)
    assert chat.id == message.id
    assert chat.model == message.model


@pytest.mark.parametrize("name", NAMES)
def test_every_fixture_converted_encoded_decoded_accumulated_matches(name: str) -> None:
    events = _sse(name)
    message = an.collect_message(events)
    wire = b"".join(anthropic_to_chat_sse(events, created=1700000000))
    assert wire.endswith(b"\n\n" + DONE)
    chat = _read_chat(wire)
    _same_answer(chat, message)
    assert chat.created == 1700000000
    # The exact numbers the fixture notes give, through the mapping.
    usage = EXPECTED[name]["final_usage_merged"]
    assert chat.usage is not None
    assert chat.usage.prompt_tokens == usage["input_tokens"]  # no cache use in these
    assert chat.usage.completion_tokens == usage["output_tokens"]
    assert chat.usage.total_tokens == usage["input_tokens"] + usage["output_tokens"]


@pytest.mark.parametrize("name", NAMES)
def test_any_chunking_of_the_converted_stream_reads_the_same(name: str) -> None:
    events = _sse(name)
    wire = b"".join(anthropic_to_chat_sse(events, created=1))
    whole = _read_chat(wire)
    for size in (1, 3, 64):
        assert _read_chat(wire, size) == whole


@pytest.mark.parametrize("name", NAMES)
def test_chunk_api_and_async_wire_api_agree(name: str) -> None:
    events = _sse(name)
    typed = list(an.iter_stream_events(events))
    chunks = list(anthropic_to_chat_chunks(typed, created=5))
    sync_wire = b"".join(anthropic_to_chat_sse(events, created=5))
    assert b"".join(encode_chunk(c) for c in chunks) + DONE == sync_wire

    async def gen() -> AsyncIterator[ServerSentEvent]:
        for event in events:
            yield event

    async def run() -> bytes:
        return b"".join([b async for b in aanthropic_to_chat_sse(gen(), created=5)])

    assert asyncio.run(run()) == sync_wire


def test_tool_calls_get_their_own_indexes_and_fragments() -> None:
    events = _sse("anthropic-messages-tool-use.sse")
    chunks = list(anthropic_to_chat_chunks(an.iter_stream_events(events), created=1))
    tool_deltas = [
        call
        for chunk in chunks
        for choice in chunk.choices
        if choice.delta is not None
        for call in choice.delta.tool_calls or ()
    ]
    # The server tool (block 1) is not a client call; the client tool_use (block 4) is
    # chat call 0: one opening delta, then its 8 non-empty fragments.
    assert {call.index for call in tool_deltas} == {0}
    first, *rest = tool_deltas
    assert (first.id, first.type) == ("toolu_01EFn5wTNBYA8Reni8rbmnHT", "function")
    assert first.function is not None
    assert (first.function.name, first.function.arguments) == ("get_exchange_rate", "")
    assert len(rest) == 8
    assert all(c.id is None and c.function and c.function.name is None for c in rest)


def test_parallel_empty_input_tools_get_braces() -> None:
    chat = _read_chat(
        b"".join(anthropic_to_chat_sse(_sse("anthropic-messages-tool-use-parallel.sse")))
    )
    calls = chat.choices[0].message.tool_calls
    assert [(c.function.name, c.function.arguments) for c in calls] == [
        ("pelican_name_generator", "{}"),
        ("pelican_name_generator", "{}"),
    ]


def sse(obj: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(event=obj["type"], data=json.dumps(obj))


START: dict[str, Any] = {
    "type": "message_start",
    "message": {
        "id": "msg_9",
        "type": "message",
        "role": "assistant",
        "model": "m",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 3,
            "cache_creation_input_tokens": 5,
            "cache_read_input_tokens": 7,
            "output_tokens": 1,
        },
    },
}
TEXT: list[dict[str, Any]] = [
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
]


def test_anthropic_error_becomes_an_in_band_error_the_chat_layer_raises() -> None:
    error = {"type": "overloaded_error", "message": "Overloaded"}
    objs = [START, *TEXT, {"type": "error", "error": error}, {"type": "message_stop"}]
    wire = b"".join(anthropic_to_chat_sse([sse(o) for o in objs]))
    assert wire.endswith(b'data: {"error":{"type":"overloaded_error","message":"Overloaded"}}\n\n')
    assert DONE not in wire
    with pytest.raises(StreamError) as info:
        _read_chat(wire)
    assert isinstance(info.value, sse_codec.StreamError)
    assert info.value.payload == error
    partial = info.value.received
    assert isinstance(partial, ChatCompletion)
    assert partial.choices[0].message.content == "Hi"


def test_error_event_raises_from_the_chunk_api() -> None:
    converter = AnthropicToChat(created=1)
    with pytest.raises(sse_codec.StreamError) as info:
        converter.convert(an.ErrorEvent({"type": "api_error", "message": "x"}))
    assert info.value.payload == {"type": "api_error", "message": "x"}


@pytest.mark.parametrize("cut", [0, 1, 2, 3, 4])
def test_truncated_anthropic_stream_gives_a_truncated_chat_stream(cut: int) -> None:
    objs = [
        START,
        *TEXT,
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn"},
            "usage": {"output_tokens": 4},
        },
        {"type": "message_stop"},
    ][: cut + 1]
    wire = b"".join(anthropic_to_chat_sse([sse(o) for o in objs]))
    assert DONE not in wire
    with pytest.raises(IncompleteStreamError):
        _read_chat(wire)


def test_output_stops_at_message_stop() -> None:
    objs = [START, {"type": "message_stop"}, *TEXT]
    wire = b"".join(anthropic_to_chat_sse([sse(o) for o in objs]))
    assert wire.endswith(DONE)
    assert b"Hi" not in wire


def test_malformed_anthropic_event_is_a_payload_error() -> None:
    bad = ServerSentEvent(event="content_block_delta", data="{oops")
    with pytest.raises(PayloadError):
        list(anthropic_to_chat_sse([sse(START), bad]))


def test_usage_counts_cached_prompt_tokens_like_openai() -> None:
    objs = [
        START,
        {
            "type": "message_delta",
            "delta": {"stop_reason": "max_tokens"},
            "usage": {"output_tokens": 11, "input_tokens": None},
        },
        {"type": "message_stop"},
    ]
    chat = _read_chat(b"".join(anthropic_to_chat_sse([sse(o) for o in objs])))
    assert chat.usage is not None
    assert chat.usage.to_dict() == {
        "prompt_tokens": 15,
        "completion_tokens": 11,
        "total_tokens": 26,
        "prompt_tokens_details": {"cached_tokens": 7},
    }
    assert chat.choices[0].finish_reason == "length"
    assert usage_to_chat({}) == Usage(0, 0, 0, sse_codec.openai.PromptTokensDetails(0))


def test_include_usage_false_leaves_out_the_usage_chunk() -> None:
    objs = [START, *TEXT, {"type": "message_stop"}]
    chat = _read_chat(b"".join(anthropic_to_chat_sse([sse(o) for o in objs], include_usage=False)))
    assert chat.usage is None
    assert chat.choices[0].message.content == "Hi"


@pytest.mark.parametrize(
    ("stop", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("pause_turn", "stop"),
        ("some_new_reason", "some_new_reason"),
        (None, None),
    ],
)
def test_finish_reasons(stop: str | None, finish: str | None) -> None:
    assert finish_reason(stop) == finish
    if stop is not None and stop in FINISH_REASONS:
        assert FINISH_REASONS[stop] == finish


def test_thinking_and_text_in_start_blocks_are_not_lost() -> None:
    objs = [
        START,
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "thinking", "thinking": "pre", "signature": ""},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "-think"},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": {"type": "text", "text": "A"}},
        {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "B"}},
        {"type": "content_block_stop", "index": 1},
        {"type": "message_stop"},
    ]
    events = [sse(o) for o in objs]
    _same_answer(_read_chat(b"".join(anthropic_to_chat_sse(events))), an.collect_message(events))


def _random_stream(rng: random.Random) -> list[dict[str, Any]]:
    objs: list[dict[str, Any]] = [START]
    for index in range(rng.randint(0, 5)):
        kind = rng.choice(["text", "thinking", "tool_use"])
        if kind == "tool_use":
            block: dict[str, Any] = {
                "type": "tool_use",
                "id": f"toolu_{index}",
                "name": f"f{index}",
                "input": {},
            }
            text = json.dumps({"k": "é\n" * rng.randint(0, 3), "n": list(range(rng.randint(0, 4)))})
            cuts = sorted(rng.sample(range(len(text) + 1), k=min(3, len(text) + 1)))
            pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
            deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces]
        else:
            block = {"type": kind, kind: ""}
            words = [rng.choice(["a", " b", "ü", "\n", "😊", ""]) for _ in range(rng.randint(0, 6))]
            deltas = [{"type": f"{kind}_delta", kind: w} for w in words]
        objs.append({"type": "content_block_start", "index": index, "content_block": block})
        objs.extend({"type": "content_block_delta", "index": index, "delta": d} for d in deltas)
        objs.append({"type": "content_block_stop", "index": index})
    objs.append(
        {
            "type": "message_delta",
            "delta": {"stop_reason": rng.choice(["end_turn", "tool_use", "max_tokens"])},
            "usage": {"output_tokens": rng.randint(0, 99)},
        }
    )
    objs.append({"type": "message_stop"})
    return objs


def _wire(objs: Iterable[dict[str, Any]]) -> list[ServerSentEvent]:
    return [sse(o) for o in objs]


@pytest.mark.parametrize("seed", range(40))
def test_random_streams_convert_to_the_same_answer(seed: int) -> None:
    events = _wire(_random_stream(random.Random(seed)))
    chat = _read_chat(b"".join(anthropic_to_chat_sse(events)), chunk_size=5)
    _same_answer(chat, an.collect_message(events))


@pytest.mark.parametrize(
    ("data", "payload"), [("Overloaded", "Overloaded"), ("null", "null"), ('{"a": 1}', {"a": 1})]
)
def test_an_unparsable_error_event_is_still_an_in_band_error(data: str, payload: object) -> None:
    events = [sse(START), *map(sse, TEXT), ServerSentEvent(event="error", data=data)]
    wire = b"".join(anthropic_to_chat_sse(events))
    assert DONE not in wire
    with pytest.raises(StreamError) as info:
        _read_chat(wire)
    assert info.value.payload == payload
