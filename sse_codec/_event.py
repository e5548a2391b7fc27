"""The event value type shared by the decoder and the encoder."""

from __future__ import annotations

from dataclasses import dataclass

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

    def encode(self, *, line_ending: str = "\n") -> bytes:
        """Return the UTF-8 wire form of this event, ending with a blank line.

        A spec-conforming parser decodes the result back to an equal event.
        The ``event`` line is omitted when the type is ``"message"``.
        Raises :class:`~sse_codec.SSEEncodeError` when a field cannot be written
        safely (see :func:`sse_codec.encode`).
        """
        from ._encoder import encode

        return encode(
            self.data,
            event=None if self.event == "message" else self.event,
            id=self.id,
            retry=self.retry,
            line_ending=line_ending,
        )


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment line (``:text``) seen in the stream.

    Returned by :meth:`~sse_codec.SSEDecoder.feed_items` only; ``feed`` never
    returns comments.  ``text`` is the line after the colon, with one leading
    space removed (the encoder writes ``": "``).
    """

    text: str
