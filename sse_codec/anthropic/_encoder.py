"""Write typed Anthropic events as ``text/event-stream`` bytes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .._jsonevent import JsonDumps, encode_typed
from ._events import AnthropicEvent

__all__ = ["encode_event", "encode_stream"]


def encode_event(event: AnthropicEvent, *, json_dumps: JsonDumps | None = None) -> bytes:
    """Return the wire form of one event: ``event: <type>``, ``data: <json>``, blank line.

    A parsed event is written with exactly the data text it arrived with
    (``raw_data``), so re-encoding a received stream's events reproduces the
    stream byte for byte when the server framed each event as
    ``event: <type>\\ndata: <json>\\n\\n`` (the Anthropic API does).  An event built in
    code, or changed with ``dataclasses.replace``, is written as compact JSON
    (no spaces, non-ASCII as is, keys in the API's order, then ``extra``), or with
    ``json_dumps`` when given.  Either way :func:`parse_event` reads back an equal
    event.

    Raises :class:`~sse_codec.SSEEncodeError` for values JSON cannot carry (NaN,
    non-JSON objects) or text UTF-8 cannot carry (lone surrogates).
    """
    return encode_typed(event, event.type, json_dumps)


def encode_stream(
    events: Iterable[AnthropicEvent], *, json_dumps: JsonDumps | None = None
) -> Iterator[bytes]:
    """Yield :func:`encode_event` of each event (for a streaming response body)."""
    for event in events:
        yield encode_event(event, json_dumps=json_dumps)
