"""The typed events of an OpenAI Responses API stream (``response.*``), and parsing them.

Each event class lists its protocol keys in ``_KEYS``; one generic parser and one
generic ``to_dict`` use that list, so a class is its declaration and nothing else.
A parsed event keeps its data text and JSON (``raw_data``, exact ``to_dict()``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias

from .._event import ServerSentEvent
from .._jsonevent import (
    Fields,
    JsonLoads,
    TypedEvent,
    UnknownTypedEvent,
    copy_json,
    event_from_json,
    parse_typed,
    with_extra,
)

__all__ = [
    "ContentPartAdded",
    "ContentPartDone",
    "ErrorEvent",
    "FunctionCallArgumentsDelta",
    "FunctionCallArgumentsDone",
    "OutputItemAdded",
    "OutputItemDone",
    "OutputTextDelta",
    "OutputTextDone",
    "ReasoningSummaryPartAdded",
    "ReasoningSummaryPartDone",
    "ReasoningSummaryTextDelta",
    "ReasoningSummaryTextDone",
    "RefusalDelta",
    "RefusalDone",
    "ResponseCompleted",
    "ResponseCreated",
    "ResponseEvent",
    "ResponseFailed",
    "ResponseInProgress",
    "ResponseIncomplete",
    "ResponseQueued",
    "UnknownEvent",
    "build_event",
    "event_from_dict",
    "parse_event",
]

_PROTOCOL = "OpenAI Responses"

# Reader names for the key kinds; each is a method of Fields.
_STR, _OPT_STR, _INT, _OBJ = "string", "opt_string", "integer", "obj"


class _Base(TypedEvent):
    """The generic parts of every Responses event class."""

    __slots__ = ()
    type: ClassVar[str]
    _KEYS: ClassVar[tuple[tuple[str, str], ...]] = ()

    def _fields_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        for name, _kind in self._KEYS:
            out[name] = copy_json(getattr(self, name))
        sequence_number = getattr(self, "sequence_number", None)
        if sequence_number is not None:
            out["sequence_number"] = sequence_number
        return with_extra(out, getattr(self, "extra", {}))


# Events of one shape share a private base holding their fields and keys; each
# public class adds only its type and docstring, so the fields, their order, the
# constructor, repr and equality are what they would be if declared in the class.


@dataclass(frozen=True, slots=True)
class _ResponseState(_Base):
    """The lifecycle events: each carries the whole response object as it stands."""

    _KEYS = (("response", _OBJ),)
    response: Mapping[str, Any]
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str | None:
        """The response id (``resp_…``), or ``None`` when absent."""
        value = self.response.get("id")
        return value if isinstance(value, str) else None

    @property
    def status(self) -> str | None:
        """The response's ``status`` (``in_progress``, ``completed``, ``failed``…)."""
        value = self.response.get("status")
        return value if isinstance(value, str) else None

    @property
    def usage(self) -> Mapping[str, Any] | None:
        """The response's ``usage`` object (``None`` until the final event)."""
        value = self.response.get("usage")
        return value if isinstance(value, dict) else None


@dataclass(frozen=True, slots=True)
class ResponseCreated(_ResponseState):
    """``response.created``: the response exists; ``response`` is its object."""

    type: ClassVar[str] = "response.created"


@dataclass(frozen=True, slots=True)
class ResponseQueued(_ResponseState):
    """``response.queued``: the response waits for capacity (background mode)."""

    type: ClassVar[str] = "response.queued"


@dataclass(frozen=True, slots=True)
class ResponseInProgress(_ResponseState):
    """``response.in_progress``: generation has started."""

    type: ClassVar[str] = "response.in_progress"


@dataclass(frozen=True, slots=True)
class ResponseCompleted(_ResponseState):
    """``response.completed``: the end marker; ``response`` holds output and usage."""

    type: ClassVar[str] = "response.completed"


@dataclass(frozen=True, slots=True)
class ResponseIncomplete(_ResponseState):
    """``response.incomplete``: an end marker; output stopped early (see
    ``response["incomplete_details"]``, e.g. ``max_output_tokens``)."""

    type: ClassVar[str] = "response.incomplete"


@dataclass(frozen=True, slots=True)
class ResponseFailed(_ResponseState):
    """``response.failed``: an end marker; the server failed (``response["error"]``).

    The readers raise :class:`~sse_codec.StreamError` for it.
    """

    type: ClassVar[str] = "response.failed"


@dataclass(frozen=True, slots=True)
class _OutputItemEvent(_Base):
    """The ``response.output_item.*`` events."""

    _KEYS = (("output_index", _INT), ("item", _OBJ))
    output_index: int
    item: Mapping[str, Any]
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutputItemAdded(_OutputItemEvent):
    """``response.output_item.added``: output item number ``output_index`` begins.

    ``item`` is its object (``type`` ``message``, ``function_call``, ``reasoning``…).
    """

    type: ClassVar[str] = "response.output_item.added"


@dataclass(frozen=True, slots=True)
class OutputItemDone(_OutputItemEvent):
    """``response.output_item.done``: output item ``output_index`` is final (``item``)."""

    type: ClassVar[str] = "response.output_item.done"


_PART_KEYS = (("item_id", _STR), ("output_index", _INT), ("content_index", _INT))


@dataclass(frozen=True, slots=True)
class _ContentPartEvent(_Base):
    """The ``response.content_part.*`` events."""

    _KEYS = (*_PART_KEYS, ("part", _OBJ))
    item_id: str
    output_index: int
    content_index: int
    part: Mapping[str, Any]
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ContentPartAdded(_ContentPartEvent):
    """``response.content_part.added``: content part ``content_index`` of a message item begins."""

    type: ClassVar[str] = "response.content_part.added"


@dataclass(frozen=True, slots=True)
class ContentPartDone(_ContentPartEvent):
    """``response.content_part.done``: a content part is final (``part``)."""

    type: ClassVar[str] = "response.content_part.done"


@dataclass(frozen=True, slots=True)
class _ContentDeltaEvent(_Base):
    """The delta events of a message item's content part."""

    _KEYS = (*_PART_KEYS, ("delta", _STR))
    item_id: str
    output_index: int
    content_index: int
    delta: str
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutputTextDelta(_ContentDeltaEvent):
    """``response.output_text.delta``: the next piece (``delta``) of an output text part."""

    type: ClassVar[str] = "response.output_text.delta"


@dataclass(frozen=True, slots=True)
class OutputTextDone(_Base):
    """``response.output_text.done``: the whole ``text`` of an output text part."""

    type: ClassVar[str] = "response.output_text.done"
    _KEYS = (*_PART_KEYS, ("text", _STR))
    item_id: str
    output_index: int
    content_index: int
    text: str
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RefusalDelta(_ContentDeltaEvent):
    """``response.refusal.delta``: the next piece of a refusal part."""

    type: ClassVar[str] = "response.refusal.delta"


@dataclass(frozen=True, slots=True)
class RefusalDone(_Base):
    """``response.refusal.done``: the whole ``refusal`` text of a refusal part."""

    type: ClassVar[str] = "response.refusal.done"
    _KEYS = (*_PART_KEYS, ("refusal", _STR))
    item_id: str
    output_index: int
    content_index: int
    refusal: str
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FunctionCallArgumentsDelta(_Base):
    """``response.function_call_arguments.delta``: a fragment of a call's arguments JSON."""

    type: ClassVar[str] = "response.function_call_arguments.delta"
    _KEYS = (("item_id", _STR), ("output_index", _INT), ("delta", _STR))
    item_id: str
    output_index: int
    delta: str
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FunctionCallArgumentsDone(_Base):
    """``response.function_call_arguments.done``: a call's whole ``arguments`` text."""

    type: ClassVar[str] = "response.function_call_arguments.done"
    _KEYS = (("item_id", _STR), ("output_index", _INT), ("arguments", _STR))
    item_id: str
    output_index: int
    arguments: str
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


_SUMMARY_KEYS = (("item_id", _STR), ("output_index", _INT), ("summary_index", _INT))


@dataclass(frozen=True, slots=True)
class _SummaryPartEvent(_Base):
    """The ``response.reasoning_summary_part.*`` events."""

    _KEYS = (*_SUMMARY_KEYS, ("part", _OBJ))
    item_id: str
    output_index: int
    summary_index: int
    part: Mapping[str, Any]
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReasoningSummaryPartAdded(_SummaryPartEvent):
    """``response.reasoning_summary_part.added``: summary part ``summary_index`` begins."""

    type: ClassVar[str] = "response.reasoning_summary_part.added"


@dataclass(frozen=True, slots=True)
class ReasoningSummaryPartDone(_SummaryPartEvent):
    """``response.reasoning_summary_part.done``: a reasoning summary part is final."""

    type: ClassVar[str] = "response.reasoning_summary_part.done"


@dataclass(frozen=True, slots=True)
class ReasoningSummaryTextDelta(_Base):
    """``response.reasoning_summary_text.delta``: the next piece of a reasoning summary."""

    type: ClassVar[str] = "response.reasoning_summary_text.delta"
    _KEYS = (*_SUMMARY_KEYS, ("delta", _STR))
    item_id: str
    output_index: int
    summary_index: int
    delta: str
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReasoningSummaryTextDone(_Base):
    """``response.reasoning_summary_text.done``: the whole ``text`` of a summary part."""

    type: ClassVar[str] = "response.reasoning_summary_text.done"
    _KEYS = (*_SUMMARY_KEYS, ("text", _STR))
    item_id: str
    output_index: int
    summary_index: int
    text: str
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ErrorEvent(_Base):
    """``error``: the server failed mid-stream; ``code``, ``message``, ``param`` as sent.

    The readers raise :class:`~sse_codec.StreamError` for it.
    """

    type: ClassVar[str] = "error"
    _KEYS = (("code", _OPT_STR), ("message", _OPT_STR), ("param", _OPT_STR))
    code: str | None = None
    message: str | None = None
    param: str | None = None
    sequence_number: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UnknownEvent(UnknownTypedEvent):
    """An event of a type this version does not model; all but ``type`` is in ``extra``.

    (The ``sequence_number`` of an unknown event stays in ``extra`` too.)
    """


ResponseEvent: TypeAlias = (
    ResponseCreated
    | ResponseQueued
    | ResponseInProgress
    | ResponseCompleted
    | ResponseIncomplete
    | ResponseFailed
    | OutputItemAdded
    | OutputItemDone
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
    | ReasoningSummaryTextDone
    | ErrorEvent
    | UnknownEvent
)

_KNOWN: dict[str, Any] = {
    cls.type: cls
    for cls in (
        ResponseCreated,
        ResponseQueued,
        ResponseInProgress,
        ResponseCompleted,
        ResponseIncomplete,
        ResponseFailed,
        OutputItemAdded,
        OutputItemDone,
        ContentPartAdded,
        ContentPartDone,
        OutputTextDelta,
        OutputTextDone,
        RefusalDelta,
        RefusalDone,
        FunctionCallArgumentsDelta,
        FunctionCallArgumentsDone,
        ReasoningSummaryPartAdded,
        ReasoningSummaryPartDone,
        ReasoningSummaryTextDelta,
        ReasoningSummaryTextDone,
        ErrorEvent,
    )
}


def _plain(cls: Any, obj: dict[str, Any]) -> ResponseEvent | None:
    """The event when ``obj`` has exactly ``cls``'s keys (``sequence_number`` may be
    there too), each of its JSON type; else ``None`` and the general path decides.

    Most events of a stream are text deltas of this plain shape; reading them
    here skips the general readers, which copy the object twice.
    """
    keys = cls._KEYS
    sequence_number = obj.get("sequence_number")
    if len(obj) != len(keys) + 1 + ("sequence_number" in obj):
        return None
    if sequence_number is not None and type(sequence_number) is not int:
        return None
    args = []
    for name, kind in keys:
        value = obj.get(name)
        if kind is _STR:
            ok = type(value) is str
        elif kind is _INT:
            ok = type(value) is int
        elif kind is _OPT_STR:
            ok = value is None or type(value) is str
        else:
            ok = type(value) is dict
        if not ok:
            return None
        args.append(value)
    event: ResponseEvent = cls(*args, sequence_number=sequence_number, extra={})
    return event


def build_event(obj: dict[str, Any], fallback_type: str | None) -> ResponseEvent:
    """The typed event of a JSON object; ``fallback_type`` names it when it has no
    ``"type"``.  Raises ``ShapeError`` (internal) on a wrong shape."""
    kind = obj.get("type")
    if type(kind) is str:
        known = _KNOWN.get(kind)
        if known is not None:
            fast = _plain(known, obj)
            if fast is not None:
                return fast
    f = Fields(obj, "event")
    event_type = f.event_type(fallback_type)
    cls = _KNOWN.get(event_type)
    if cls is None:
        return UnknownEvent(event_type, f.rest())
    f = Fields(f.rest(), event_type)
    args = [getattr(f, kind)(name) for name, kind in cls._KEYS]
    sequence_number = f.opt_integer("sequence_number")
    event: ResponseEvent = cls(*args, sequence_number=sequence_number, extra=f.rest())
    return event


def parse_event(sse: ServerSentEvent, *, json_loads: JsonLoads = json.loads) -> ResponseEvent:
    """Parse one server-sent event of an OpenAI Responses stream.

    The JSON's ``"type"`` names the event (the SSE ``event:`` name only when the
    JSON has none).  Unknown types give :class:`UnknownEvent`; unknown keys land
    in ``extra``.  ``json_loads`` may be any ``str -> object`` parser.

    Raises :class:`~sse_codec.PayloadError` when the data is not a JSON object or
    a known event lacks a required key or has one of the wrong JSON type.  An
    ``error`` or ``response.failed`` event is returned, not raised: the readers
    raise it.
    """
    return parse_typed(sse, json_loads, _PROTOCOL, build_event)


def event_from_dict(obj: Mapping[str, Any]) -> ResponseEvent:
    """Build the typed event for an already parsed JSON object (it must have ``"type"``).

    ``to_dict()`` of the result equals ``obj``.  Raises
    :class:`~sse_codec.PayloadError` like :func:`parse_event`.
    """
    return event_from_json(obj, _PROTOCOL, build_event)
