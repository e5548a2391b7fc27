"""Readers: server-sent events in, typed Anthropic events out, errors raised."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

from .._event import ServerSentEvent
from .._jsonevent import JsonLoads, read_typed
from .._typedstream import EventReader
from ._errors import IncompleteStreamError, NotAnEventStreamError, StreamError
from ._events import AnthropicEvent, ErrorEvent, MessageStop, build_event

__all__ = ["aiter_stream_events", "iter_stream_events", "read_event", "stream_error"]

_PROTOCOL = "Anthropic"


def read_event(sse: ServerSentEvent, json_loads: JsonLoads) -> AnthropicEvent:
    """:func:`parse_event`, but an ``event: error`` whose data does not parse raises
    :class:`~sse_codec.StreamError` instead of :class:`~sse_codec.PayloadError`."""
    return read_typed(sse, json_loads, _PROTOCOL, build_event, StreamError)


def stream_error(event: ErrorEvent, sse: ServerSentEvent | None) -> StreamError:
    """The :class:`~sse_codec.StreamError` for an ``error`` event (``payload`` is its
    ``error`` object)."""
    kind = event.error_type or "error"
    return StreamError(
        f"{_PROTOCOL} stream error ({kind}): {event.message}", payload=event.error, event=sse
    )


def _reader(json_loads: JsonLoads) -> EventReader[AnthropicEvent]:
    return EventReader(
        read_event,
        json_loads,
        fails=(ErrorEvent,),
        error=stream_error,
        ends=(MessageStop,),
        missing=f"{_PROTOCOL} stream ended without message_stop: the answer is truncated",
        incomplete=IncompleteStreamError,
        empty=NotAnEventStreamError,
        protocol=_PROTOCOL,
    )


def iter_stream_events(
    events: Iterable[ServerSentEvent],
    *,
    require_stop: bool = True,
    json_loads: JsonLoads = json.loads,
) -> Iterator[AnthropicEvent]:
    """Yield the typed event of each server-sent event of an Anthropic Messages stream.

    Use it over :func:`sse_codec.iter_events`::

        for event in iter_stream_events(iter_events(response.iter_bytes())): ...

    ``ping`` and unknown events are yielded too.  Raises
    :class:`~sse_codec.StreamError` for an ``error`` event (``payload`` is its
    ``error`` object, ``event`` the server-sent event; an ``event: error`` whose
    data is not a well-formed error event raises it too, with the parsed JSON or
    the raw text as ``payload``);
    :class:`~sse_codec.IncompleteStreamError` when the events run out before
    ``message_stop`` (unless ``require_stop=False``), or
    :class:`~sse_codec.NotAnEventStreamError` when no event came at all;
    :class:`~sse_codec.PayloadError` for data that is not a well-formed event.
    """
    reader = _reader(json_loads)
    for sse in events:
        yield reader.read(sse)
    reader.finish(require_stop)


async def aiter_stream_events(
    events: AsyncIterable[ServerSentEvent],
    *,
    require_stop: bool = True,
    json_loads: JsonLoads = json.loads,
) -> AsyncIterator[AnthropicEvent]:
    """Async twin of :func:`iter_stream_events`, over :func:`sse_codec.aiter_events`."""
    reader = _reader(json_loads)
    async for sse in events:
        yield reader.read(sse)
    reader.finish(require_stop)
