"""The OpenAI layer's stream errors: the shared classes, with the offending chunk added."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _errors

if TYPE_CHECKING:
    from .._event import ServerSentEvent
    from ._types import ChatCompletionChunk

__all__ = ["IncompleteStreamError", "StreamError"]

IncompleteStreamError = _errors.IncompleteStreamError


class StreamError(_errors.StreamError):
    """The server sent an error inside a chat stream that had started (HTTP 200).

    A subclass of :class:`sse_codec.StreamError`, so ``except sse_codec.StreamError``
    catches it too.  ``payload`` is the error as received (the value of ``"error"``
    when the data is ``{"error": ...}``, else the whole parsed data, or the raw
    text when an ``event: error`` carries no JSON), ``event`` the event that
    carried it, ``received`` the :class:`~sse_codec.openai.ChatCompletion`
    accumulated from the chunks before it, and ``chunk`` the parsed chunk when the
    error came inside an otherwise ordinary chunk (OpenRouter sends the final
    choice and the usage next to a top-level ``"error"``), else ``None``.
    """

    def __init__(
        self,
        message: str,
        *,
        payload: object,
        event: ServerSentEvent | None = None,
        received: object = None,
        chunk: ChatCompletionChunk | None = None,
    ) -> None:
        super().__init__(message, payload=payload, event=event, received=received)
        self.chunk = chunk
