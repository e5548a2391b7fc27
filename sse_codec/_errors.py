"""The package's one exception hierarchy.

Everything sse-codec raises because of the bytes or values it was given is an
:class:`SSEError`.  Decode-side problems are :class:`SSEDecodeError`, encode-side
problems are :class:`SSEEncodeError`; exceeding a configured memory bound is the
decode-side :class:`SSELimitError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._event import Comment, ServerSentEvent

__all__ = [
    "IncompleteStreamError",
    "PayloadError",
    "SSEConnectionError",
    "SSEDecodeError",
    "SSEDecoderClosedError",
    "SSEEncodeError",
    "SSEError",
    "SSELimitError",
    "SSEResponseError",
    "StreamError",
]


class SSEError(Exception):
    """Root of every exception sse-codec raises for bad input or misuse of a stream."""


class SSEDecodeError(SSEError):
    """A problem found while reading an event stream."""


class SSELimitError(SSEDecodeError):
    """A memory bound of :class:`~sse_codec.SSEDecoder` was exceeded.

    ``limit_name`` is the constructor argument that set the bound
    (``"max_line_size"`` or ``"max_event_size"``), ``limit`` its value in bytes and
    ``size`` the number of bytes the stream tried to make the decoder hold.
    Nothing the same call completed before the limit was hit is lost: ``events``
    holds its events, and ``items`` its events and (from ``feed_items``) comments
    in stream order.  After this error the decoder is failed: further ``feed``
    calls raise :class:`SSEDecoderClosedError`.
    """

    def __init__(
        self,
        limit_name: str,
        limit: int,
        size: int,
        events: Sequence[ServerSentEvent] = (),
        items: Sequence[ServerSentEvent | Comment] | None = None,
    ) -> None:
        self.limit_name = limit_name
        self.limit = limit
        self.size = size
        self.events: list[ServerSentEvent] = list(events)
        self.items: list[ServerSentEvent | Comment] = list(events if items is None else items)
        super().__init__(
            f"{limit_name} exceeded: the stream needs at least {size} bytes buffered, "
            f"the limit is {limit} bytes (raise it, or pass {limit_name}=None to disable it)"
        )


class SSEDecoderClosedError(SSEDecodeError):
    """``feed`` or ``close`` was called on a decoder that was closed or has failed."""


class SSEEncodeError(SSEError, ValueError):
    """A value cannot be written as SSE without changing its meaning.

    ``field`` names the offending field (``"event"``, ``"id"``, ``"retry"``,
    ``"data"``, ``"comment"`` or ``"line_ending"``) and ``reason`` says why.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"cannot encode {field!r}: {reason}")


# -- errors of the HTTP client edge (sse_codec.httpx, sse_codec.aiohttp) --


class SSEResponseError(SSEError):
    """The server answered, but not with an event stream.

    Raised when the status is not 200 or the ``Content-Type`` is not
    ``text/event-stream``: the two checks of the EventSource processing model.
    ``status`` is the HTTP status, ``headers`` the response headers as
    ``(name, value)`` pairs in the order received (names lower-cased), ``body``
    the start of the body (at most ``body_limit`` bytes were read, never more;
    ``body_truncated`` says whether more followed) and ``json`` the body parsed as
    JSON when it is complete, valid JSON (``None`` otherwise).  LLM APIs put the
    reason there, e.g. ``{"error": {"message": ..., "type": ...}}``; ``reason``
    is that message when one is found, else a short description of the problem.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        body_truncated: bool,
        json: object,
        reason: str,
    ) -> None:
        self.status = status
        self.headers: list[tuple[str, str]] = list(headers)
        self.body = body
        self.body_truncated = body_truncated
        self.json = json
        self.reason = reason
        super().__init__(message)

    @property
    def content_type(self) -> str | None:
        """The response's ``Content-Type`` header as sent, or ``None`` without one."""
        for name, value in self.headers:
            if name == "content-type":
                return value
        return None


class SSEConnectionError(SSEError):
    """A stream could not (re)connect: the reconnection policy's bound on attempts or
    time was reached, or the HTTP client refused to send the ``Last-Event-ID`` the
    server had set (a control character in it).

    ``attempts`` is the number of consecutive connection attempts that failed,
    ``last_event_id`` the last event ID the stream had reached (send it as
    ``Last-Event-ID`` to resume later).  The last failure (the HTTP client's own
    transport error, or an :class:`SSEResponseError` with a status the policy
    retries) is ``__cause__``.
    """

    def __init__(self, message: str, *, attempts: int, last_event_id: str) -> None:
        self.attempts = attempts
        self.last_event_id = last_event_id
        super().__init__(message)


# -- errors of the typed LLM-stream layers (sse_codec.openai, sse_codec.anthropic) --


class PayloadError(SSEDecodeError):
    """An event's data is not the payload the protocol promises (e.g. not JSON).

    ``data`` is the raw data text and ``event`` the :class:`~sse_codec.ServerSentEvent`
    that carried it; the underlying parser error, if any, is ``__cause__``.
    """

    def __init__(self, message: str, *, data: str, event: ServerSentEvent | None = None) -> None:
        self.data = data
        self.event = event
        super().__init__(message)


class StreamError(SSEError):
    """The server reported an error inside a stream that had started (HTTP 200).

    ``payload`` is the parsed error object exactly as received (for example the
    value of ``"error"``), ``event`` the event that carried it, and ``received``
    whatever the reader had accumulated before the error (layer-specific).
    """

    def __init__(
        self,
        message: str,
        *,
        payload: object,
        event: ServerSentEvent | None = None,
        received: object = None,
    ) -> None:
        self.payload = payload
        self.event = event
        self.received = received
        super().__init__(message)


class IncompleteStreamError(SSEError):
    """The stream ended before the protocol's end marker (``[DONE]``, ``message_stop``…).

    A truncated answer must never pass for a whole one.  ``received`` holds what
    arrived before the end (layer-specific: chunks, events or a partial result).
    """

    def __init__(self, message: str, *, received: object = None) -> None:
        self.received = received
        super().__init__(message)
