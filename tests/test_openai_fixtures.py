"""Every OpenAI-style recorded stream: decoder -> iter_chunks -> accumulator vs expected.json."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openai_helpers import (
    ERROR_FIXTURES,
    FIXTURES,
    decode_all,
    expected_openai,
    expected_summary,
    fixture_bytes,
    normalize_numbers,
    openai_fixture_names,
    random_chunks,
    summarize,
)

from sse_codec import ServerSentEvent, aiter_events
from sse_codec.openai import (
    ChatCompletion,
    ChatCompletionAccumulator,
    ChatCompletionChunk,
    IncompleteStreamError,
    StreamError,
    aiter_chunks,
    encode_chunk,
    iter_chunks,
    parse_chunk,
)

NAMES = openai_fixture_names()
OK_NAMES = [n for n in NAMES if n not in ERROR_FIXTURES]


def run(events: list[ServerSentEvent]) -> tuple[list[ChatCompletionChunk], ChatCompletion]:
    """iter_chunks + accumulator; for error fixtures, also fold in the error's chunk,
    since expected.json counts the usage OpenRouter sends beside its error."""
    acc = ChatCompletionAccumulator()
    chunks: list[ChatCompletionChunk] = []
    try:
        for chunk in iter_chunks(events, accumulator=acc):
            chunks.append(chunk)
    except StreamError as exc:
        if exc.chunk is not None:
            acc.add(exc.chunk)
    return chunks, acc.result()


def data_payloads(name: str) -> list[str]:
    """The raw data text of every JSON payload before [DONE]."""
    out = []
    for event in decode_all([fixture_bytes(name)]):
        if event.data.strip() == "[DONE]":
            break
        out.append(event.data)
    return out


def check_against_expected(name: str, chunks: list[ChatCompletionChunk], result: Any) -> None:
    facts = expected_openai()[name]
    assert summarize(result) == expected_summary(name)
    for mine, want in zip(result.choices, facts["choices"], strict=True):
        message = mine.message
        for key, value in (
            ("content_length", message.content),
            ("reasoning_content_length", message.reasoning_content),
            ("reasoning_length", message.reasoning),
            ("refusal_length", message.refusal),
            ("thinking_parts_text_length", message.thinking),
        ):
            if key in want:
                assert value is not None and len(value) == want[key]
        if "logprob_tokens" in want:
            assert len(mine.logprobs["content"]) == want["logprob_tokens"]
    chat = [c for c in chunks if c.is_chat_chunk]
    expected_chat = facts["chat_completion_chunks"]
    if name not in ERROR_FIXTURES:
        assert len(chunks) == facts["json_payloads_before_done"]
        assert len(chat) == expected_chat
        assert sum(1 for c in chunks if not c.choices) == facts["chunks_with_empty_choices"]
        assert sum(1 for c in chunks if c.usage is not None) == facts["chunks_with_nonnull_usage"]
        assert [c.object for c in chunks if not c.is_chat_chunk] == facts[
            "payloads_with_other_object"
        ]
        ids = list(dict.fromkeys(c.id for c in chunks))
        assert ids == facts["completion_ids"]
        assert result.id == next(i for i in ids if i)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("chunking", ["whole", "1-byte", "seed-1", "seed-2", "seed-3"])
def test_fixture_accumulates_to_expected(name: str, chunking: str) -> None:
    data = fixture_bytes(name)
    if chunking == "whole":
        pieces = [data]
    elif chunking == "1-byte":
        pieces = [data[i : i + 1] for i in range(len(data))]
    else:
        pieces = random_chunks(data, seed=zlib.crc32(f"{name}/{chunking}".encode()))
    chunks, result = run(decode_all(pieces))
    check_against_expected(name, chunks, result)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(NAMES), data=st.data())
def test_fixture_any_split_points(name: str, data: st.DataObject) -> None:
    raw = fixture_bytes(name)
    cuts = data.draw(st.lists(st.integers(0, len(raw)), max_size=40))
    cuts.sort()
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    chunks, result = run(decode_all(pieces))
    check_against_expected(name, chunks, result)


@pytest.mark.parametrize("name", NAMES)
def test_to_dict_gives_back_every_payload_exactly(name: str) -> None:
    for text in data_payloads(name):
        obj = json.loads(text)
        chunk = parse_chunk(text)
        again = chunk.to_dict()
        assert again == obj
        # Key order survives too (Azure sorts keys; OpenAI does not).
        assert json.dumps(again) == json.dumps(obj)


@pytest.mark.parametrize("name", NAMES)
def test_encode_chunk_is_byte_exact(name: str) -> None:
    """Re-encoding a parsed chunk gives back the recorded wire bytes.

    The one allowed difference is the spelling of a number: JSON's
    ``0.000015598`` and Python's ``1.5598e-05`` are the same float (only the
    moderation fixture has such a number)."""
    inexact = 0
    for text in data_payloads(name):
        encoded = encode_chunk(parse_chunk(text))
        wire = ("data: " + text + "\n\n").encode("utf-8")
        if encoded != wire:
            inexact += 1
            assert normalize_numbers(encoded.decode("utf-8")) == normalize_numbers(
                wire.decode("utf-8")
            )
    assert inexact == (1 if name == "openai-chat-moderation.sse" else 0)


def test_openrouter_error_midstream_raises_with_payload_and_chunk() -> None:
    name = "openrouter-error-midstream.sse"
    events = decode_all([fixture_bytes(name)])
    seen: list[ChatCompletionChunk] = []
    with pytest.raises(StreamError) as info:
        seen.extend(iter_chunks(events))
    err = info.value
    assert err.payload == expected_openai()[name]["error_payloads"][0]
    assert err.event is not None and '"error"' in err.event.data
    assert err.chunk is not None and err.chunk.usage is not None
    assert err.chunk.extra["error"] == err.payload
    assert len(seen) == 3
    assert isinstance(err.received, ChatCompletion)
    # What arrived before the error: the reasoning, but not the error chunk's usage.
    assert err.received.choices[0].message.reasoning == "We need to respond to a greeting. The user"
    assert err.received.usage is None
    assert "Token limit reached" in str(err)


def test_groq_error_event_raises_with_payload() -> None:
    name = "groq-error-midstream.sse"
    events = decode_all([fixture_bytes(name)])
    with pytest.raises(StreamError) as info:
        for _ in iter_chunks(events):
            pass
    err = info.value
    assert err.payload == expected_openai()[name]["error_payloads"][0]
    assert err.event is not None and err.event.event == "error"
    assert err.chunk is None
    assert isinstance(err.received, ChatCompletion)
    assert len(err.received.choices[0].message.reasoning or "") == 412
    assert err.received.choices[0].finish_reason is None


@pytest.mark.parametrize("name", OK_NAMES)
def test_cut_before_done_raises_incomplete(name: str) -> None:
    raw = fixture_bytes(name)
    cut = raw.rindex(b"data: [DONE]")
    events = decode_all([raw[:cut]])
    seen: list[ChatCompletionChunk] = []
    with pytest.raises(IncompleteStreamError) as info:
        seen.extend(iter_chunks(events))
    assert len(seen) == expected_openai()[name]["json_payloads_before_done"]
    received = info.value.received
    assert isinstance(received, ChatCompletion)
    assert summarize(received) == expected_summary(name)
    # The same stream is fine for a caller who does not insist on [DONE].
    assert len(list(iter_chunks(events, require_done=False))) == len(seen)


@pytest.mark.parametrize("name", OK_NAMES)
def test_cut_mid_stream_raises_incomplete_with_partial_result(name: str) -> None:
    raw = fixture_bytes(name)
    cut = len(raw) // 2
    with pytest.raises(IncompleteStreamError) as info:
        for _ in iter_chunks(decode_all([raw[:cut]])):
            pass
    assert isinstance(info.value.received, ChatCompletion)


async def _byte_source(pieces: list[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        await asyncio.sleep(0)
        yield piece


@pytest.mark.parametrize("name", OK_NAMES)
def test_async_pipeline_matches(name: str) -> None:
    async def main() -> ChatCompletion:
        acc = ChatCompletionAccumulator()
        pieces = random_chunks(fixture_bytes(name), seed=7)
        async for _ in aiter_chunks(aiter_events(_byte_source(pieces)), accumulator=acc):
            pass
        return acc.result()

    assert summarize(asyncio.run(main())) == expected_summary(name)


@pytest.mark.parametrize("name", ERROR_FIXTURES)
def test_async_error_fixtures_raise(name: str) -> None:
    async def main() -> None:
        async for _ in aiter_chunks(aiter_events(_byte_source([fixture_bytes(name)]))):
            pass

    with pytest.raises(StreamError) as info:
        asyncio.run(main())
    assert info.value.payload == expected_openai()[name]["error_payloads"][0]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.sse")), ids=lambda p: p.name)
def test_every_json_payload_of_every_fixture_round_trips(path: Path) -> None:
    """Losslessness holds for any JSON object, also the Anthropic, Gemini and
    Responses payloads, where nearly everything lands in ``extra``."""
    payloads = 0
    for event in decode_all([path.read_bytes()]):
        try:
            obj = json.loads(event.data)
        except ValueError:
            continue
        payloads += 1
        again = parse_chunk(event.data).to_dict()
        assert again == obj
        assert json.dumps(again) == json.dumps(obj)
    assert payloads > 0
