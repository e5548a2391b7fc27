"""Structure-aware fuzzing of the typed LLM layers.

Recorded streams with one event's JSON changed at a path (every JSON type in place
of a value, keys dropped or sent twice, nesting past the parser's limit, huge
numbers, ``NaN``/``Infinity``: ``sse_codec.testing.json_mutations``), cut into
random chunks, through every reader, accumulator, ``sse_codec.convert`` and the
encoders.  The only exceptions allowed are the package's own ``SSEError``s.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sse_codec import ServerSentEvent, SSEError, iter_events
from sse_codec import anthropic as an
from sse_codec import openai as oa
from sse_codec import responses as rs
from sse_codec.convert import anthropic_to_chat_chunks, anthropic_to_chat_sse
from sse_codec.testing import chunkings, json_mutations

FIXTURES = Path(__file__).parent / "fixtures"
OPENAI = [
    "openai-chat-tool-call-usage.sse",
    "openai-chat-logprobs.sse",
    "openrouter-error-midstream.sse",
    "mistral-magistral-thinking-parts.sse",
    "azure-openai-content-filter.sse",
]
ANTHROPIC = ["anthropic-messages-text.sse", "anthropic-messages-tool-use.sse"]
RESPONSES = ["openai-responses-function-call.sse", "openai-responses-api.sse"]


def _guarded(step: Callable[[], object]) -> None:
    """Run one step; our own errors are fine, anything else fails the test."""
    with contextlib.suppress(SSEError):
        step()


def _touch(value: object) -> None:
    """Read every field of a typed value (building what parsing left unbuilt)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _touch(getattr(value, f.name))
        to_dict = getattr(value, "to_dict", None)
        if to_dict is not None:
            to_dict()
    elif isinstance(value, tuple | list):
        for item in value:
            _touch(item)


def _replaced_with(encode: Callable[[Any], bytes], value: object) -> bytes:
    """``encode`` of a copy of ``value`` built in code (no received text to reuse)."""
    return encode(dataclasses.replace(value))  # type: ignore[type-var]


def exercise_openai(chunks: list[bytes]) -> None:
    acc = oa.ChatCompletionAccumulator()

    def read() -> None:
        for chunk in oa.iter_chunks(iter_events(chunks), accumulator=acc):
            _touch(chunk)
            _guarded(functools.partial(oa.encode_chunk, chunk))
            _guarded(functools.partial(_replaced_with, oa.encode_chunk, chunk))
            again = oa.ChatCompletionAccumulator()
            again.add(dataclasses.replace(chunk))

    _guarded(read)
    result = acc.result()
    _touch(result)
    for choice in result.choices:
        for call in choice.message.tool_calls:
            _guarded(call.parse_arguments)


def exercise_anthropic(chunks: list[bytes]) -> None:
    def collect() -> None:
        _touch(an.collect_message(iter_events(chunks)))

    def read() -> None:
        for event in an.iter_stream_events(iter_events(chunks), require_stop=False):
            _touch(event)
            _guarded(functools.partial(an.encode_event, event))
            _guarded(functools.partial(_replaced_with, an.encode_event, event))

    def accumulate() -> None:
        acc = an.MessageAccumulator()
        try:
            for event in an.iter_stream_events(iter_events(chunks), require_stop=False):
                acc.add(event)
        finally:
            _touch(acc.snapshot())

    def convert() -> None:
        b"".join(anthropic_to_chat_sse(iter_events(chunks)))

    def convert_chunks() -> None:
        events = an.iter_stream_events(iter_events(chunks))
        for chunk in anthropic_to_chat_chunks(events):
            _guarded(functools.partial(oa.encode_chunk, chunk))

    for step in (collect, read, accumulate, convert, convert_chunks):
        _guarded(step)


def exercise_responses(chunks: list[bytes]) -> None:
    def collect() -> None:
        result = rs.collect_response(iter_events(chunks))
        _touch(result)
        for call in result.function_calls:
            _guarded(call.parse_arguments)

    def read() -> None:
        for event in rs.iter_response_events(iter_events(chunks), require_end=False):
            _touch(event)
            _guarded(functools.partial(rs.encode_event, event))
            _guarded(functools.partial(_replaced_with, rs.encode_event, event))

    def accumulate() -> None:
        acc = rs.ResponseAccumulator()
        try:
            for event in rs.iter_response_events(iter_events(chunks), require_end=False):
                acc.add(event)
        finally:
            _touch(acc.snapshot())

    for step in (collect, read, accumulate):
        _guarded(step)


@functools.cache
def _events(name: str) -> tuple[ServerSentEvent, ...]:
    return tuple(iter_events([(FIXTURES / name).read_bytes()]))


def _body(events: tuple[ServerSentEvent, ...], index: int, data: str) -> bytes:
    out = []
    for i, ev in enumerate(events):
        head = "" if ev.event == "message" else f"event: {ev.event}\n"
        text = data if i == index else ev.data
        out.append(head + "".join(f"data: {line}\n" for line in text.split("\n")) + "\n")
    return "".join(out).encode()


@functools.cache
def _mutations(name: str, index: int) -> tuple[str, ...]:
    try:
        value: Any = json.loads(_events(name)[index].data)
    except ValueError:
        return ()  # [DONE]
    return tuple(m.text for m in json_mutations(value))


def _shape(value: Any) -> object:
    if isinstance(value, dict):
        return tuple((k, _shape(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_shape(v) for v in value)
    return type(value).__name__


def _one_of_each_shape(events: tuple[ServerSentEvent, ...]) -> list[int]:
    """The index of the first event of each JSON shape (keys and value types): the
    events in between differ only in their text, which no mutation cares about."""
    seen: dict[object, int] = {}
    for i, ev in enumerate(events):
        try:
            shape = _shape(json.loads(ev.data))
        except ValueError:
            continue
        seen.setdefault((ev.event, shape), i)
    return sorted(seen.values())


CASES = (
    [(n, exercise_openai) for n in OPENAI]
    + [(n, exercise_anthropic) for n in ANTHROPIC]
    + [(n, exercise_responses) for n in RESPONSES]
)


@pytest.mark.parametrize(
    ("name", "exercise"),
    [
        ("openai-chat-tool-call-usage.sse", exercise_openai),
        ("anthropic-messages-text.sse", exercise_anthropic),
        ("openai-responses-function-call.sse", exercise_responses),
    ],
)
def test_every_mutation_of_every_event_raises_only_our_errors(
    name: str, exercise: Callable[[list[bytes]], None]
) -> None:
    events = _events(name)
    tried = 0
    for index in _one_of_each_shape(events):
        mutations = _mutations(name, index)
        # A big event (a Responses response object) gets an even spread of at most
        # 300 of its mutations here; the random test below draws from all of them.
        for text in mutations[:: max(1, len(mutations) // 300)]:
            exercise([_body(events, index, text)])
            tried += 1
    assert tried > 500


@settings(deadline=None)
@given(data=st.data(), case=st.sampled_from(CASES))
def test_mutated_recorded_streams_in_random_chunks_raise_only_our_errors(
    data: st.DataObject, case: tuple[str, Callable[[list[bytes]], None]]
) -> None:
    name, exercise = case
    events = _events(name)
    index = data.draw(st.integers(0, len(events) - 1), label="event")
    mutations = _mutations(name, index)
    text = data.draw(st.sampled_from(mutations), label="data") if mutations else "{"
    exercise(data.draw(chunkings(_body(events, index, text)), label="chunks"))
