"""An event-stream response for any ASGI server, with no framework import.

:class:`EventStreamResponse` is an ASGI app: give it the events a server has (an
async or sync iterable of :class:`~sse_codec.ServerSentEvent`, already-encoded
``bytes``, ``str`` data or ``dict`` fields) and it writes them with sse-codec's
encoder, sends a keep-alive comment when the stream has been quiet for a while,
stops when the client goes away or stops reading, and ends cleanly when the server
shuts down.  ``sse_codec.starlette`` wraps it as a Starlette/FastAPI ``Response``.

It runs on asyncio (uvicorn, hypercorn's asyncio worker, daphne...), not on trio.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from typing import Any, Literal, Protocol, TypeAlias

from . import _ready
from ._encoder import KEEP_ALIVE, encode, encode_comment
from ._errors import SSEError
from ._event import Comment, ServerSentEvent
from ._impl import SSEDecoder

__all__ = [
    "DEFAULT_HEADERS",
    "DEFAULT_KEEP_ALIVE",
    "DEFAULT_SEND_TIMEOUT",
    "DEFAULT_SHUTDOWN_TIMEOUT",
    "EndReason",
    "EventStreamResponse",
    "Item",
    "Receive",
    "Scope",
    "Send",
    "encode_item",
    "last_event_id",
]

Scope: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send: TypeAlias = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: What a source may yield: an event, a comment, bytes already in the wire format
#: (written as they are), ``str`` (one event's data) or a ``dict`` of
#: :func:`~sse_codec.encode`'s keyword arguments.
Item: TypeAlias = (
    ServerSentEvent | Comment | bytes | bytearray | memoryview | str | Mapping[str, Any]
)

#: How a stream ended: the source was exhausted, the client went away, the client
#: stopped reading for ``send_timeout`` seconds, or the server shut it down.
EndReason: TypeAlias = Literal["complete", "disconnect", "send_timeout", "shutdown"]

#: Seconds of silence before a keep-alive comment (the spec's authoring notes
#: suggest one about every 15 seconds, so proxies do not close the connection).
DEFAULT_KEEP_ALIVE = 15.0
#: Seconds one send may wait for a client that does not read before the stream ends.
DEFAULT_SEND_TIMEOUT = 30.0
#: Seconds the closing writes (``shutdown_message`` and the end of the body) may
#: take once the server has asked the stream to stop.
DEFAULT_SHUTDOWN_TIMEOUT = 1.0

#: The response headers sent unless overridden (``Connection: keep-alive`` is
#: added on HTTP/1.1 only: HTTP/2 and HTTP/3 forbid connection headers).
DEFAULT_HEADERS: Mapping[str, str] = {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    # nginx buffers proxied responses unless told not to; events would arrive late.
    "x-accel-buffering": "no",
}
_CONNECTION_HEADER = (b"connection", b"keep-alive")

# At most this many ready items are written in one send (bounds a write's size
# and how long the loop runs without a break).
_BATCH = 32

_FIELDS = frozenset(("data", "event", "id", "retry", "comment"))


def _asks_to_close(scope: Scope) -> bool:
    # A request with "Connection: close" gets that from the server; a keep-alive
    # header beside it would contradict it.
    for name, value in scope.get("headers", ()):
        if bytes(name).lower() == b"connection" and b"close" in bytes(value).lower():
            return True
    return False


class _HasScope(Protocol):
    @property
    def scope(self) -> Scope: ...


def last_event_id(request: Scope | _HasScope) -> str | None:
    """Return the request's ``Last-Event-ID`` header, or ``None`` when it has none.

    ``request`` is an ASGI scope or anything with a ``scope`` (a Starlette or
    FastAPI ``Request``).  A browser's ``EventSource`` sends this header when it
    reconnects, with the last event ID it saw, so the endpoint can resume after
    it.  The value is decoded as UTF-8 (what ``EventSource`` sends; bytes that are
    not UTF-8 become U+FFFD, never an exception); an empty header gives ``None``.
    The value is the client's: validate it before use.  Raises nothing.
    """
    scope = request if isinstance(request, Mapping) else request.scope
    for name, value in scope.get("headers", ()):
        if bytes(name).lower() == b"last-event-id":
            text = bytes(value).decode("utf-8", "replace")
            return text or None
    return None


def encode_item(item: Item) -> bytes:
    """Return the wire bytes the response writes for one item of a source.

    A :class:`~sse_codec.ServerSentEvent` is written by its ``encode()``; a
    :class:`~sse_codec.Comment` as a comment line; ``bytes`` (and ``bytearray``,
    ``memoryview``) as they are, for sources that already produce the wire format
    (``aencode_text_stream``, the Anthropic and Responses encoders, ``KEEP_ALIVE``);
    a ``str`` as one event whose data it is; a mapping as
    ``encode(**item)``, so ``{"data": "x", "event": "update", "id": "7"}``.

    Raises :class:`~sse_codec.SSEEncodeError` for a field the encoder refuses (CR
    or LF in ``event`` or ``id``, NUL in ``id``, a bad ``retry``...), for a
    mapping key that is not one of ``data``, ``event``, ``id``, ``retry``,
    ``comment``, and for any other type of item.
    """
    kind = type(item)
    if kind is bytes:
        return item  # type: ignore[return-value]
    if kind is ServerSentEvent:
        return item.encode()  # type: ignore[union-attr]
    if kind is str:
        return encode(item)  # type: ignore[arg-type]
    return _encode_other(item)


def _encode_other(item: object) -> bytes:
    # The subclasses and the rarer kinds, off encode_item's fast path.
    from ._errors import SSEEncodeError

    if isinstance(item, bytes | bytearray | memoryview):
        return bytes(item)
    if isinstance(item, ServerSentEvent):
        return item.encode()
    if isinstance(item, Comment):
        return encode_comment(item.text)
    if isinstance(item, str):
        return encode(item)
    if isinstance(item, Mapping):
        unknown = [key for key in item if key not in _FIELDS]
        if unknown:
            raise SSEEncodeError(
                str(unknown[0]), "is not an event field (data, event, id, retry, comment)"
            )
        return encode(**item)
    raise SSEEncodeError(
        "item",
        "must be a ServerSentEvent, Comment, bytes, str or dict of event fields, "
        f"not {type(item).__name__}",
    )


def _check_keep_alive_comment(value: bytes) -> bytes:
    # A keep-alive must be comments only: bytes that dispatched an event, set a
    # field or left a line open would change what the client reads.
    from ._errors import SSEEncodeError

    if not isinstance(value, bytes):
        raise SSEEncodeError("keep_alive_comment", f"must be bytes, not {type(value).__name__}")
    decoder = SSEDecoder()
    try:
        items = decoder.feed_items(value)
    except SSEError as exc:
        raise SSEEncodeError("keep_alive_comment", f"is not a comment: {exc}") from exc
    if (
        not value.startswith(b":")
        or not value.endswith((b"\n", b"\r"))
        or any(not isinstance(item, Comment) for item in items)
        or any(not line.startswith(b":") for line in value.splitlines() if line)
    ):
        raise SSEEncodeError(
            "keep_alive_comment", "must be comment lines only (encode_comment or KEEP_ALIVE)"
        )
    return value


def _build_headers(
    headers: Mapping[str, str] | None,
) -> tuple[tuple[tuple[bytes, bytes], ...], bool]:
    if not headers and _DEFAULT_RAW_HEADERS:
        # Shared: most responses use the defaults, and an idle stream holds its own.
        return _DEFAULT_RAW_HEADERS, True
    merged = dict(DEFAULT_HEADERS)
    for name, value in (headers or {}).items():
        merged[name.lower()] = value
    raw: list[tuple[bytes, bytes]] = []
    for name, value in merged.items():
        if any(c in name + value for c in "\r\n\x00"):
            raise ValueError(f"header {name!r} contains CR, LF or NUL")
        raw.append((name.encode("latin-1"), value.encode("latin-1")))
    # The app's own Connection header wins; otherwise one is added per request.
    return tuple(raw), "connection" not in merged


_DEFAULT_RAW_HEADERS: tuple[tuple[bytes, bytes], ...] = ()
_DEFAULT_RAW_HEADERS = _build_headers(None)[0]


class EventStreamResponse:
    """An ASGI app that streams a source of events as ``text/event-stream``.

    ``source`` is an async or sync iterable of items (see :func:`encode_item`):
    ``ServerSentEvent``, ``Comment``, wire-format ``bytes``, ``str`` data or a
    ``dict`` of event fields.  Every value goes through the encoder, so a field a
    client controls can never start another field or event; ``bytes`` are taken
    as already encoded.  Items the source has ready together (it yields them
    without waiting in between) are written in one send, at most 32; no item is
    held back for the next.  A sync iterable is advanced in a worker thread (as
    Starlette does), so a blocking generator does not stall the server.

    - ``keep_alive``: seconds of silence after which ``keep_alive_comment``
      (``KEEP_ALIVE`` by default; comment lines only) is sent; ``None`` turns it
      off.  It is sent only between items, never delays one, and the silence is
      counted from the last thing sent.
    - ``send_timeout``: seconds one write may wait for a client that stopped
      reading; then the stream ends as ``"send_timeout"`` (``None``: no limit).
    - Disconnects: when the client goes away (or the send timeout ends the
      stream), the source is interrupted and closed: a coroutine it awaits gets
      ``asyncio.CancelledError`` (or its ``yield`` gets ``GeneratorExit``), so its
      ``finally`` runs, then ``aclose()``/``close()`` is called, then
      ``on_disconnect`` (a function or coroutine function taking the
      :data:`EndReason`), if given.
    - Shutdown: when the server cancels the request's task (uvicorn's
      ``--timeout-graceful-shutdown``, hypercorn's ``graceful_timeout``), the
      source is closed, ``shutdown_message`` (an item, e.g. an event telling the
      client to come back later), if any, is sent, then the end of the body,
      within ``shutdown_timeout`` seconds; the request ends without a traceback.
    - ``headers`` are added to :data:`DEFAULT_HEADERS` (names are
      case-insensitive; a value given replaces the default), and
      ``Connection: keep-alive`` is sent on HTTP/1.1 unless ``headers`` sets
      ``Connection`` or the request asked for ``Connection: close``.  A ``HEAD``
      request gets the headers and an empty body.

    After the call, ``ended`` says how the stream ended (:data:`EndReason`).  An
    exception from the source, or an :class:`~sse_codec.SSEEncodeError` for an
    item the encoder refuses, propagates to the server, which aborts the
    response, so a client never takes a broken stream for a complete one.

    The constructor raises :class:`~sse_codec.SSEEncodeError` for a
    ``keep_alive_comment`` that is not comment lines or a ``shutdown_message`` the
    encoder refuses, ``ValueError`` for a header with CR, LF or NUL or a
    non-positive ``keep_alive``/``send_timeout``, and ``TypeError`` for a source
    that is not iterable.
    """

    __slots__ = (
        "_needs_connection_header",
        "_on_disconnect",
        "_shutdown_bytes",
        "_source",
        "ended",
        "keep_alive",
        "keep_alive_comment",
        "raw_headers",
        "send_timeout",
        "shutdown_timeout",
        "status_code",
    )

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
    ) -> None:
        if not isinstance(source, AsyncIterable | Iterable):
            raise TypeError(f"source must be an iterable or async iterable, not {type(source)}")
        for name, value in (("keep_alive", keep_alive), ("send_timeout", send_timeout)):
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be a positive number of seconds or None")
        self._source = source
        self.status_code: int = status_code
        raw_headers, self._needs_connection_header = _build_headers(headers)
        #: The headers sent, before ``Connection`` (which depends on the request).
        self.raw_headers: tuple[tuple[bytes, bytes], ...] = raw_headers
        self.keep_alive: float | None = keep_alive
        self.keep_alive_comment: bytes = _check_keep_alive_comment(keep_alive_comment)
        self.send_timeout: float | None = send_timeout
        self._on_disconnect = on_disconnect
        self._shutdown_bytes = None if shutdown_message is None else encode_item(shutdown_message)
        self.shutdown_timeout: float = shutdown_timeout
        self.ended: EndReason | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the stream on one HTTP request (the ASGI app interface).

        Returns when the source is exhausted, the client went away or stopped
        reading, or the server cancelled the request; ``ended`` says which.
        Raises what the source raises, :class:`~sse_codec.SSEEncodeError` for an
        item the encoder refuses, and ``ValueError`` for a scope that is not HTTP.
        """
        if scope.get("type") != "http":
            raise ValueError(f"EventStreamResponse serves HTTP requests, not {scope.get('type')!r}")
        headers: Sequence[tuple[bytes, bytes]] = self.raw_headers
        if (
            self._needs_connection_header
            and scope.get("http_version") == "1.1"
            and not _asks_to_close(scope)
        ):
            headers = [*headers, _CONNECTION_HEADER]
        await send({"type": "http.response.start", "status": self.status_code, "headers": headers})
        if scope.get("method") == "HEAD":
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            self.ended = "complete"
            return
        stream = _Stream(self, receive, send)
        await stream.run()


_DONE = object()


async def _iterate_in_thread(iterable: Iterable[Item]) -> AsyncIterator[Item]:
    # One worker-thread call per item, as Starlette's iterate_in_threadpool.
    iterator: Iterator[Item] = iter(iterable)
    loop = asyncio.get_running_loop()
    pending: asyncio.Future[object] | None = None
    try:
        while True:
            pending = loop.run_in_executor(None, next, iterator, _DONE)
            # Shielded: cancelling the wait must not mark the call done while the
            # thread still runs it (see the finally below).
            item = await asyncio.shield(pending)
            pending = None
            if item is _DONE:
                return
            yield item  # type: ignore[misc]
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            if pending is not None and not pending.done():
                # Interrupted while next() runs in its thread: a generator cannot be
                # closed while it executes, so close it when that call returns.
                pending.add_done_callback(lambda _: close())
            else:
                close()


class _Stream:
    """One request's stream: the pump (this task) and its watcher task."""

    __slots__ = (
        "_closing",
        "_keep_alive_sending",
        "_last_sent",
        "_pump_task",
        "_receive",
        "_response",
        "_send",
        "_sending_since",
        "_source",
    )

    def __init__(self, response: EventStreamResponse, receive: Receive, send: Send) -> None:
        self._response = response
        self._receive = receive
        self._send = send
        source = response._source
        self._source: AsyncIterator[Item] = (
            aiter(source) if isinstance(source, AsyncIterable) else _iterate_in_thread(source)
        )
        # Loop times: when the last write ended, and when the write in progress
        # began (None between writes).  The watcher reads them to decide when a
        # keep-alive is due and whether a write is stuck.
        self._last_sent = 0.0
        self._sending_since: float | None = None
        # Set while the watcher writes a keep-alive; the pump waits for it.
        self._keep_alive_sending: asyncio.Future[None] | None = None
        self._closing: EndReason | None = None
        self._pump_task: asyncio.Task[Any] | None = None

    async def run(self) -> None:
        response = self._response
        loop = asyncio.get_running_loop()
        self._pump_task = asyncio.current_task()
        self._last_sent = loop.time()
        watcher = loop.create_task(self._watch(loop))
        ended: EndReason = "complete"
        try:
            try:
                await self._pump(loop)
            except asyncio.CancelledError:
                ended = self._closing or "shutdown"
                task = self._pump_task
                if task is not None:
                    task.uncancel()
                if ended == "shutdown":
                    # Someone else (the server) cancelled the request.
                    self._closing = "shutdown"
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await self._close_source()
        response.ended = ended
        if ended == "shutdown":
            await self._finish_on_shutdown()
        elif ended != "complete" and response._on_disconnect is not None:
            result = response._on_disconnect(ended)
            if inspect.isawaitable(result):
                await result

    async def _pump(self, loop: asyncio.AbstractEventLoop) -> None:
        source = self._source
        batch: list[bytes] = []
        unsuspended = 0
        while True:
            if self._closing is not None:
                # The watcher cancelled us, but the source swallowed the cancel.
                raise asyncio.CancelledError
            # Take what the source has ready without waiting (up to _BATCH items):
            # those are written together, which saves a server send per event and
            # delays none of them.  Then wait for the next one, if it was not ready.
            waiting: Any = None
            yielded: Any = None
            ended = False
            try:
                while len(batch) < _BATCH:
                    item, waiting, yielded = _ready.step(source)
                    if item is _ready.NOT_READY:
                        break
                    batch.append(encode_item(item))
            except StopAsyncIteration:
                ended = True
            except BaseException:
                await self._write(loop, batch)  # what was ready is not lost
                raise
            if batch:
                try:
                    await self._write(loop, batch)
                except BaseException:
                    # Cancelled (disconnect, timeout, shutdown) or failed while the
                    # source's next step waits: stop that step, so it can be closed.
                    if waiting is not None:
                        _ready.abandon(waiting, yielded)
                    raise
                batch.clear()
                unsuspended += 1
                if waiting is None and unsuspended >= 64:
                    # The source never waited and uvicorn's send returns at once
                    # while the socket takes the bytes: let the loop run now and
                    # then, or a disconnect would go unseen.
                    unsuspended = 0
                    await asyncio.sleep(0)
            if ended:
                break
            if waiting is not None:
                unsuspended = 0
                try:
                    item = await _ready.finish(waiting, yielded)
                except StopAsyncIteration:
                    break
                batch.append(encode_item(item))
        # The end of the body, after any keep-alive being written (a server may
        # hold that write until the socket drains, then write it after this one).
        if self._keep_alive_sending is not None:
            await self._keep_alive_sending
        self._sending_since = loop.time()
        await self._send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _write(self, loop: asyncio.AbstractEventLoop, batch: list[bytes]) -> None:
        if not batch:
            return
        body = batch[0] if len(batch) == 1 else b"".join(batch)
        if self._keep_alive_sending is not None:
            await self._keep_alive_sending
        if self._closing is not None:
            # The watcher cancelled us, but the source swallowed the cancel.
            raise asyncio.CancelledError
        self._sending_since = loop.time()
        try:
            # A fresh dict each time: a server may keep the message it was given.
            await self._send({"type": "http.response.body", "body": body, "more_body": True})
        except OSError:
            # Servers that raise when the client has gone (ASGI spec 2.4).
            self._stop("disconnect")
            raise asyncio.CancelledError from None
        self._last_sent = loop.time()
        self._sending_since = None

    async def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        # Waits for http.disconnect, and wakes when a keep-alive is due or a write
        # may be stuck.  Cancelling a pending receive() is safe in ASGI servers.
        response = self._response
        keep_alive = response.keep_alive
        send_timeout = response.send_timeout
        receive = self._receive
        while True:
            now = loop.time()
            wake: float | None = None
            since = self._sending_since
            if since is not None:
                if send_timeout is not None:
                    if now - since >= send_timeout:
                        self._stop("send_timeout")
                        return
                    wake = since + send_timeout
            else:
                if keep_alive is not None:
                    due = self._last_sent + keep_alive
                    if now >= due:
                        if not await self._send_keep_alive(loop):
                            return
                        continue
                    wake = due
                if send_timeout is not None:
                    # A write may begin at any moment: look again within the timeout.
                    wake = now + send_timeout if wake is None else min(wake, now + send_timeout)
            try:
                async with asyncio.timeout_at(wake):
                    message = await receive()
            except TimeoutError:
                continue
            if message.get("type") == "http.disconnect":
                self._stop("disconnect")
                return

    async def _send_keep_alive(self, loop: asyncio.AbstractEventLoop) -> bool:
        done: asyncio.Future[None] = loop.create_future()
        self._keep_alive_sending = done
        message = {
            "type": "http.response.body",
            "body": self._response.keep_alive_comment,
            "more_body": True,
        }
        try:
            async with asyncio.timeout(self._response.send_timeout):
                await self._send(message)
        except TimeoutError:
            self._stop("send_timeout")
            return False
        finally:
            self._keep_alive_sending = None
            if not done.done():  # a cancel of the pump waiting on it cancels it
                done.set_result(None)
        self._last_sent = loop.time()
        return True

    def _stop(self, reason: EndReason) -> None:
        if self._closing is None:
            self._closing = reason
            if self._pump_task is not None:
                self._pump_task.cancel()

    async def _close_source(self) -> None:
        aclose = getattr(self._source, "aclose", None)
        if aclose is not None:
            await aclose()

    async def _finish_on_shutdown(self) -> None:
        # The server asked the request to stop: say goodbye and end the body, so
        # the client sees a clean end, within a bounded time.
        response = self._response
        try:
            async with asyncio.timeout(response.shutdown_timeout):
                if response._shutdown_bytes is not None:
                    await self._send(
                        {
                            "type": "http.response.body",
                            "body": response._shutdown_bytes,
                            "more_body": True,
                        }
                    )
                await self._send({"type": "http.response.body", "body": b"", "more_body": False})
        except (TimeoutError, OSError):
            pass  # the client is gone or stuck; the server closes the connection
