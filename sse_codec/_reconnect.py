"""Reconnection the way a browser's EventSource does it, without any I/O.

:class:`ReconnectPolicy` holds the options; :class:`Reconnector` is the state of
one logical stream across its connections.  An HTTP adapter (``sse_codec.httpx``,
``sse_codec.aiohttp``, or your own) drives it::

    rec = Reconnector(ReconnectPolicy())
    while True:
        send a request with rec.request_headers()
        verdict = rec.response(status, headers)   # "stream", "done", "fail", "retry"
        "stream": feed the body to rec.decoder(); yield its events
        "done": stop; "fail": raise the response error
        "retry" or the body ended or broke: delay = rec.connection_lost(error)
        delay None: stop (closed); else wait delay seconds and go round

It follows the WHATWG processing model: the ``Last-Event-ID`` header carries the
last event ID (none when it is empty); the server's ``retry`` sets the wait; the
end of the body and network errors lead to a new connection; any status but 200
(204 included) or another ``Content-Type`` ends the stream for good.  Each new
connection's decoder is seeded with the last event ID, so an event without an
``id:`` line still carries it.  Beyond the spec, as options: statuses that count
as transient, backoff with jitter after repeated failures, and bounds on failed
attempts and on time.
"""

from __future__ import annotations

import random as _random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from ._constants import DEFAULT_MAX_EVENT_SIZE, DEFAULT_MAX_LINE_SIZE
from ._errors import SSEConnectionError
from ._impl import SSEDecoder
from ._response import content_type_of, is_event_stream

__all__ = ["TRANSIENT_STATUSES", "ReconnectPolicy", "Reconnector", "Verdict", "policy_of"]

#: Statuses an LLM API sends when it is briefly unable to answer: rate limited
#: (429), bad gateway (502), unavailable (503), gateway timeout (504), and
#: Anthropic's overloaded (529).  Pass it as ``retry_statuses`` to retry them.
TRANSIENT_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504, 529})

#: What to do with a response: read its body as a stream, stop without error
#: (204: the server says there is nothing more), fail for good, or retry later.
Verdict = Literal["stream", "done", "fail", "retry"]


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """How a reconnecting stream waits and when it gives up.

    * ``retry``: the reconnection time in seconds until the server sends a
      ``retry:`` field (3.0, as in Chromium and Firefox).
    * ``retry_statuses``: statuses that are retried instead of ending the stream.
      Empty by default, as the spec has it; :data:`TRANSIENT_STATUSES` is the set
      LLM APIs use.  A ``Retry-After`` header in seconds lengthens the wait.
    * ``max_attempts``: give up (:class:`~sse_codec.SSEConnectionError`) after
      this many consecutive failed attempts (a network error before a good
      response, or a retried status).  ``None``: never, like a browser.
    * ``max_elapsed``: give up rather than start a connection more than this many
      seconds after the stream began.  ``None``: no bound.
    * ``max_backoff``: bound, in seconds, on the extra wait added after repeated
      failures.  After the n-th consecutive failure the wait is the reconnection
      time plus a random part of ``min(max_backoff, retry * (2**(n-1) - 1))``;
      after the first failure, or after a good connection ends, it is exactly the
      reconnection time.

    Raises :class:`ValueError` for negative or non-numeric values.
    """

    retry: float = 3.0
    retry_statuses: frozenset[int] = frozenset()
    max_attempts: int | None = None
    max_elapsed: float | None = None
    max_backoff: float = 30.0

    def __post_init__(self) -> None:
        for name in ("retry", "max_backoff", "max_elapsed"):
            value = getattr(self, name)
            if value is None and name == "max_elapsed":
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a non-negative number, not {value!r}")
        attempts = self.max_attempts
        if attempts is not None and (type(attempts) is not int or attempts < 1):
            raise ValueError(f"max_attempts must be a positive int or None, not {attempts!r}")
        object.__setattr__(self, "retry_statuses", frozenset(self.retry_statuses))
        for status in self.retry_statuses:
            if type(status) is not int or status == 200:
                raise ValueError(f"retry_statuses must hold int statuses but 200, not {status!r}")


def policy_of(reconnect: bool | ReconnectPolicy) -> ReconnectPolicy | None:
    """The policy an adapter's ``reconnect=`` argument asks for (``None``: do not).

    Raises :class:`TypeError` for anything but a bool or a :class:`ReconnectPolicy`.
    """
    if isinstance(reconnect, ReconnectPolicy):
        return reconnect
    if reconnect is True:
        return ReconnectPolicy()
    if reconnect is False:
        return None
    raise TypeError(f"reconnect must be a bool or a ReconnectPolicy, not {reconnect!r}")


class Reconnector:
    """The connection state of one reconnecting event stream (sans-I/O).

    ``last_event_id`` seeds the first connection (as if a previous one had
    reached it).  ``clock`` (seconds, monotonic) and ``random`` (a float in
    [0, 1)) are injectable for tests.  Attributes: ``policy``; ``attempts``, the
    consecutive failed attempts; ``connections``, the responses read as streams;
    ``closed``, set by :meth:`close`.  ``last_event_id``, ``retry`` (seconds) and
    ``server_retry`` follow the current connection's decoder.
    """

    def __init__(
        self,
        policy: ReconnectPolicy | None = None,
        *,
        last_event_id: str = "",
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.policy: ReconnectPolicy = ReconnectPolicy() if policy is None else policy
        self._last_event_id = last_event_id
        self._retry = float(self.policy.retry)
        self._clock = clock
        self._random = random
        self._started = clock()
        self._decoder: SSEDecoder | None = None
        self._streaming = False
        self._retry_after: float | None = None
        self._server_retry: int | None = None
        self.attempts: int = 0
        self.connections: int = 0
        self.closed: bool = False

    @property
    def last_event_id(self) -> str:
        """The stream's last event ID: what the next request sends as ``Last-Event-ID``."""
        self._sync()
        return self._last_event_id

    @property
    def retry(self) -> float:
        """The reconnection time in seconds (the server's last ``retry``, or the policy's)."""
        self._sync()
        return float(self._retry)

    @property
    def server_retry(self) -> int | None:
        """The reconnection time the server last set, in milliseconds, or ``None``."""
        self._sync()
        return self._server_retry

    def request_headers(self) -> dict[str, str]:
        """Headers for the next request: ``Accept``, ``Cache-Control`` and ``Last-Event-ID``.

        ``Last-Event-ID`` is left out while the last event ID is empty, as a browser does.
        Spaces and tabs around the ID are left out too: HTTP strips them from a
        header value, so the server reads the same value, and HTTP clients
        (h11, under httpx) refuse to send them.
        """
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        last = self.last_event_id
        if last:
            headers["Last-Event-ID"] = last.strip(" \t")
        return headers

    def unsendable(self, error: BaseException) -> SSEConnectionError:
        """The error for a request the HTTP client refused to send.

        An adapter calls this when its client rejects the request it built
        (httpx's ``LocalProtocolError``, aiohttp's ``ValueError``): the last event
        ID, which the server chose, holds a character the client will not put in
        a header (a control character).  Retrying cannot help, so the stream ends
        with this :class:`~sse_codec.SSEConnectionError`, ``error`` its cause.
        """
        exc = SSEConnectionError(
            f"the HTTP client refused to send the request (Last-Event-ID "
            f"{self.last_event_id!r}): {error}",
            attempts=self.attempts,
            last_event_id=self.last_event_id,
        )
        exc.__cause__ = error
        return exc

    def response(self, status: int, headers: Iterable[tuple[str, str]]) -> Verdict:
        """Judge a response's status and headers; see :data:`Verdict`.

        ``"stream"`` resets the count of failed attempts: read the body with
        :meth:`decoder`.  For ``"fail"`` and ``"retry"`` build the error with
        :func:`sse_codec._response.response_error`; after ``"retry"`` pass it to
        :meth:`connection_lost`.
        """
        pairs = list(headers)
        self._streaming = False
        if status == 200 and is_event_stream(content_type_of(pairs)):
            self._streaming = True
            self.attempts = 0
            self.connections += 1
            return "stream"
        if status in self.policy.retry_statuses:
            self._retry_after = _retry_after(pairs)
            return "retry"
        return "done" if status == 204 else "fail"

    def decoder(
        self,
        *,
        max_line_size: int | None = DEFAULT_MAX_LINE_SIZE,
        max_event_size: int | None = DEFAULT_MAX_EVENT_SIZE,
        on_comment: Callable[[str], object] | None = None,
    ) -> SSEDecoder:
        """A new decoder for the current connection, seeded with the last event ID.

        The keyword arguments are :class:`~sse_codec.SSEDecoder`'s (its limits
        raise :class:`ValueError` when invalid); there is no ``dispatch_on_close``,
        because an event cut short by a broken connection must be discarded.  The
        decoder is the one whose ``last_event_id`` and ``retry`` this object
        follows from now on.
        """
        self._sync()
        decoder = SSEDecoder(
            max_line_size=max_line_size,
            max_event_size=max_event_size,
            on_comment=on_comment,
            last_event_id=self._last_event_id,
        )
        self._decoder = decoder
        return decoder

    def connection_lost(self, error: BaseException | None = None) -> float | None:
        """The connection ended: its body ended, it broke, or it was refused.

        ``error`` is the failure (a transport error, or the response error of a
        retried status), ``None`` when the body ended normally.  Returns the wait
        in seconds before the next request, or ``None`` after :meth:`close`.
        Raises :class:`~sse_codec.SSEConnectionError` (with ``error`` as its
        cause) when the policy's bound on attempts or time is reached.
        """
        self._sync()
        self._decoder = None
        if self.closed:
            return None
        if self._streaming:
            # A good connection ended: wait the reconnection time, no backoff.
            self._streaming = False
            delay = self._retry
        else:
            self.attempts += 1
            delay = self._retry + self._backoff()
            if self._retry_after is not None:
                delay = max(delay, self._retry_after)
                self._retry_after = None
        policy = self.policy
        if policy.max_attempts is not None and self.attempts >= policy.max_attempts:
            raise self._give_up(f"{self.attempts} consecutive attempts failed", error)
        if policy.max_elapsed is not None and (
            self._clock() + delay - self._started > policy.max_elapsed
        ):
            raise self._give_up(f"reconnecting would exceed {policy.max_elapsed} s", error)
        return delay

    def close(self) -> None:
        """Stop: :meth:`connection_lost` returns ``None`` from now on."""
        self.closed = True

    def _sync(self) -> None:
        decoder = self._decoder
        if decoder is not None:
            self._last_event_id = decoder.last_event_id
            if decoder.retry is not None:
                self._server_retry = decoder.retry
                self._retry = decoder.retry / 1000

    def _backoff(self) -> float:
        n = self.attempts
        if n <= 1:
            return 0.0
        growth: int = 2 ** min(n - 1, 62) - 1
        cap = min(self.policy.max_backoff, self._retry * growth)
        return cap * self._random()

    def _give_up(self, why: str, error: BaseException | None) -> SSEConnectionError:
        exc = SSEConnectionError(
            f"gave up reconnecting: {why}"
            + (f"; last failure: {error!r}" if error is not None else ""),
            attempts=self.attempts,
            last_event_id=self._last_event_id,
        )
        exc.__cause__ = error
        return exc


def _retry_after(headers: list[tuple[str, str]]) -> float | None:
    # Only the delay-seconds form; an HTTP date is ignored (the backoff applies).
    for name, value in headers:
        if name.lower() == "retry-after":
            value = value.strip()
            if value.isascii() and value.isdigit():
                return float(value)
    return None
