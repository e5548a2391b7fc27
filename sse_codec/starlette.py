"""The event-stream response as a Starlette (and FastAPI) ``Response``.

``pip install 'sse-codec[starlette]'``.  Importing this module imports Starlette;
``import sse_codec`` and ``sse_codec.asgi`` never do.  Return an
:class:`EventStreamResponse` from a Starlette or FastAPI endpoint; it behaves as
:class:`sse_codec.asgi.EventStreamResponse` (keep-alives, disconnects, send
timeout, graceful shutdown) and runs the response's ``background`` task at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping

from starlette.background import BackgroundTask
from starlette.responses import Response

from . import asgi
from ._encoder import KEEP_ALIVE
from .asgi import (
    DEFAULT_KEEP_ALIVE,
    DEFAULT_SEND_TIMEOUT,
    DEFAULT_SHUTDOWN_TIMEOUT,
    EndReason,
    Item,
    Receive,
    Scope,
    Send,
    last_event_id,
)

__all__ = ["EventStreamResponse", "last_event_id"]


class EventStreamResponse(Response):
    """A Starlette/FastAPI response that streams a source as ``text/event-stream``.

    Takes the arguments of :class:`sse_codec.asgi.EventStreamResponse` (read its
    docstring for each one and for what it raises), plus Starlette's
    ``background`` task, run after the stream ends however it ended.  ``ended``
    says how the stream ended once the response has run.  In FastAPI, pass
    ``response_class=EventStreamResponse`` to the route so the OpenAPI schema
    names ``text/event-stream``.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        source: AsyncIterable[Item] | Iterable[Item],
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        keep_alive: float | None = DEFAULT_KEEP_ALIVE,
        keep_alive_comment: bytes = KEEP_ALIVE,
        send_timeout: float | None = DEFAULT_SEND_TIMEOUT,
        on_disconnect: Callable[[EndReason], Awaitable[None] | None] | None = None,
        shutdown_message: Item | None = None,
        shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT,
        background: BackgroundTask | None = None,
    ) -> None:
        # Response.__init__ is not called: it renders a whole body, and this
        # response has none; the attributes Starlette reads are set here.
        self._stream = asgi.EventStreamResponse(
            source,
            status_code=status_code,
            headers=headers,
            keep_alive=keep_alive,
            keep_alive_comment=keep_alive_comment,
            send_timeout=send_timeout,
            on_disconnect=on_disconnect,
            shutdown_message=shutdown_message,
            shutdown_timeout=shutdown_timeout,
        )
        self.status_code = status_code
        self.background = background
        self.raw_headers: list[tuple[bytes, bytes]] = list(self._stream.raw_headers)

    @property
    def ended(self) -> EndReason | None:
        """How the stream ended (``None`` before it has run)."""
        return self._stream.ended

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the stream (see :meth:`sse_codec.asgi.EventStreamResponse.__call__`).

        Headers a middleware added to ``raw_headers`` before the call are sent too.
        Raises what the source raises and :class:`~sse_codec.SSEEncodeError` for an
        item the encoder refuses; the ``background`` task runs in every case but
        those.
        """
        self._stream.raw_headers = tuple(self.raw_headers)
        await self._stream(scope, receive, send)
        if self.background is not None:
            await self.background()
