"""The event value type shared by the decoder and the encoder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._encoder import encode as _encode
from ._errors import PayloadError

__all__ = ["Comment", "ServerSentEvent"]


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched server-sent event.

    ``event`` is the event type (``"message"`` when the stream named none),
    ``data`` the data buffer with its final newline removed, ``id`` the stream's
    last event ID at the moment of dispatch (``None`` when that ID is empty) and
    ``retry`` the reconnection time in milliseconds that the event's own block
    set with a valid ``retry:`` field (``None`` when it set none).
    """

    event: str = "message"
    data: str = ""
    id: str | None = None
    retry: int | None = None

    def json(self, *, loads: Callable[[str], Any] | None = None) -> Any:
        """Return ``data`` parsed as JSON (``json.loads``, or ``loads`` when given).

        Raises :class:`~sse_codec.PayloadError` carrying the data and this event
        when the data is not JSON (the parser's error is its ``__cause__``).
        """
        if loads is None:
            # Imported here: the core does not load json for users who never call this.
            import json

            loads = json.loads
        try:
            return loads(self.data)
        except (ValueError, TypeError, RecursionError) as exc:
            # ValueError covers json.JSONDecodeError and orjson/msgspec decode errors.
            raise PayloadError(
                f"event data is not JSON: {exc}", data=self.data, event=self
            ) from exc

    def encode(self, *, line_ending: str = "\n") -> bytes:
        """Return the UTF-8 wire form of this event, ending with a blank line.

        A spec-conforming parser decodes the result back to an equal event.
        The ``event`` line is omitted when the type is ``"message"``.
        Raises :class:`~sse_codec.SSEEncodeError` when a field cannot be written
        safely (see :func:`sse_codec.encode`).
        """
        event: str | None = self.event
        if type(event) is str and event == "message":
            event = None  # no event line; a plain str, so the encoder's fast path may run
        return _encode(
            self.data,
            event=event,
            id=self.id,
            retry=self.retry,
            line_ending=line_ending,
        )


class _EventBuilder:
    """The decoder's way to build a ``ServerSentEvent`` cheaply.

    The generated ``__init__`` of a frozen dataclass stores each field with a
    Python-level ``object.__setattr__`` call, which costs about as much as parsing
    a small event.  This class has exactly the same slots and no frozen
    ``__setattr__``: the decoder fills one in with plain attribute stores, then
    assigns ``__class__ = ServerSentEvent`` (allowed because the layouts are
    identical).  The result is an ordinary, immutable ``ServerSentEvent``: same
    type, equality, hash and repr.  Four times cheaper than ``ServerSentEvent(...)``.
    """

    __slots__ = ("data", "event", "id", "retry")

    event: str
    data: str
    id: str | None
    retry: int | None


def _make_event(event: str, data: str, id: str | None, retry: int | None) -> ServerSentEvent:
    ev = _EventBuilder()
    ev.event = event
    ev.data = data
    ev.id = id
    ev.retry = retry
    ev.__class__ = ServerSentEvent  # type: ignore[assignment]
    return ev  # type: ignore[return-value]


# Fail at import, not in the middle of a stream, if the two layouts ever diverge.
# (CPython keeps slots sorted by name, so the declaration order does not matter.)
if (
    sorted(_EventBuilder.__slots__) != sorted(ServerSentEvent.__slots__)
    or _make_event("message", "", None, None) != ServerSentEvent()
):  # pragma: no cover
    raise ImportError("sse_codec: _EventBuilder no longer matches ServerSentEvent")


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment line (``:text``) seen in the stream.

    Returned by :meth:`~sse_codec.SSEDecoder.feed_items` only; ``feed`` never
    returns comments.  ``text`` is the line after the colon, with one leading
    space removed (the encoder writes ``": "``).
    """

    text: str
