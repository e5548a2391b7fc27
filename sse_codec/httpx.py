"""Server-sent events over httpx: a drop-in for httpx-sse, with response checks and reconnection.

``connect_sse(client, method, url, **kwargs)`` and ``aconnect_sse(...)`` have
httpx-sse's signatures: they send the request with ``Accept: text/event-stream``
and ``Cache-Control: no-store`` and give an :class:`EventSource` whose
``iter_sse()`` / ``aiter_sse()`` yield :class:`~sse_codec.ServerSentEvent`.  Switch
from httpx-sse by changing the import.  Beyond httpx-sse, ``iter_sse`` checks the
status too and raises :class:`~sse_codec.SSEResponseError` with the server's
reason, and ``reconnect=True`` (or a :class:`ReconnectPolicy`) reconnects the way
a browser's EventSource does.

Needs httpx (``pip install 'sse-codec[httpx]'``); ``import sse_codec`` does not
import this module.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

try:
    import httpx
except ImportError as _exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "sse_codec.httpx needs httpx: pip install 'sse-codec[httpx]'"
    ) from _exc

from ._errors import SSEError
from ._event import ServerSentEvent
from ._reconnect import TRANSIENT_STATUSES, Reconnector, ReconnectPolicy, policy_of
from ._response import aread_start, read_start, response_error
from ._streams import iter_events

__all__ = [
    "TRANSIENT_STATUSES",
    "EventSource",
    "ReconnectPolicy",
    "SSEError",
    "ServerSentEvent",
    "aconnect_sse",
    "connect_sse",
]

# Exceptions that mean "the connection failed or broke": reconnect.  (httpx's
# timeouts, connect, read and protocol errors are all TransportErrors.)
_NETWORK_ERRORS = (httpx.TransportError,)
# ...except this one: httpx refused to send our request (a Last-Event-ID with a
# control character); sending it again cannot help.
_REFUSED = httpx.LocalProtocolError


class EventSource:
    """The event stream of a response opened by :func:`connect_sse` / :func:`aconnect_sse`.

    ``response`` is the current ``httpx.Response`` (a new one after each
    reconnection).  ``last_event_id`` and ``retry`` (milliseconds, ``None`` until
    the server sends one) show the stream's state; send ``last_event_id`` as
    ``Last-Event-ID`` to resume by hand.  :meth:`close` stops a reconnecting
    stream, also from another thread.
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        _reconnector: Reconnector | None = None,
        _reopen: Callable[[], httpx.Response] | None = None,
        _areopen: Callable[[], Awaitable[httpx.Response]] | None = None,
    ) -> None:
        self._response = response
        self._rec = Reconnector() if _reconnector is None else _reconnector
        # Reconnecting when the opener of the next connection is given.
        self._reconnecting = _reopen is not None or _areopen is not None
        self._reopen = _reopen
        self._areopen = _areopen
        self._stop = threading.Event()

    @property
    def response(self) -> httpx.Response:
        """The current HTTP response."""
        return self._response

    @property
    def last_event_id(self) -> str:
        """The stream's last event ID (``""`` when none was set)."""
        return self._rec.last_event_id

    @property
    def retry(self) -> int | None:
        """The reconnection time the server last set, in milliseconds, or ``None``."""
        return self._rec.server_retry

    def close(self) -> None:
        """Stop reconnecting: the iteration ends at the current connection's end."""
        self._rec.close()
        self._stop.set()

    def iter_sse(self) -> Iterator[ServerSentEvent]:
        """Yield the events of the stream, across reconnections when asked for.

        A 204 response ends the iteration without error (the spec's way for a
        server to say "do not reconnect").  Raises
        :class:`~sse_codec.SSEResponseError` when the status is not 200 or the
        ``Content-Type`` is not ``text/event-stream``; without reconnection,
        httpx's transport errors as httpx raises them; with it,
        :class:`~sse_codec.SSEConnectionError` when the policy gives up; and what
        :meth:`SSEDecoder.feed <sse_codec.SSEDecoder.feed>` raises.
        """
        rec = self._rec
        while True:
            response = self._response
            error: BaseException | None = None
            verdict = rec.response(response.status_code, response.headers.multi_items())
            if verdict == "done":
                return
            if verdict != "stream":
                error = _refusal(response)
                if verdict == "fail":
                    raise error
            else:
                decoder = rec.decoder()
                try:
                    yield from iter_events(response.iter_bytes(), decoder=decoder)
                except _NETWORK_ERRORS as exc:
                    if not self._reconnecting:
                        raise
                    error = exc
            if not self._reconnecting:
                return
            response.close()
            next_response = self._reconnect(rec.connection_lost(error))
            if next_response is None:
                return
            self._response = next_response

    def _reconnect(self, delay: float | None) -> httpx.Response | None:
        # Wait, then open the next connection; a connection that fails before its
        # response counts as a failed attempt and is retried after its own wait.
        while delay is not None:
            if self._stop.wait(delay):
                return None
            try:
                assert self._reopen is not None
                return self._reopen()
            except _NETWORK_ERRORS as exc:
                delay = self._rec.connection_lost(exc)
        return None

    async def aiter_sse(self) -> AsyncIterator[ServerSentEvent]:
        """Async twin of :meth:`iter_sse`, for :func:`aconnect_sse`."""
        rec = self._rec
        while True:
            response = self._response
            error: BaseException | None = None
            verdict = rec.response(response.status_code, response.headers.multi_items())
            if verdict == "done":
                return
            if verdict != "stream":
                error = await _arefusal(response)
                if verdict == "fail":
                    raise error
            else:
                decoder = rec.decoder()
                try:
                    async for chunk in response.aiter_bytes():
                        for event in decoder.feed(chunk):
                            yield event
                    for event in decoder.close():
                        yield event
                except _NETWORK_ERRORS as exc:
                    if not self._reconnecting:
                        raise
                    error = exc
            if not self._reconnecting:
                return
            await response.aclose()
            delay = rec.connection_lost(error)
            next_response: httpx.Response | None = None
            while delay is not None and not self._stop.is_set():
                await _asleep(delay)
                if self._stop.is_set():
                    break
                try:
                    assert self._areopen is not None
                    next_response = await self._areopen()
                    break
                except _NETWORK_ERRORS as exc:
                    delay = rec.connection_lost(exc)
            if next_response is None:
                return
            self._response = next_response


def _headers(kwargs: dict[str, Any], rec: Reconnector) -> httpx.Headers:
    # The caller's headers, then ours (as httpx-sse does, ours win); the caller's
    # dict is not modified.  Last-Event-ID goes as UTF-8 bytes, as the spec says.
    headers = httpx.Headers(kwargs.get("headers"))
    for name, value in rec.request_headers().items():
        headers[name] = value
    return headers


_SEND_ARGS = ("auth", "follow_redirects")


def _request_args(
    kwargs: dict[str, Any], rec: Reconnector
) -> tuple[dict[str, Any], dict[str, Any]]:
    # client.stream()'s keyword arguments, split between build_request() and send().
    build: dict[str, Any] = {**kwargs, "headers": _headers(kwargs, rec)}
    send: dict[str, Any] = {name: build.pop(name) for name in _SEND_ARGS if name in build}
    return build, send


@contextmanager
def connect_sse(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    reconnect: bool | ReconnectPolicy = False,
    last_event_id: str = "",
    **kwargs: Any,
) -> Iterator[EventSource]:
    """Open an event stream with ``client.stream(method, url, **kwargs)``.

    Sends ``Accept: text/event-stream`` and ``Cache-Control: no-store`` (and
    ``Last-Event-ID`` when ``last_event_id`` is not empty) with the caller's
    headers.  ``reconnect=True`` or a :class:`ReconnectPolicy` makes
    :meth:`EventSource.iter_sse` reconnect; the first connection is then retried
    too.  Raises what ``client.stream`` raises (and, reconnecting,
    :class:`~sse_codec.SSEConnectionError` when the policy gives up).
    """
    policy = policy_of(reconnect)
    rec = Reconnector(policy, last_event_id=last_event_id)
    current: list[httpx.Response] = []

    def open_response() -> httpx.Response:
        build, send = _request_args(kwargs, rec)
        try:
            response = client.send(client.build_request(method, url, **build), stream=True, **send)
        except _REFUSED as exc:
            raise rec.unsendable(exc) from exc
        current[:] = [response]  # the previous one was closed before this call
        return response

    if policy is None:
        kwargs = {**kwargs, "headers": _headers(kwargs, rec)}
        with client.stream(method, url, **kwargs) as response:
            yield EventSource(response, _reconnector=rec)
        return
    try:
        while True:
            try:
                first = open_response()
                break
            except _NETWORK_ERRORS as exc:
                delay = rec.connection_lost(exc)
                if delay is None:  # pragma: no cover - nobody can close it yet
                    raise
                threading.Event().wait(delay)
        source = EventSource(first, _reconnector=rec, _reopen=open_response)
        yield source
    finally:
        rec.close()
        for response in current:
            response.close()


@asynccontextmanager
async def aconnect_sse(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    reconnect: bool | ReconnectPolicy = False,
    last_event_id: str = "",
    **kwargs: Any,
) -> AsyncIterator[EventSource]:
    """Async twin of :func:`connect_sse`, for an ``httpx.AsyncClient``."""
    policy = policy_of(reconnect)
    rec = Reconnector(policy, last_event_id=last_event_id)
    current: list[httpx.Response] = []

    async def open_response() -> httpx.Response:
        build, send = _request_args(kwargs, rec)
        request = client.build_request(method, url, **build)
        try:
            response = await client.send(request, stream=True, **send)
        except _REFUSED as exc:
            raise rec.unsendable(exc) from exc
        current[:] = [response]  # the previous one was closed before this call
        return response

    if policy is None:
        kwargs = {**kwargs, "headers": _headers(kwargs, rec)}
        async with client.stream(method, url, **kwargs) as response:
            yield EventSource(response, _reconnector=rec)
        return
    try:
        while True:
            try:
                first = await open_response()
                break
            except _NETWORK_ERRORS as exc:
                delay = rec.connection_lost(exc)
                if delay is None:  # pragma: no cover - nobody can close it yet
                    raise
                await _asleep(delay)
        source = EventSource(first, _reconnector=rec, _areopen=open_response)
        yield source
    finally:
        rec.close()
        for response in current:
            await response.aclose()


def _refusal(response: httpx.Response) -> SSEError:
    body, cut = read_start(response.iter_bytes(), _NETWORK_ERRORS)
    return response_error(
        response.status_code, response.headers.multi_items(), body, body_truncated=cut
    )


async def _arefusal(response: httpx.Response) -> SSEError:
    body, cut = await aread_start(response.aiter_bytes(), _NETWORK_ERRORS)
    return response_error(
        response.status_code, response.headers.multi_items(), body, body_truncated=cut
    )


async def _asleep(seconds: float) -> None:
    # httpx runs on asyncio or trio through anyio (an httpx dependency).
    import anyio

    await anyio.sleep(seconds)
