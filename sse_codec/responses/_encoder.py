"""Write typed Responses events as ``text/event-stream`` bytes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .._jsonevent import JsonDumps, encode_typed
from ._events import ResponseEvent

__all__ = ["encode_event", "encode_stream"]


def encode_event(event: ResponseEvent, *, json_dumps: JsonDumps | None = None) -> bytes:
    """Return ``event: <type>``, ``data: <json>`` and the blank line for one event.

    A parsed event is written with the exact data text it arrived with, so a
    received stream is re-emitted byte for byte; an event built in code (or
    changed with ``dataclasses.replace``) as compact JSON, or with ``json_dumps``.
    Raises :class:`~sse_codec.SSEEncodeError` for values JSON or UTF-8 cannot carry.
    """
    return encode_typed(event, event.type, json_dumps)


def encode_stream(
    events: Iterable[ResponseEvent], *, json_dumps: JsonDumps | None = None
) -> Iterator[bytes]:
    """Yield :func:`encode_event` of each event."""
    for event in events:
        yield encode_event(event, json_dumps=json_dumps)
