"""Fold an OpenAI Responses stream into its output text, function calls and usage."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._errors import PayloadError
from .._event import ServerSentEvent
from .._jsonevent import JsonLoads
from .._typedstream import afeed_all, feed_all, not_an_event_stream, order_error
from ._errors import IncompleteStreamError, NotAnEventStreamError
from ._events import (
    ContentPartAdded,
    ContentPartDone,
    ErrorEvent,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    OutputTextDone,
    ReasoningSummaryPartAdded,
    ReasoningSummaryPartDone,
    ReasoningSummaryTextDelta,
    ReasoningSummaryTextDone,
    RefusalDelta,
    RefusalDone,
    ResponseCompleted,
    ResponseCreated,
    ResponseEvent,
    ResponseFailed,
    ResponseIncomplete,
    ResponseInProgress,
    ResponseQueued,
    UnknownEvent,
)
from ._reader import read_event, stream_error

_PROTOCOL = "OpenAI Responses"

__all__ = [
    "FunctionCall",
    "ResponseAccumulator",
    "ResponseResult",
    "acollect_response",
    "collect_response",
]


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """One ``function_call`` output item: ``call_id`` (to answer with), ``name`` and
    the ``arguments`` JSON text, joined from its deltas."""

    call_id: str | None
    name: str | None
    arguments: str
    item_id: str | None = None
    output_index: int = 0
    status: str | None = None

    def parse_arguments(self, *, json_loads: JsonLoads = json.loads) -> Any:
        """Return the parsed arguments (``{}`` for empty text).

        Raises :class:`~sse_codec.PayloadError` (``data`` is the text) when the
        text is not JSON.
        """
        if not self.arguments:
            return {}
        try:
            return json_loads(self.arguments)
        except Exception as exc:
            raise PayloadError(
                f"arguments of function call {self.call_id!r} ({self.name!r}) are not JSON: {exc}",
                data=self.arguments,
            ) from exc


@dataclass(frozen=True, slots=True)
class ResponseResult:
    """What a Responses stream amounts to.

    ``output_text`` is the text of all ``output_text`` parts of all message items,
    in output order; ``text_by_item`` the same per message item id.
    ``function_calls`` are the ``function_call`` items in output order;
    ``reasoning_summary`` the reasoning summary texts in order; ``refusal`` any
    refusal text.  ``output`` holds every output item as last reported (its
    ``output_item.done`` object, else its ``output_item.added`` one).  ``id``,
    ``status``, ``usage`` and ``error`` come from the last response object seen
    (the one in ``response.completed`` / ``incomplete`` / ``failed`` at the end),
    which is ``response``.
    """

    id: str | None
    status: str | None
    output_text: str
    text_by_item: Mapping[str, str] = field(default_factory=dict)
    function_calls: tuple[FunctionCall, ...] = ()
    reasoning_summary: tuple[str, ...] = ()
    refusal: str = ""
    output: tuple[Mapping[str, Any], ...] = ()
    usage: Mapping[str, Any] | None = None
    error: Mapping[str, Any] | None = None
    response: Mapping[str, Any] | None = None


class _Parts:
    """Fragments per part index, and the final text a ``*.done`` event gave."""

    __slots__ = ("done", "fragments")

    def __init__(self) -> None:
        self.fragments: dict[int, list[str]] = {}
        self.done: dict[int, str] = {}

    def add(self, index: int, piece: str) -> None:
        self.fragments.setdefault(index, []).append(piece)

    def finish(self, index: int, text: str) -> bool:
        """Record the done text; ``False`` when it contradicts the fragments."""
        pieces = self.fragments.get(index)
        self.done[index] = text
        return pieces is None or "".join(pieces) == text

    def texts(self) -> list[str]:
        indexes = sorted(set(self.fragments) | set(self.done))
        return [self.done[i] if i in self.done else "".join(self.fragments[i]) for i in indexes]


class _Item:
    __slots__ = ("arguments", "item", "refusal", "summary", "text")

    def __init__(self, item: Mapping[str, Any]) -> None:
        self.item = item
        self.text = _Parts()
        self.refusal = _Parts()
        self.summary = _Parts()
        self.arguments = _Parts()  # one part, index 0

    def item_texts(self, list_key: str, part_type: str, key: str) -> list[str]:
        # When no delta or done event came for a part (a proxy that sends only
        # whole items), the item's own content or summary list holds the text.
        content = self.item.get(list_key)
        if not isinstance(content, list):
            return []
        return [
            c[key]
            for c in content
            if isinstance(c, dict) and c.get("type") == part_type and isinstance(c.get(key), str)
        ]


class ResponseAccumulator:
    """Feed it the events of one Responses stream with :meth:`add`; read :meth:`result`.

    Text, refusal, summary and argument deltas are kept as fragments and joined
    once.  A ``*.done`` event's full text is checked against the joined fragments
    (a mismatch is a :class:`~sse_codec.PayloadError`) and wins when no fragment
    came.  Unknown events are kept in :attr:`unhandled`.
    """

    __slots__ = ("_ended", "_items", "_response", "_unhandled")

    def __init__(self) -> None:
        self._response: Mapping[str, Any] | None = None
        self._items: dict[int, _Item] = {}
        self._unhandled: list[ResponseEvent] = []
        self._ended = False

    @property
    def done(self) -> bool:
        """Whether an end event (completed, incomplete, failed) has been added."""
        return self._ended

    @property
    def unhandled(self) -> tuple[ResponseEvent, ...]:
        """Unknown events, kept in order."""
        return tuple(self._unhandled)

    def add(self, event: ResponseEvent) -> None:
        """Apply one event.

        Raises :class:`~sse_codec.StreamError` for ``error`` and ``response.failed``
        (``received`` is :meth:`snapshot`, taken after the failed response is
        recorded); :class:`~sse_codec.PayloadError` for an event about an output item
        never added (or whose ``item_id`` is not that item's id), or a ``*.done``
        text that contradicts its deltas.
        """
        if isinstance(event, OutputTextDelta):
            self._item(event).text.add(event.content_index, event.delta)
        elif isinstance(event, RefusalDelta):
            self._item(event).refusal.add(event.content_index, event.delta)
        elif isinstance(event, FunctionCallArgumentsDelta):
            self._item(event).arguments.add(0, event.delta)
        elif isinstance(event, ReasoningSummaryTextDelta):
            self._item(event).summary.add(event.summary_index, event.delta)
        elif isinstance(event, OutputTextDone):
            self._finish(event, self._item(event).text, event.content_index, event.text)
        elif isinstance(event, RefusalDone):
            self._finish(event, self._item(event).refusal, event.content_index, event.refusal)
        elif isinstance(event, FunctionCallArgumentsDone):
            self._finish(event, self._item(event).arguments, 0, event.arguments)
        elif isinstance(event, ReasoningSummaryTextDone):
            self._finish(event, self._item(event).summary, event.summary_index, event.text)
        elif isinstance(event, OutputItemAdded):
            if event.output_index in self._items:
                raise self._violation(f"output item {event.output_index} added twice", event)
            self._items[event.output_index] = _Item(event.item)
        elif isinstance(event, OutputItemDone):
            self._item(event).item = event.item
        elif isinstance(
            event,
            ContentPartAdded
            | ContentPartDone
            | ReasoningSummaryPartAdded
            | ReasoningSummaryPartDone,
        ):
            self._item(event)  # only checked: the text comes in the text events
        elif isinstance(event, ResponseCreated | ResponseQueued | ResponseInProgress):
            self._response = event.response
        elif isinstance(event, ResponseCompleted | ResponseIncomplete | ResponseFailed):
            self._response = event.response
            self._ended = True
            if isinstance(event, ResponseFailed):
                error = stream_error(event, None)
                error.received = self.snapshot()
                raise error
        elif isinstance(event, ErrorEvent):
            error = stream_error(event, None)
            error.received = self.snapshot()
            raise error
        else:
            assert isinstance(event, UnknownEvent)
            self._unhandled.append(event)

    def _violation(self, what: str, event: ResponseEvent) -> PayloadError:
        return order_error("OpenAI Responses", what, event)

    def _item(
        self,
        event: OutputItemDone
        | ContentPartAdded
        | ContentPartDone
        | OutputTextDelta
        | OutputTextDone
        | RefusalDelta
        | RefusalDone
        | FunctionCallArgumentsDelta
        | FunctionCallArgumentsDone
        | ReasoningSummaryPartAdded
        | ReasoningSummaryPartDone
        | ReasoningSummaryTextDelta
        | ReasoningSummaryTextDone,
    ) -> _Item:
        item = self._items.get(event.output_index)
        if item is None:
            raise self._violation(
                f"{event.type} for output item {event.output_index}, never added", event
            )
        item_id = getattr(event, "item_id", None)
        known_id = item.item.get("id")
        if item_id is not None and isinstance(known_id, str) and item_id != known_id:
            raise self._violation(
                f"{event.type} names item {item_id!r}, output item {event.output_index} "
                f"is {known_id!r}",
                event,
            )
        return item

    def _finish(self, event: ResponseEvent, parts: _Parts, index: int, text: str) -> None:
        if not parts.finish(index, text):
            raise self._violation(f"{event.type} text differs from its joined deltas", event)

    def snapshot(self) -> ResponseResult:
        """The result as received so far (never raises)."""
        texts: dict[str, str] = {}
        all_text: list[str] = []
        refusals: list[str] = []
        summaries: list[str] = []
        calls: list[FunctionCall] = []
        for index in sorted(self._items):
            entry = self._items[index]
            item = entry.item
            item_type = item.get("type")
            item_id = item.get("id") if isinstance(item.get("id"), str) else None
            if item_type == "message":
                parts = entry.text.texts() or entry.item_texts("content", "output_text", "text")
                text = "".join(parts)
                all_text.append(text)
                if item_id is not None:
                    texts[item_id] = text
                refusals.extend(
                    entry.refusal.texts() or entry.item_texts("content", "refusal", "refusal")
                )
            elif item_type == "function_call":
                arguments = entry.arguments.texts()
                raw = item.get("arguments")
                calls.append(
                    FunctionCall(
                        call_id=_opt_str(item.get("call_id")),
                        name=_opt_str(item.get("name")),
                        arguments=arguments[0] if arguments else _opt_str(raw) or "",
                        item_id=item_id,
                        output_index=index,
                        status=_opt_str(item.get("status")),
                    )
                )
            elif item_type == "reasoning":
                summary = entry.summary.texts() or entry.item_texts(
                    "summary", "summary_text", "text"
                )
                summaries.extend(summary)
        response = self._response
        usage = response.get("usage") if response is not None else None
        error = response.get("error") if response is not None else None
        return ResponseResult(
            id=_opt_str(response.get("id")) if response is not None else None,
            status=_opt_str(response.get("status")) if response is not None else None,
            output_text="".join(all_text),
            text_by_item=texts,
            function_calls=tuple(calls),
            reasoning_summary=tuple(summaries),
            refusal="".join(refusals),
            output=tuple(self._items[i].item for i in sorted(self._items)),
            usage=usage if isinstance(usage, dict) else None,
            error=error if isinstance(error, dict) else None,
            response=response,
        )

    def result(self, *, require_end: bool = True) -> ResponseResult:
        """The final result.

        Raises :class:`~sse_codec.IncompleteStreamError` (``received`` is
        :meth:`snapshot`) when no end event was added, unless ``require_end=False``.
        """
        if require_end and not self._ended:
            raise IncompleteStreamError(
                "OpenAI Responses stream has no end event: the response is truncated",
                received=self.snapshot(),
            )
        return self.snapshot()


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def collect_response(
    events: Iterable[ServerSentEvent],
    *,
    require_end: bool = True,
    json_loads: JsonLoads = json.loads,
) -> ResponseResult:
    """Read a whole Responses stream and return its :class:`ResponseResult`.

    Raises what :func:`parse_event` and :meth:`ResponseAccumulator.add` raise
    (errors in-band as :class:`~sse_codec.StreamError`, with ``event`` set).  A
    :class:`~sse_codec.StreamError` or :class:`~sse_codec.IncompleteStreamError`
    carries the partial result in ``received``.
    """
    acc = ResponseAccumulator()
    if not feed_all(acc, events, read_event, json_loads) and require_end:
        raise not_an_event_stream(_PROTOCOL, NotAnEventStreamError, acc.snapshot())
    return acc.result(require_end=require_end)


async def acollect_response(
    events: AsyncIterable[ServerSentEvent],
    *,
    require_end: bool = True,
    json_loads: JsonLoads = json.loads,
) -> ResponseResult:
    """Async twin of :func:`collect_response`."""
    acc = ResponseAccumulator()
    if not await afeed_all(acc, events, read_event, json_loads) and require_end:
        raise not_an_event_stream(_PROTOCOL, NotAnEventStreamError, acc.snapshot())
    return acc.result(require_end=require_end)
