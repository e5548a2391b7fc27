"""Readers: server-sent events in, typed Responses events out, errors raised."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

from .._event import ServerSentEvent
from .._jsonevent import JsonLoads, copy_json, describe_error, read_typed
from .._typedstream import EventReader
from ._errors import IncompleteStreamError, NotAnEventStreamError, StreamError
from ._events import (
    ErrorEvent,
    ResponseCompleted,
    ResponseEvent,
    ResponseFailed,
    ResponseIncomplete,
    build_event,
)

__all__ = ["aiter_response_events", "iter_response_events", "read_event", "stream_error"]

_PROTOCOL = "OpenAI Responses"


def stream_error(event: ErrorEvent | ResponseFailed, sse: ServerSentEvent | None) -> StreamError:
    """The :class:`~sse_codec.StreamError` for an ``error`` or ``response.failed`` event.

    ``payload`` is the error object: the ``error`` event as a dict, or the failed
    response's ``error`` (the whole response object when it has none).
    """
    if isinstance(event, ErrorEvent):
        payload: object = event.to_dict()
        inner = event.extra.get("error")
        if event.code is None and event.message is None and isinstance(inner, dict):
            # {"type": "error", "error": {...}}: the details are one level down.
            payload = copy_json(inner)
            detail = describe_error(inner)
        elif event.message:
            detail = f"{event.code or 'error'}: {event.message}"
        else:
            detail = f"{event.code or 'error'}: {describe_error(payload)}"
    else:
        error = event.response.get("error")
        payload = error if error is not None else dict(event.response)
        message = error.get("message", "") if isinstance(error, dict) else ""
        code = error.get("code", "") if isinstance(error, dict) else ""
        detail = f"response.failed ({code or 'no code'}): {message}"
    return StreamError(f"{_PROTOCOL} stream error, {detail}", payload=payload, event=sse)


def read_event(sse: ServerSentEvent, json_loads: JsonLoads) -> ResponseEvent:
    """:func:`parse_event`, but an ``event: error`` whose data does not parse raises
    :class:`~sse_codec.StreamError` instead of :class:`~sse_codec.PayloadError`."""
    return read_typed(sse, json_loads, _PROTOCOL, build_event, StreamError)


def _reader(json_loads: JsonLoads) -> EventReader[ResponseEvent]:
    return EventReader(
        read_event,
        json_loads,
        fails=(ErrorEvent, ResponseFailed),
        error=stream_error,
        ends=(ResponseCompleted, ResponseIncomplete, ResponseFailed),
        missing=f"{_PROTOCOL} stream ended without response.completed, "
        "response.incomplete or response.failed: the answer is truncated",
        incomplete=IncompleteStreamError,
        empty=NotAnEventStreamError,
        protocol=_PROTOCOL,
    )


def iter_response_events(
    events: Iterable[ServerSentEvent],
    *,
    require_end: bool = True,
    json_loads: JsonLoads = json.loads,
) -> Iterator[ResponseEvent]:
    """Yield the typed event of each server-sent event of an OpenAI Responses stream.

    Use it over :func:`sse_codec.iter_events`.  Unknown events are yielded too.
    Raises :class:`~sse_codec.StreamError` for an ``error`` event or a
    ``response.failed`` event (see :func:`stream_error` for the ``payload``; an
    ``event: error`` whose data does not parse raises it too, with the parsed JSON
    or the raw text as ``payload``);
    :class:`~sse_codec.IncompleteStreamError` when the events run out before
    ``response.completed`` / ``response.incomplete`` (unless ``require_end=False``), or
    :class:`~sse_codec.NotAnEventStreamError` when no event came at all;
    :class:`~sse_codec.PayloadError` for data that is not a well-formed event.
    ``response.incomplete`` is an end, not an error: check ``incomplete_details``.
    """
    reader = _reader(json_loads)
    for sse in events:
        yield reader.read(sse)
    reader.finish(require_end)


async def aiter_response_events(
    events: AsyncIterable[ServerSentEvent],
    *,
    require_end: bool = True,
    json_loads: JsonLoads = json.loads,
) -> AsyncIterator[ResponseEvent]:
    """Async twin of :func:`iter_response_events`, over :func:`sse_codec.aiter_events`."""
    reader = _reader(json_loads)
    async for sse in events:
        yield reader.read(sse)
    reader.finish(require_end)
