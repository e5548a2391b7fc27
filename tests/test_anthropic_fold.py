"""collect_message folds text fragments from their JSON without building typed events:
it must give exactly what adding every typed event to the accumulator gives.

The reference below is the typed path (``read_event`` then ``MessageAccumulator.add``
for every event); the streams are odd on purpose: deltas of every kind for blocks
of every kind, wrong value types, extra keys, ``bool`` indexes, blocks never
started or already stopped, odd SSE event names.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sse_codec import ServerSentEvent, SSEError
from sse_codec import anthropic as an
from sse_codec._typedstream import feed_all
from sse_codec.anthropic._reader import read_event

START: dict[str, Any] = {
    "type": "message_start",
    "message": {"id": "msg_1", "role": "assistant", "model": "m", "content": [], "usage": {}},
}

_BLOCKS: list[dict[str, Any]] = [
    {"type": "text", "text": ""},
    {"type": "thinking", "thinking": "", "signature": ""},
    {"type": "tool_use", "id": "t", "name": "f", "input": {}},
    {"type": "server_tool_use", "id": "s", "name": "g", "input": {}},
    {"type": "redacted_thinking", "data": "x"},
    {"type": "mcp_tool_use", "id": "m", "input": {}},
    {"type": "web_search_tool_result"},
]
# Each delta type with its text key; "other" is a delta type the layer does not model.
_DELTA_KEYS = {
    "text_delta": "text",
    "thinking_delta": "thinking",
    "input_json_delta": "partial_json",
    "signature_delta": "signature",
    "other": "text",
}
_ODD_VALUES: st.SearchStrategy[Any] = st.sampled_from([None, True, 3, 1.5, [], {}, ["x"]])
_ODD_INDEXES: st.SearchStrategy[Any] = st.sampled_from([True, False, 1.0, "0", None, -1, 9])


@st.composite
def _deltas(draw: Any) -> dict[str, Any]:
    """A fragment of the usual shape, or one with a single thing changed."""
    kind = draw(st.sampled_from(sorted(_DELTA_KEYS)))
    body: dict[str, Any] = {"type": kind, _DELTA_KEYS[kind]: draw(st.text(max_size=3))}
    obj: dict[str, Any] = {"type": "content_block_delta", "index": draw(st.integers(0, 1))}
    obj["delta"] = body
    # Mostly unchanged: the first odd event may end the stream with an error.
    change = draw(st.sampled_from(["none"] * 12 + ["value", "index", "extra", "outer", "drop"]))
    if change == "value":
        body[_DELTA_KEYS[kind]] = draw(_ODD_VALUES)
    elif change == "index":
        obj["index"] = draw(_ODD_INDEXES)
    elif change == "extra":
        body["x"] = 1
    elif change == "outer":
        obj["x"] = 1
    elif change == "drop":
        del body[draw(st.sampled_from(sorted(body)))]
    return obj


_stops = st.builds(
    lambda index: {"type": "content_block_stop", "index": index},
    st.integers(0, 1) | _ODD_INDEXES,
)
_events = st.one_of(*[_deltas()] * 8, _stops, st.just({"type": "ping"}))
_names = st.sampled_from([None, "message", "error", "ping"])


def _sse(obj: dict[str, Any], name: str | None) -> ServerSentEvent:
    return ServerSentEvent(event=name or str(obj["type"]), data=json.dumps(obj))


def _outcome(run: Any) -> Any:
    """What a collect gives: its message, or everything its error says."""
    try:
        return ("message", run())
    except SSEError as exc:
        said = {k: v for k, v in vars(exc).items() if k != "__cause__"}
        return (type(exc), str(exc), said)


def _typed(events: list[ServerSentEvent]) -> an.Message:
    acc = an.MessageAccumulator()
    feed_all(acc, events, read_event, json.loads)
    return acc.result(require_stop=False)


def _stream(draw: Any) -> list[ServerSentEvent]:
    # Blocks started up front, so that most deltas find one (and of each kind);
    # now and then no message_start at all.
    head = [START] if draw(st.integers(0, 9)) else []
    starts = [_block(i, draw(st.integers(0, len(_BLOCKS) - 1))) for i in range(2)]
    objs = draw(st.lists(st.tuples(_events, _names), max_size=16))
    return [*(_sse(o, None) for o in head + starts), *(_sse(obj, name) for obj, name in objs)]


def _block(index: int, block: int) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": _BLOCKS[block]}


def _text(index: Any, text: Any = "x", **more: Any) -> dict[str, Any]:
    return {
        "type": "content_block_delta",
        "index": index,
        "delta": {"type": "text_delta", "text": text, **more},
    }


@given(st.data())
def test_collect_message_equals_adding_every_typed_event(data: st.DataObject) -> None:
    events = _stream(data.draw)
    folded = _outcome(lambda: an.collect_message(events, require_stop=False))
    assert folded == _outcome(lambda: _typed(events))


@given(st.data())
def test_acollect_message_equals_collect_message(data: st.DataObject) -> None:
    events = _stream(data.draw)

    async def aiter() -> AsyncIterator[ServerSentEvent]:
        for event in events:
            yield event

    async def run() -> an.Message:
        return await an.acollect_message(aiter(), require_stop=False)

    folded = _outcome(lambda: asyncio.run(run()))
    assert folded == _outcome(lambda: an.collect_message(events, require_stop=False))


@pytest.mark.parametrize(
    "objs",
    [
        [_block(1, 0), _text(True)],  # a bool is no index, even where 1 is a block
        [_block(0, 0), {"type": "content_block_stop", "index": 0}, _text(0)],  # stopped
        [_text(0)],  # never started
        [_block(0, 1), _text(0)],  # a text fragment for a thinking block
        [_block(0, 0), _text(0, 3)],  # not a string
        [_block(0, 0), {**_text(0), "delta": {"type": "other", "text": "x"}}],  # unknown delta
        [_block(0, 0), _text(0, "a", x=1)],  # an extra key in the delta
        [_block(0, 0), {**_text(0), "x": 1}],  # an extra key in the event
        [_block(0, 5), {**_text(0), "delta": {"type": "input_json_delta", "partial_json": "{}"}}],
        [_block(0, 6), {**_text(0), "delta": {"text": "x", "y": "z"}}],  # no type
    ],
)
@pytest.mark.parametrize("started", [True, False])
def test_odd_fragments_give_what_the_typed_path_gives(
    objs: list[dict[str, Any]], started: bool
) -> None:
    events = [_sse(o, None) for o in ([START] if started else []) + objs]
    folded = _outcome(lambda: an.collect_message(events, require_stop=False))
    assert folded == _outcome(lambda: _typed(events))


def test_a_plain_stream_is_folded_without_typed_events() -> None:
    # A stream of only the usual fragments: the fold takes every delta, so the
    # typed path (and its unhandled list) never sees one.
    deltas = [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}}
        for t in ("Hel", "lo")
    ]
    objs = [START, {"type": "content_block_start", "index": 0, "content_block": _BLOCKS[0]}]
    events = [_sse(o, None) for o in [*objs, *deltas, {"type": "message_stop"}]]
    message = an.collect_message(events)
    assert message.text == "Hello"
    assert message == _typed(events)
