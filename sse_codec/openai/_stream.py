"""Events to chunks: ``[DONE]``, in-band errors and truncation."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from .._errors import PayloadError
from .._event import Comment, ServerSentEvent
from ._accumulate import ChatCompletionAccumulator
from ._errors import IncompleteStreamError, NotAnEventStreamError, StreamError
from ._parse import JSONLoads, chunk_view, load_json
from ._types import ChatCompletionChunk

__all__ = ["aiter_chunks", "iter_chunks"]

_DONE = "[DONE]"


def _describe(payload: Any) -> str:
    if isinstance(payload, dict):
        message = payload.get("message")
        if isinstance(message, str):
            return message
    try:
        text = payload if isinstance(payload, str) else json.dumps(payload, default=repr)
    except (ValueError, RecursionError):  # a circular or too deeply nested value
        text = f"<{type(payload).__name__}>"
    return text if len(text) <= 300 else text[:300] + "..."


class _Reader:
    """The per-stream logic shared by the sync and async iterators."""

    __slots__ = ("accumulator", "fold", "json_loads", "seen")

    def __init__(
        self, json_loads: JSONLoads, accumulator: ChatCompletionAccumulator | None
    ) -> None:
        self.json_loads = json_loads
        self.accumulator = ChatCompletionAccumulator() if accumulator is None else accumulator
        # What add(chunk) would do, without its checks: fold the checked JSON object
        # (unless a subclass overrides add, which must then see every chunk).
        self.fold: Callable[[dict[str, Any]], None] | None = None
        if type(self.accumulator).add is ChatCompletionAccumulator.add:
            self.fold = self.accumulator._add_json
        # Whether any item (event or comment) arrived: a body with none was no event stream.
        self.seen = False

    def read(self, event: ServerSentEvent | Comment) -> ChatCompletionChunk | None:
        """Return the event's chunk, ``None`` at ``[DONE]``; raise on errors."""
        if not isinstance(event, ServerSentEvent):
            raise TypeError(f"expected ServerSentEvent items, not {type(event).__name__}")
        data = event.data
        if event.event == "error":
            try:
                obj: Any = self.json_loads(data)
            except Exception:
                # An error event is an error whatever its data looks like.
                obj = data
            payload = obj["error"] if type(obj) is dict and "error" in obj else obj
            raise StreamError(
                f"the server sent an error event: {_describe(payload)}",
                payload=payload,
                event=event,
                received=self.accumulator.result(),
            )
        # A chunk's JSON starts with "{"; only other data may be [DONE] (with spaces).
        if data[:1] != "{" and data.strip() == _DONE:
            return None
        try:
            obj = self.json_loads(data)
        except Exception:
            # load_json raises the PayloadError, with the parser's error as its cause.
            obj = load_json(data, json_loads=self.json_loads, event=event)
        if type(obj) is dict and obj.get("error") is not None:
            payload = obj["error"]
            # OpenRouter puts "error" next to ordinary chunk fields; keep that chunk.
            # A malformed one must not hide the error the server reported.
            chunk = None
            if len(obj) > 1:
                with contextlib.suppress(PayloadError):
                    chunk = chunk_view(obj, data=data, event=event)
            raise StreamError(
                f"the server sent an error in the stream: {_describe(payload)}",
                payload=payload,
                event=event,
                received=self.accumulator.result(),
                chunk=chunk,
            )
        chunk = chunk_view(obj, data=data, event=event)
        if self.fold is not None:
            self.fold(obj)
        else:
            self.accumulator.add(chunk)
        return chunk

    def end(self, require_done: bool) -> None:
        if require_done and not self.seen:
            raise NotAnEventStreamError(
                "the body held no server-sent events: it is not an event stream "
                "(an HTTP error body, an HTML page or a JSON answer?); check the "
                "response's status and Content-Type",
                received=self.accumulator.result(),
            )
        if require_done:
            raise IncompleteStreamError(
                "the stream ended without data: [DONE]; the answer may be truncated "
                "(pass require_done=False for servers that never send [DONE])",
                received=self.accumulator.result(),
            )


def iter_chunks(
    events: Iterable[ServerSentEvent | Comment],
    *,
    json_loads: JSONLoads = json.loads,
    require_done: bool = True,
    accumulator: ChatCompletionAccumulator | None = None,
) -> Iterator[ChatCompletionChunk]:
    """Yield the :class:`ChatCompletionChunk` of each event until ``data: [DONE]``.

    Every JSON object becomes a chunk, whatever its ``object`` (Azure's
    prompt-filter payload comes through as a chunk with ``object == ""``); events
    are read whatever their type, except ``error``.  ``[DONE]`` may carry
    surrounding whitespace; iteration stops there without reading further.
    :class:`~sse_codec.Comment` items (from ``feed_items``) are skipped.

    Each chunk is added to ``accumulator`` (a private one when omitted) before it
    is yielded, so after the loop ``accumulator.result()`` is the whole completion.

    Raises :class:`~sse_codec.openai.StreamError` for an ``event: error`` or data
    with a non-null top-level ``"error"``; :class:`~sse_codec.PayloadError` for data
    that is not JSON or not a well-typed JSON object; and
    :class:`~sse_codec.openai.IncompleteStreamError` when the events end before
    ``[DONE]``, unless ``require_done=False``; its subclass
    :class:`~sse_codec.openai.NotAnEventStreamError` when no event (nor comment)
    came at all, because the body was not an event stream (an HTTP error body, an
    HTML page).  Both stream errors carry the
    completion accumulated so far as ``received``.  ``json_loads`` is the JSON parser.
    """
    reader = _Reader(json_loads, accumulator)
    for event in events:
        reader.seen = True
        if type(event) is Comment:
            continue
        chunk = reader.read(event)
        if chunk is None:
            return
        yield chunk
    reader.end(require_done)


async def aiter_chunks(
    events: AsyncIterable[ServerSentEvent | Comment],
    *,
    json_loads: JSONLoads = json.loads,
    require_done: bool = True,
    accumulator: ChatCompletionAccumulator | None = None,
) -> AsyncIterator[ChatCompletionChunk]:
    """Async twin of :func:`iter_chunks` for an ``AsyncIterable`` of events
    (e.g. :func:`sse_codec.aiter_events`); same rules, same exceptions."""
    reader = _Reader(json_loads, accumulator)
    async for event in events:
        reader.seen = True
        if type(event) is Comment:
            continue
        chunk = reader.read(event)
        if chunk is None:
            return
        yield chunk
    reader.end(require_done)
