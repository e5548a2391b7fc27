"""The recorded OpenAI Responses streams: parsing, exact re-encoding, accumulation."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sse_codec import IncompleteStreamError, ServerSentEvent, aiter_events, iter_events
from sse_codec.responses import (
    ResponseResult,
    UnknownEvent,
    acollect_response,
    collect_response,
    encode_stream,
    iter_response_events,
    parse_event,
)

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))[
    "openai_responses"
]
NAMES = sorted(EXPECTED)


def test_every_responses_fixture_is_covered() -> None:
    assert sorted(p.name for p in FIXTURES.glob("openai-responses*.sse")) == NAMES


def _raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _sse(name: str) -> list[ServerSentEvent]:
    return list(iter_events([_raw(name)]))


@pytest.mark.parametrize("name", NAMES)
def test_event_types_and_counts(name: str) -> None:
    events = list(iter_response_events(_sse(name)))
    counts: dict[str, int] = {}
    for event in events:
        assert not isinstance(event, UnknownEvent)
        counts[event.type] = counts.get(event.type, 0) + 1
    assert counts == EXPECTED[name]["event_types"]
    assert len(events) == EXPECTED[name]["events"]


@pytest.mark.parametrize("name", NAMES)
def test_to_dict_exact_and_rebuilt_from_fields(name: str) -> None:
    for sse in _sse(name):
        event = parse_event(sse)
        received = json.loads(sse.data)
        assert event.to_dict() == received
        assert list(event.to_dict()) == list(received)
        rebuilt = dataclasses.replace(event)
        assert rebuilt.raw_data is None
        assert rebuilt.to_dict() == received
        assert rebuilt == event


@pytest.mark.parametrize("name", NAMES)
def test_reencoding_parsed_events_reproduces_the_fixture_bytes(name: str) -> None:
    events = [parse_event(sse) for sse in _sse(name)]
    assert b"".join(encode_stream(events)) == _raw(name)
    # These fixtures carry compact JSON in the API's key order, so even events
    # rebuilt from their fields encode to the same bytes.
    rebuilt = [dataclasses.replace(e) for e in events]
    assert b"".join(encode_stream(rebuilt)) == _raw(name)


def _check(result: ResponseResult, expected: dict[str, Any]) -> None:
    assert result.id == expected["response_id"]
    assert result.status == expected["final_status"]
    assert dict(result.usage or {}) == expected["final_usage"]
    assert dict(result.text_by_item) == expected["output_text_by_item"]
    assert result.output_text == "".join(expected["output_text_by_item"].values())
    by_item = {call.item_id: call.arguments for call in result.function_calls}
    assert by_item == expected["function_call_arguments_by_item"]
    summary = [
        {
            "type": item["type"],
            "id": item["id"],
            "name": item.get("name"),
            "call_id": item.get("call_id"),
            "status": item["status"],
        }
        for item in result.output
    ]
    assert summary == expected["output_items_done"]


@pytest.mark.parametrize("name", NAMES)
def test_accumulates_to_expected_json(name: str) -> None:
    _check(collect_response(_sse(name)), EXPECTED[name])


@pytest.mark.parametrize("name", NAMES)
def test_one_byte_chunks_and_async_give_the_same_result(name: str) -> None:
    raw = _raw(name)

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(len(raw)):
            yield raw[i : i + 1]

    async def run() -> ResponseResult:
        return await acollect_response(aiter_events(chunks()))

    assert asyncio.run(run()) == collect_response(_sse(name))


def test_function_call_fixture_details() -> None:
    result = collect_response(_sse("openai-responses-function-call.sse"))
    (call,) = result.function_calls
    assert (call.call_id, call.name, call.status) == (
        "call_kL0PCQV7M2WMoVX8V8OtYSAL",
        "get_capital",
        "completed",
    )
    assert call.parse_arguments() == {"country": "France"}
    assert result.output_text == ""


@pytest.mark.parametrize("name", NAMES)
def test_every_truncation_is_detected(name: str) -> None:
    events = _sse(name)
    for cut in range(len(events)):
        with pytest.raises(IncompleteStreamError) as info:
            collect_response(events[:cut])
        assert isinstance(info.value.received, ResponseResult)
