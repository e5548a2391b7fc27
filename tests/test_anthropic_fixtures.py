"""The recorded Anthropic streams: parsing, exact re-encoding, and accumulation."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sse_codec import IncompleteStreamError, ServerSentEvent, aiter_events, iter_events
from sse_codec.anthropic import (
    Message,
    ServerToolUseBlock,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
    UnknownBlock,
    acollect_message,
    collect_message,
    encode_event,
    encode_stream,
    iter_stream_events,
    parse_event,
)

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))[
    "anthropic_messages"
]
NAMES = sorted(EXPECTED)


def test_every_anthropic_fixture_is_covered() -> None:
    on_disk = sorted(p.name for p in FIXTURES.glob("anthropic*.sse"))
    assert on_disk == NAMES


def _raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _sse(name: str) -> list[ServerSentEvent]:
    return list(iter_events([_raw(name)]))


@pytest.mark.parametrize("name", NAMES)
def test_event_types_and_counts(name: str) -> None:
    events = list(iter_stream_events(_sse(name)))
    counts: dict[str, int] = {}
    for event in events:
        counts[event.type] = counts.get(event.type, 0) + 1
    assert counts == EXPECTED[name]["event_types"]
    assert len(events) == EXPECTED[name]["events"]


@pytest.mark.parametrize("name", NAMES)
def test_to_dict_is_exactly_the_json_received(name: str) -> None:
    for sse in _sse(name):
        event = parse_event(sse)
        received = json.loads(sse.data)
        assert event.to_dict() == received
        assert list(event.to_dict()) == list(received)  # key order too
        assert event.raw_data == sse.data
        # The typed fields and `extra` alone carry everything: an event rebuilt from
        # them (replace() drops the kept JSON) gives the same object.
        rebuilt = dataclasses.replace(event)
        assert rebuilt.raw_data is None
        assert rebuilt.to_dict() == received
        assert rebuilt == event


@pytest.mark.parametrize("name", NAMES)
def test_reencoding_parsed_events_reproduces_the_fixture_bytes(name: str) -> None:
    events = [parse_event(sse) for sse in _sse(name)]
    assert b"".join(encode_stream(events)) == _raw(name)


@pytest.mark.parametrize("name", NAMES)
def test_rebuilt_events_encode_compactly_and_parse_back_equal(name: str) -> None:
    for sse in _sse(name):
        event = dataclasses.replace(parse_event(sse))
        wire = encode_event(event)
        (back,) = iter_events([wire])
        assert back.event == event.type
        assert back.data == json.dumps(event.to_dict(), separators=(",", ":"), ensure_ascii=False)
        assert json.loads(back.data) == json.loads(sse.data)
        assert parse_event(back) == event


@pytest.mark.parametrize("name", NAMES)
def test_one_byte_chunks_give_the_same_events(name: str) -> None:
    raw = _raw(name)
    whole = [parse_event(s) for s in iter_events([raw])]
    split = [parse_event(s) for s in iter_events(raw[i : i + 1] for i in range(len(raw)))]
    assert split == whole


def _check_message(message: Message, expected: dict[str, Any]) -> None:
    assert message.id == expected["message_id"]
    assert message.model == expected["model"]
    assert message.stop_reason == expected["stop_reason"]
    assert dict(message.usage) == expected["final_usage_merged"]
    assert len(message.content) == len(expected["content_blocks"])
    for block, want in zip(message.content, expected["content_blocks"], strict=True):
        assert block.type == want["type"]
        if isinstance(block, TextBlock):
            assert block.text == want["text"]
            assert len(block.text) == want["text_length"]
        elif isinstance(block, ToolUseBlock | ServerToolUseBlock):
            assert block.id == want["id"]
            assert block.name == want["name"]
            assert block.input == want["input_parsed"]
        elif isinstance(block, ThinkingBlock):
            assert block.thinking == want["thinking"]
            assert len(block.thinking) == want["thinking_length"]
            assert block.signature is not None
            assert len(block.signature) == want["signature_length"]
        else:
            assert isinstance(block, UnknownBlock)


@pytest.mark.parametrize("name", NAMES)
def test_accumulated_message_matches_expected_json(name: str) -> None:
    message = collect_message(_sse(name))
    _check_message(message, EXPECTED[name])
    text_blocks = [b["text"] for b in EXPECTED[name]["content_blocks"] if b["type"] == "text"]
    assert message.text == "".join(text_blocks)


@pytest.mark.parametrize("name", NAMES)
def test_async_collect_gives_the_same_message(name: str) -> None:
    raw = _raw(name)

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(raw), 7):
            yield raw[i : i + 7]

    async def run() -> Message:
        return await acollect_message(aiter_events(chunks()))

    assert asyncio.run(run()) == collect_message(_sse(name))


@pytest.mark.parametrize("name", NAMES)
def test_every_truncation_is_detected(name: str) -> None:
    events = _sse(name)
    final = collect_message(events)
    for cut in range(len(events) - 1):
        with pytest.raises(IncompleteStreamError) as info:
            collect_message(events[:cut])
        partial = info.value.received
        assert partial is None or isinstance(partial, Message)
        if cut > 0:
            assert isinstance(partial, Message)
            assert partial.id == final.id
    # Without message_stop the message is still available on request.
    assert collect_message(events[:-1], require_stop=False) == final


def test_tool_search_result_block_is_kept_whole() -> None:
    message = collect_message(_sse("anthropic-messages-tool-use.sse"))
    block = message.content[2]
    assert isinstance(block, UnknownBlock)
    assert block.to_dict() == {
        "type": "tool_search_tool_result",
        "tool_use_id": "srvtoolu_01S5swZdBmTzLDVzwcT5LbHp",
        "content": {
            "type": "tool_search_tool_search_result",
            "tool_references": [{"type": "tool_reference", "tool_name": "get_exchange_rate"}],
        },
    }
    tool = message.content[4]
    assert isinstance(tool, ToolUseBlock)
    assert tool.extra == {"caller": {"type": "direct"}}
    # Keys message_delta adds to the message (stop_details) land in extra.
    assert message.extra == {"stop_details": None}
