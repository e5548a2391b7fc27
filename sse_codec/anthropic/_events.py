"""The typed events of an Anthropic Messages stream, and parsing them.

One class per event type.  A parsed event keeps its data text (``raw_data``) and
its JSON, so ``to_dict()`` returns exactly what was received and
:func:`encode_event` can write the received bytes back.
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
from ._content import (
    ContentBlock,
    Delta,
    InputJSONDelta,
    Message,
    TextDelta,
    ThinkingDelta,
    parse_block,
    parse_delta,
    parse_message,
)

__all__ = [
    "AnthropicEvent",
    "ContentBlockDelta",
    "ContentBlockStart",
    "ContentBlockStop",
    "ErrorEvent",
    "MessageDelta",
    "MessageStart",
    "MessageStop",
    "Ping",
    "UnknownEvent",
    "build_event",
    "event_from_dict",
    "parse_event",
]

_PROTOCOL = "Anthropic"


@dataclass(frozen=True, slots=True)
class MessageStart(TypedEvent):
    """``message_start``: the message shell (id, model, empty content, initial usage)."""

    type: ClassVar[str] = "message_start"
    message: Message
    extra: Mapping[str, Any] = field(default_factory=dict)

    def _fields_dict(self) -> dict[str, Any]:
        return with_extra({"type": self.type, "message": self.message.to_dict()}, self.extra)


@dataclass(frozen=True, slots=True)
class ContentBlockStart(TypedEvent):
    """``content_block_start``: block number ``index`` begins with ``content_block``."""

    type: ClassVar[str] = "content_block_start"
    index: int
    content_block: ContentBlock
    extra: Mapping[str, Any] = field(default_factory=dict)

    def _fields_dict(self) -> dict[str, Any]:
        known = {"type": self.type, "index": self.index}
        known["content_block"] = self.content_block.to_dict()
        return with_extra(known, self.extra)


@dataclass(frozen=True, slots=True)
class ContentBlockDelta(TypedEvent):
    """``content_block_delta``: the next ``delta`` of block number ``index``."""

    type: ClassVar[str] = "content_block_delta"
    index: int
    delta: Delta
    extra: Mapping[str, Any] = field(default_factory=dict)

    def _fields_dict(self) -> dict[str, Any]:
        known = {"type": self.type, "index": self.index}
        known["delta"] = self.delta.to_dict()
        return with_extra(known, self.extra)


@dataclass(frozen=True, slots=True)
class ContentBlockStop(TypedEvent):
    """``content_block_stop``: block number ``index`` is complete."""

    type: ClassVar[str] = "content_block_stop"
    index: int
    extra: Mapping[str, Any] = field(default_factory=dict)

    def _fields_dict(self) -> dict[str, Any]:
        return with_extra({"type": self.type, "index": self.index}, self.extra)


@dataclass(frozen=True, slots=True)
class MessageDelta(TypedEvent):
    """``message_delta``: top-level changes, sent once near the end.

    ``stop_reason`` and ``stop_sequence`` come from the event's ``delta`` object
    (other keys of that object are in ``delta_extra``); ``usage`` is the event's
    cumulative usage object (``None`` when absent), which updates the usage of
    ``message_start``.
    """

    type: ClassVar[str] = "message_delta"
    stop_reason: str | None = None
    stop_sequence: str | None = None
    usage: Mapping[str, Any] | None = None
    delta_extra: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def _fields_dict(self) -> dict[str, Any]:
        delta = {"stop_reason": self.stop_reason, "stop_sequence": self.stop_sequence}
        known: dict[str, Any] = {"type": self.type, "delta": with_extra(delta, self.delta_extra)}
        if self.usage is not None:
            known["usage"] = copy_json(dict(self.usage))
        return with_extra(known, self.extra)


@dataclass(frozen=True, slots=True)
class MessageStop(TypedEvent):
    """``message_stop``: the end marker of a complete stream."""

    type: ClassVar[str] = "message_stop"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def _fields_dict(self) -> dict[str, Any]:
        return with_extra({"type": self.type}, self.extra)


@dataclass(frozen=True, slots=True)
class Ping(TypedEvent):
    """``ping``: a keep-alive; carries nothing."""

    type: ClassVar[str] = "ping"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def _fields_dict(self) -> dict[str, Any]:
        return with_extra({"type": self.type}, self.extra)


@dataclass(frozen=True, slots=True)
class ErrorEvent(TypedEvent):
    """``error``: the server failed after the stream began (``overloaded_error``…).

    ``error`` is the error object, e.g. ``{"type": "overloaded_error", "message": …}``.
    The readers raise :class:`~sse_codec.StreamError` for it.
    """

    type: ClassVar[str] = "error"
    error: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)

    def _fields_dict(self) -> dict[str, Any]:
        return with_extra({"type": self.type, "error": copy_json(dict(self.error))}, self.extra)

    @property
    def error_type(self) -> str | None:
        """The error's ``type`` (``"overloaded_error"``…), or ``None`` when absent."""
        value = self.error.get("type")
        return value if isinstance(value, str) else None

    @property
    def message(self) -> str:
        """The error's human-readable ``message`` (``""`` when absent)."""
        value = self.error.get("message")
        return value if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class UnknownEvent(UnknownTypedEvent):
    """An event of a type this version does not model; all but ``type`` is in ``extra``."""


AnthropicEvent: TypeAlias = (
    MessageStart
    | ContentBlockStart
    | ContentBlockDelta
    | ContentBlockStop
    | MessageDelta
    | MessageStop
    | Ping
    | ErrorEvent
    | UnknownEvent
)


_SIMPLE_DELTAS: dict[Any, tuple[str, Any]] = {
    "text_delta": ("text", TextDelta),
    "thinking_delta": ("thinking", ThinkingDelta),
    "input_json_delta": ("partial_json", InputJSONDelta),
}


def _setter(cls: type, name: str) -> Any:
    # The slot's own setter: it skips the frozen dataclass's __setattr__ and its
    # __init__ (about half the cost of an event that is only a text fragment).
    return cls.__dict__[name].__set__


_NEW = object.__new__
_SET_INDEX = _setter(ContentBlockDelta, "index")
_SET_DELTA = _setter(ContentBlockDelta, "delta")
_SET_EXTRA = _setter(ContentBlockDelta, "extra")
_SIMPLE_SETTERS: dict[type, tuple[Any, Any]] = {
    cls: (_setter(cls, field_name), _setter(cls, "extra"))
    for field_name, cls in _SIMPLE_DELTAS.values()
}


def _simple_delta(obj: dict[str, Any]) -> ContentBlockDelta | None:
    # Nearly every event of a stream is exactly {"type", "index", "delta": {"type",
    # one string}}; building it directly skips the general readers and the
    # dataclass __init__s.  Anything else returns None and takes the general
    # path, which gives an equal event.
    index = obj.get("index")
    delta = obj.get("delta")
    if len(obj) != 3 or type(index) is not int or type(delta) is not dict or len(delta) != 2:
        return None
    kind = delta.get("type")
    # Only a string may be looked up: a peer's object or array there is unhashable.
    known = _SIMPLE_DELTAS.get(kind) if type(kind) is str else None
    if known is None:
        return None
    value = delta.get(known[0])
    if type(value) is not str:
        return None
    cls = known[1]
    set_value, set_extra = _SIMPLE_SETTERS[cls]
    piece = _NEW(cls)
    set_value(piece, value)
    set_extra(piece, {})
    event = _NEW(ContentBlockDelta)
    _SET_INDEX(event, index)
    _SET_DELTA(event, piece)
    _SET_EXTRA(event, {})
    return event


def build_event(obj: dict[str, Any], fallback_type: str | None) -> AnthropicEvent:
    """The typed event of a JSON object; ``fallback_type`` names it when it has no
    ``"type"``.  Raises ``ShapeError`` (internal) on a wrong shape."""
    if obj.get("type") == "content_block_delta":
        fast = _simple_delta(obj)
        if fast is not None:
            return fast
    f = Fields(obj, "event")
    event_type = f.event_type(fallback_type)
    where = event_type
    if event_type == "message_start":
        return MessageStart(parse_message(f.obj("message"), f"{where}.message"), f.rest())
    if event_type == "content_block_start":
        index = f.integer("index")
        block = parse_block(f.obj("content_block"), f"{where}.content_block")
        return ContentBlockStart(index, block, f.rest())
    if event_type == "content_block_delta":
        index = f.integer("index")
        return ContentBlockDelta(index, parse_delta(f.obj("delta"), f"{where}.delta"), f.rest())
    if event_type == "content_block_stop":
        return ContentBlockStop(f.integer("index"), f.rest())
    if event_type == "message_delta":
        d = Fields(f.obj("delta"), f"{where}.delta")
        stop_reason = d.opt_string("stop_reason")
        stop_sequence = d.opt_string("stop_sequence")
        usage = f.opt_obj("usage")
        return MessageDelta(stop_reason, stop_sequence, usage, d.rest(), f.rest())
    if event_type == "message_stop":
        return MessageStop(f.rest())
    if event_type == "ping":
        return Ping(f.rest())
    if event_type == "error":
        return ErrorEvent(f.obj("error"), f.rest())
    return UnknownEvent(event_type, f.rest())


def parse_event(sse: ServerSentEvent, *, json_loads: JsonLoads = json.loads) -> AnthropicEvent:
    """Parse one server-sent event of an Anthropic Messages stream.

    The JSON's ``"type"`` names the event; when the JSON has no ``"type"``, the
    SSE ``event:`` name is used (unless it is the default ``"message"``).  Unknown
    types give :class:`UnknownEvent`, unknown keys land in ``extra``.  The result
    keeps ``sse.data`` as ``raw_data``.  ``json_loads`` may be any ``str -> object``
    parser (``orjson.loads``…).

    Raises :class:`~sse_codec.PayloadError` when the data is not a JSON object, or a
    known event lacks a key the protocol requires or has one of the wrong JSON type.
    An ``error`` event is returned, not raised: the readers raise it.
    """
    return parse_typed(sse, json_loads, _PROTOCOL, build_event)


def event_from_dict(obj: Mapping[str, Any]) -> AnthropicEvent:
    """Build the typed event for a JSON object already parsed (it must have ``"type"``).

    ``to_dict()`` of the result equals ``obj``.  Raises
    :class:`~sse_codec.PayloadError` like :func:`parse_event`.
    """
    return event_from_json(obj, _PROTOCOL, build_event)
