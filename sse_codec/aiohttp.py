"""Server-sent events over aiohttp: ``aconnect_sse(session, method, url, **kwargs)``.

The same shape as :mod:`sse_codec.httpx`'s ``aconnect_sse``, for an
``aiohttp.ClientSession``: the request goes out with ``Accept: text/event-stream``
and ``Cache-Control: no-store``; the :class:`EventSource` it gives has
``response`` and ``aiter_sse()``; the status and ``Content-Type`` are checked
(:class:`~sse_codec.SSEResponseError` with the server's reason); and
``reconnect=True`` (or a :class:`ReconnectPolicy`) reconnects the way a
browser's EventSource does.

Needs aiohttp (``pip install 'sse-codec[aiohttp]'``); ``import sse_codec`` does
not import this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

try:
    import aiohttp
except ImportError as _exc:  # pragma: no cover - depends on the environment
    raise ImportError("sse_codec.aiohttp needs aiohttp: pip install 'sse-codec[aiohttp]'") from _exc

from ._errors import SSEError
from ._event import ServerSentEvent
from ._reconnect import TRANSIENT_STATUSES, Reconnector, ReconnectPolicy, policy_of
from ._response import aread_start, response_error

__all__ = [
    "TRANSIENT_STATUSES",
    "EventSource",
    "ReconnectPolicy",
    "SSEError",
    "ServerSentEvent",
    "aconnect_sse",
]

# "The connection failed or broke": aiohttp's client errors (connect, payload,
# disconnect) and its timeouts.  ClientResponseError comes only from
# raise_for_status(), which is never called here.
_NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError)


class EventSource:
    """The event stream of a response opened by :func:`aconnect_sse`.

    ``response`` is the current ``aiohttp.ClientResponse`` (a new one after each
    reconnection); ``last_event_id`` and ``retry`` (milliseconds, ``None`` until
    the server sends one) show the stream's state.  :meth:`close` stops a
    reconnecting stream at the end of its current connection.
    """

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        *,
        _reconnector: Reconnector | None = None,
        _reopen: Callable[[], Awaitable[aiohttp.ClientResponse]] | None = None,
    ) -> None:
        self._response = response
        self._rec = Reconnector() if _reconnector is None else _reconnector
        # Reconnecting when the opener of the next connection is given.
        self._reconnecting = _reopen is not None
        self._reopen = _reopen

    @property
    def response(self) -> aiohttp.ClientResponse:
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

    async def aiter_sse(self) -> AsyncIterator[ServerSentEvent]:
        """Yield the events of the stream, across reconnections when asked for.

        A 204 response ends the iteration without error.  Raises
        :class:`~sse_codec.SSEResponseError` when the status is not 200 or the
        ``Content-Type`` is not ``text/event-stream``; without reconnection,
        aiohttp's own errors as aiohttp raises them; with it,
        :class:`~sse_codec.SSEConnectionError` when the policy gives up; and what
        :meth:`SSEDecoder.feed <sse_codec.SSEDecoder.feed>` raises.
        """
        rec = self._rec
        while True:
            response = self._response
            error: BaseException | None = None
            verdict = rec.response(response.status, response.headers.items())
            if verdict == "done":
                return
            if verdict != "stream":
                error = await _refusal(response)
                if verdict == "fail":
                    raise error
            else:
                decoder = rec.decoder()
                try:
                    async for chunk in response.content.iter_any():
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
            response.close()
            delay = rec.connection_lost(error)
            next_response: aiohttp.ClientResponse | None = None
            while delay is not None:
                await asyncio.sleep(delay)
                if rec.closed:
                    break
                try:
                    assert self._reopen is not None
                    next_response = await self._reopen()
                    break
                except _NETWORK_ERRORS as exc:
                    delay = rec.connection_lost(exc)
            if next_response is None:
                return
            self._response = next_response


@asynccontextmanager
async def aconnect_sse(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    reconnect: bool | ReconnectPolicy = False,
    last_event_id: str = "",
    **kwargs: Any,
) -> AsyncIterator[EventSource]:
    """Open an event stream with ``session.request(method, url, **kwargs)``.

    Sends ``Accept: text/event-stream`` and ``Cache-Control: no-store`` (and
    ``Last-Event-ID`` when ``last_event_id`` is not empty) with the caller's
    headers.  ``reconnect=True`` or a :class:`ReconnectPolicy` makes
    :meth:`EventSource.aiter_sse` reconnect; the first connection is then retried
    too.  Raises what ``session.request`` raises (and, reconnecting,
    :class:`~sse_codec.SSEConnectionError` when the policy gives up).
    """
    policy = policy_of(reconnect)
    rec = Reconnector(policy, last_event_id=last_event_id)
    current: list[aiohttp.ClientResponse] = []

    async def open_response() -> aiohttp.ClientResponse:
        headers = dict(kwargs.get("headers") or {})
        # Ours replace the caller's, whatever their case.
        wanted = rec.request_headers()
        lowered = {name.lower() for name in wanted}
        headers = {k: v for k, v in headers.items() if k.lower() not in lowered}
        headers.update(wanted)
        try:
            response = await session.request(method, url, **{**kwargs, "headers": headers})
        except ValueError as exc:
            # aiohttp refuses control characters in header values; the server
            # chose the Last-Event-ID that has one, and retrying cannot help.
            if "Last-Event-ID" not in wanted:
                raise
            raise rec.unsendable(exc) from exc
        current[:] = [response]  # the previous one was closed before this call
        return response

    try:
        while True:
            try:
                first = await open_response()
                break
            except _NETWORK_ERRORS as exc:
                if policy is None:
                    raise
                delay = rec.connection_lost(exc)
                if delay is None:  # pragma: no cover - nobody can close it yet
                    raise
                await asyncio.sleep(delay)
        if policy is None:
            source = EventSource(first, _reconnector=rec)
        else:
            source = EventSource(first, _reconnector=rec, _reopen=open_response)
        yield source
    finally:
        rec.close()
        for response in current:
            response.close()


async def _refusal(response: aiohttp.ClientResponse) -> SSEError:
    body, cut = await aread_start(response.content.iter_any(), _NETWORK_ERRORS)
    return response_error(response.status, response.headers.items(), body, body_truncated=cut)
