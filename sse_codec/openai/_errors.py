"""The OpenAI layer's stream errors: the shared classes, with ``received`` typed as a
:class:`~sse_codec.openai.ChatCompletion` and the offending chunk added."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _errors
from ._completion import ChatCompletion

if TYPE_CHECKING:
    from .._event import ServerSentEvent
    from ._types import ChatCompletionChunk

__all__ = ["IncompleteStreamError", "NotAnEventStreamError", "StreamError"]


class IncompleteStreamError(_errors.IncompleteStreamError):
    """A chat stream ended before ``data: [DONE]``: the answer may be truncated.

    A subclass of :class:`sse_codec.IncompleteStreamError`, so
    ``except sse_codec.IncompleteStreamError`` catches it too.  ``received`` is the
    :class:`~sse_codec.openai.ChatCompletion` accumulated before the end (an empty
    one when none is given).
    """

    received: ChatCompletion

    def __init__(self, message: str, *, received: ChatCompletion | None = None) -> None:
        super().__init__(message, received=ChatCompletion() if received is None else received)


class StreamError(_errors.StreamError):
    """The server sent an error inside a chat stream that had started (HTTP 200).

    A subclass of :class:`sse_codec.StreamError`, so ``except sse_codec.StreamError``
    catches it too.  ``payload`` is the error as received (the value of ``"error"``
    when the data is ``{"error": ...}``, else the whole parsed data, or the raw
    text when an ``event: error`` carries no JSON), ``event`` the event that
    carried it, ``received`` the :class:`~sse_codec.openai.ChatCompletion`
    accumulated from the chunks before it (an empty one when none is given), and
    ``chunk`` the parsed chunk when the error came inside an otherwise ordinary
    chunk (OpenRouter sends the final choice and the usage next to a top-level
    ``"error"``), else ``None``.
    """

    received: ChatCompletion

    def __init__(
        self,
        message: str,
        *,
        payload: object,
        event: ServerSentEvent | None = None,
        received: ChatCompletion | None = None,
        chunk: ChatCompletionChunk | None = None,
    ) -> None:
        super().__init__(
            message,
            payload=payload,
            event=event,
            received=ChatCompletion() if received is None else received,
        )
        self.chunk = chunk


class NotAnEventStreamError(IncompleteStreamError, _errors.NotAnEventStreamError):
    """The body held no server-sent event at all: it was not an event stream (an HTTP
    error body, an HTML page, a JSON answer) or was empty.

    A subclass of this layer's :class:`IncompleteStreamError` and of
    :class:`sse_codec.NotAnEventStreamError`; ``received`` is as for the former.
    """
