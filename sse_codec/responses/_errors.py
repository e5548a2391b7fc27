"""The OpenAI Responses layer's stream errors: the package-wide classes with ``received``
typed as what this layer accumulates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _errors

if TYPE_CHECKING:
    from .._event import ServerSentEvent
    from ._accumulator import ResponseResult

__all__ = ["IncompleteStreamError", "NotAnEventStreamError", "StreamError"]


class StreamError(_errors.StreamError):
    """The server reported an error inside an OpenAI Responses stream that had started.

    A subclass of :class:`sse_codec.StreamError` (catch either).  ``payload`` is
    the error object as received, ``event`` the server-sent event that carried it,
    ``received`` the :class:`~sse_codec.responses.ResponseResult` received so far
    (``None`` from the readers, which keep no result).
    """

    received: ResponseResult | None

    def __init__(
        self,
        message: str,
        *,
        payload: object,
        event: ServerSentEvent | None = None,
        received: ResponseResult | None = None,
    ) -> None:
        super().__init__(message, payload=payload, event=event, received=received)


class IncompleteStreamError(_errors.IncompleteStreamError):
    """An OpenAI Responses stream ended before its end event: the answer is truncated.

    A subclass of :class:`sse_codec.IncompleteStreamError` (catch either).
    ``received`` is the :class:`~sse_codec.responses.ResponseResult` received so far
    (``None`` from the readers, which keep no result).
    """

    received: ResponseResult | None

    def __init__(self, message: str, *, received: ResponseResult | None = None) -> None:
        super().__init__(message, received=received)


class NotAnEventStreamError(IncompleteStreamError, _errors.NotAnEventStreamError):
    """The body held no server-sent event at all: it was not an event stream (an HTTP
    error body, an HTML page, a JSON answer) or was empty.

    A subclass of this layer's :class:`IncompleteStreamError` and of
    :class:`sse_codec.NotAnEventStreamError`; ``received`` is as for the former.
    """
