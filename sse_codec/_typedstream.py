"""Stream-level machinery shared by the typed named-event layers (Anthropic, Responses).

Both protocols' readers parse each server-sent event, raise the protocol's in-band
errors and note whether an end event came; both ``collect_*`` functions feed the
events to an accumulator and give a :class:`~sse_codec.StreamError` its event and
the partial result.  Each protocol supplies only what differs: its ``read_event``,
its error events, its end events and its messages.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable
from typing import Any, Generic, Protocol, TypeVar

from ._errors import IncompleteStreamError, NotAnEventStreamError, PayloadError, StreamError
from ._event import ServerSentEvent
from ._jsonevent import Build, JsonLoads, TypedEvent, build_read, dumps_compact, load_read

__all__ = [
    "Accumulator",
    "EventReader",
    "Fold",
    "ReadEvent",
    "afeed_all",
    "afeed_folding",
    "feed_all",
    "feed_folding",
    "not_an_event_stream",
    "order_error",
]

_E = TypeVar("_E", bound=TypedEvent)
_E_contra = TypeVar("_E_contra", bound=TypedEvent, contravariant=True)

#: A protocol's ``read_event``: its ``parse_event``, except that an ``event: error``
#: whose data does not parse raises :class:`~sse_codec.StreamError`.
ReadEvent = Callable[[ServerSentEvent, JsonLoads], _E]

#: An accumulator's shortcut for the commonest events: it applies the event whose
#: JSON object it is given and returns ``True``, or changes nothing and returns
#: ``False`` (the event then goes the typed way).  It must never raise.
Fold = Callable[[dict[str, Any]], bool]


def not_an_event_stream(
    protocol: str, error: type[NotAnEventStreamError], received: Any = None
) -> NotAnEventStreamError:
    """The ``error`` (the protocol's class, carrying ``received``) for a body that held
    no server-sent event."""
    return error(
        f"{protocol}: the body held no server-sent events: it is not an event stream "
        "(an HTTP error body, an HTML page or a JSON answer?); check the response's "
        "status and Content-Type",
        received=received,
    )


class EventReader(Generic[_E]):
    """The per-stream state of a typed reader, shared by its sync and async forms.

    An event of a class in ``fails`` is raised as ``error(event, sse)``; ``ends`` are
    the end event classes; ``missing`` is the message of the ``incomplete`` error
    (the protocol's :class:`~sse_codec.IncompleteStreamError`) for a stream without
    one; ``empty`` (the protocol's :class:`~sse_codec.NotAnEventStreamError`) is
    raised, naming ``protocol``, for a stream without any event.
    """

    __slots__ = (
        "_empty",
        "_ends",
        "_error",
        "_fails",
        "_incomplete",
        "_json_loads",
        "_missing",
        "_protocol",
        "_read",
        "ended",
        "seen",
    )

    def __init__(
        self,
        read: ReadEvent[_E],
        json_loads: JsonLoads,
        *,
        fails: tuple[type[TypedEvent], ...],
        error: Callable[[Any, ServerSentEvent], StreamError],
        ends: tuple[type[TypedEvent], ...],
        missing: str,
        incomplete: type[IncompleteStreamError],
        empty: type[NotAnEventStreamError],
        protocol: str,
    ) -> None:
        self._read = read
        self._json_loads = json_loads
        self._fails = fails
        self._error = error
        self._ends = ends
        self._missing = missing
        self._incomplete = incomplete
        self._empty = empty
        self._protocol = protocol
        self.ended = False
        self.seen = False

    def read(self, sse: ServerSentEvent) -> _E:
        """The typed event of ``sse``; raises the protocol's errors (see ``__init__``)."""
        self.seen = True
        event = self._read(sse, self._json_loads)
        if isinstance(event, self._fails):
            raise self._error(event, sse)
        if isinstance(event, self._ends):
            self.ended = True
        return event

    def finish(self, require_end: bool) -> None:
        """If ``require_end`` is set and no end event came, raise
        :class:`~sse_codec.NotAnEventStreamError` when no event came at all, else
        the protocol's :class:`~sse_codec.IncompleteStreamError`."""
        if require_end and not self.seen:
            raise not_an_event_stream(self._protocol, self._empty)
        if require_end and not self.ended:
            raise self._incomplete(self._missing)


class Accumulator(Protocol[_E_contra]):
    """What :func:`feed_all` needs of a protocol's accumulator."""

    def add(self, event: _E_contra) -> None: ...

    def snapshot(self) -> object: ...


def _feed(
    acc: Accumulator[_E], sse: ServerSentEvent, read: ReadEvent[_E], json_loads: JsonLoads
) -> None:
    try:
        acc.add(read(sse, json_loads))
    except StreamError as exc:
        exc.event = sse
        exc.received = acc.snapshot()
        raise


def feed_all(
    acc: Accumulator[_E],
    events: Iterable[ServerSentEvent],
    read: ReadEvent[_E],
    json_loads: JsonLoads,
) -> int:
    """Add the typed event of each of ``events`` to ``acc``; return how many came.

    Raises what ``read`` and ``acc.add`` raise; a :class:`~sse_codec.StreamError`
    gets the server-sent event as ``event`` and ``acc.snapshot()`` as ``received``.
    """
    count = 0
    for sse in events:
        count += 1
        _feed(acc, sse, read, json_loads)
    return count


async def afeed_all(
    acc: Accumulator[_E],
    events: AsyncIterable[ServerSentEvent],
    read: ReadEvent[_E],
    json_loads: JsonLoads,
) -> int:
    """Async twin of :func:`feed_all`."""
    count = 0
    async for sse in events:
        count += 1
        _feed(acc, sse, read, json_loads)
    return count


def _take(
    acc: Accumulator[_E],
    fold: Fold,
    sse: ServerSentEvent,
    json_loads: JsonLoads,
    protocol: str,
    build: Build[_E],
    error: type[StreamError],
) -> None:
    try:
        obj = load_read(sse, json_loads, protocol, error)
        if not fold(obj):
            acc.add(build_read(sse, obj, protocol, build, error))
    except StreamError as exc:
        exc.event = sse
        exc.received = acc.snapshot()
        raise


def feed_folding(
    acc: Accumulator[_E],
    events: Iterable[ServerSentEvent],
    fold: Fold,
    json_loads: JsonLoads,
    *,
    protocol: str,
    build: Build[_E],
    error: type[StreamError],
) -> int:
    """:func:`feed_all` with the protocol's reader (``read_typed`` over ``build``,
    raising ``error``) taken apart, so that ``fold`` sees each event's JSON first.

    Most events of a stream are text fragments: ``fold`` appends them where they
    belong without building the typed event the accumulator would only unpack.
    Anything it declines (and every error) takes the typed path, so the result
    and the errors are those of :func:`feed_all`.
    """
    count = 0
    for sse in events:
        count += 1
        _take(acc, fold, sse, json_loads, protocol, build, error)
    return count


async def afeed_folding(
    acc: Accumulator[_E],
    events: AsyncIterable[ServerSentEvent],
    fold: Fold,
    json_loads: JsonLoads,
    *,
    protocol: str,
    build: Build[_E],
    error: type[StreamError],
) -> int:
    """Async twin of :func:`feed_folding`."""
    count = 0
    async for sse in events:
        count += 1
        _take(acc, fold, sse, json_loads, protocol, build, error)
    return count


def order_error(protocol: str, what: str, event: TypedEvent) -> PayloadError:
    """The :class:`~sse_codec.PayloadError` for an event out of protocol order.

    ``data`` is the event's received text, or its compact JSON when built in code.
    """
    data = event.raw_data
    if data is None:
        data = dumps_compact(event.to_dict(), None, check=False)
    return PayloadError(f"{protocol} stream out of order: {what}", data=data)
