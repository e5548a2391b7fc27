"""Machinery shared by the typed named-event layers (Anthropic Messages, OpenAI Responses).

Both protocols send one JSON object per event, named by its ``"type"``.  This
module holds what their typed layers have in common: the event base class that
keeps the received JSON (so ``to_dict()`` gives it back exactly and the encoder can
re-emit the received bytes), strict field readers that turn a wrong shape into
:class:`~sse_codec.PayloadError`, the parsing around each protocol's ``build_event``
(:func:`parse_typed`, :func:`event_from_json`, :func:`read_typed`), and compact JSON writing
that turns what JSON cannot carry into :class:`~sse_codec.SSEEncodeError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ._encoder import encode
from ._errors import PayloadError, SSEEncodeError, StreamError
from ._event import ServerSentEvent

__all__ = [
    "Fields",
    "JsonDumps",
    "JsonLoads",
    "ShapeError",
    "TypedEvent",
    "UnknownTypedEvent",
    "build_read",
    "copy_json",
    "describe_error",
    "dumps_compact",
    "encode_typed",
    "event_from_json",
    "load_read",
    "merge_counts",
    "parse_typed",
    "read_typed",
    "with_extra",
]

_T = TypeVar("_T")
_E = TypeVar("_E", bound="TypedEvent")
JsonLoads = Callable[[str], Any]
JsonDumps = Callable[[Any], str]


def copy_json(value: Any) -> Any:
    """Return a copy of a JSON value whose dicts and lists are all new objects.

    Iterative, not recursive: a peer may nest arrays as deep as the JSON parser
    allows (a 1 KB payload of 500 ``[``), and a recursive copy would raise
    ``RecursionError`` where the parser did not.  Never raises.
    """
    if not isinstance(value, dict | list):
        return value
    root: Any = {} if isinstance(value, dict) else []
    # Each entry: a source container and the new container its copy goes into.
    todo: list[tuple[Any, Any]] = [(value, root)]
    while todo:
        source, target = todo.pop()
        if isinstance(source, dict):
            for key, item in source.items():
                if isinstance(item, dict | list):
                    new: Any = {} if isinstance(item, dict) else []
                    todo.append((item, new))
                    item = new
                target[key] = item
        else:
            for item in source:
                if isinstance(item, dict | list):
                    new = {} if isinstance(item, dict) else []
                    todo.append((item, new))
                    item = new
                target.append(item)
    return root


def with_extra(known: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """Append copies of ``extra``'s keys to ``known`` and return it.

    A key of ``extra`` that names a modelled field is skipped: the field wins.
    (Parsing never puts such a key in ``extra``; only hand-built values can.)
    """
    for key, value in extra.items():
        if key not in known:
            known[key] = copy_json(value)
    return known


def merge_counts(target: dict[str, Any], update: Mapping[str, Any]) -> None:
    """Update ``target`` with ``update``, except that a ``null`` never erases a value.

    Anthropic's ``message_delta`` usage is cumulative and may send ``null`` for a
    count it does not report again; that must not erase ``message_start``'s count.
    """
    for key, value in update.items():
        if value is not None or key not in target:
            target[key] = value


@dataclass(frozen=True, slots=True)
class TypedEvent:
    """Base of the typed events: keeps what the event was parsed from.

    ``raw_data`` is the exact data text of the server-sent event this object was
    parsed from (``None`` for an event built in code).  It is not an ``__init__``
    argument, so ``dataclasses.replace`` drops it, together with the received JSON:
    a changed event is never written with its old text.
    """

    raw_data: str | None = field(default=None, init=False, compare=False, repr=False)
    _source: dict[str, Any] | None = field(default=None, init=False, compare=False, repr=False)

    def _fields_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Return the event as a JSON object (a new dict each call).

        For a parsed event this is exactly the JSON received, unknown keys, key
        order and ``null`` versus absent included.  For an event built in code it
        is built from the fields, with every protocol key written.
        """
        if self._source is not None:
            result: dict[str, Any] = copy_json(self._source)
            return result
        return self._fields_dict()


@dataclass(frozen=True, slots=True)
class UnknownTypedEvent(TypedEvent):
    """Base of each protocol's ``UnknownEvent``: a type the layer does not model.

    ``type`` is the event's type; every other key is kept in ``extra``.
    """

    type: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    def _fields_dict(self) -> dict[str, Any]:
        return with_extra({"type": self.type}, self.extra)


class ShapeError(ValueError):
    """Internal: a JSON object lacks a key the protocol requires, or has the wrong type."""


class Fields:
    """Reads the known keys of a JSON object; what is left over is ``rest()``.

    Every accessor raises :class:`ShapeError` naming ``where`` and the key when a
    required key is missing or a value has the wrong JSON type.
    """

    __slots__ = ("_rest", "_where")

    def __init__(self, obj: Mapping[str, Any], where: str) -> None:
        self._rest = dict(obj)
        self._where = where

    def _fail(self, key: str, want: str, value: object = ...) -> ShapeError:
        if value is ...:
            return ShapeError(f"{self._where}: missing required key {key!r} ({want})")
        return ShapeError(
            f"{self._where}: {key!r} must be {want}, not {type(value).__name__} {value!r:.80}"
        )

    def _pop(self, key: str, want: str) -> Any:
        if key not in self._rest:
            raise self._fail(key, want)
        return self._rest.pop(key)

    def string(self, key: str) -> str:
        value = self._pop(key, "a string")
        if not isinstance(value, str):
            raise self._fail(key, "a string", value)
        return value

    def opt_string(self, key: str) -> str | None:
        """A string, ``null`` or absent (both ``None``)."""
        value = self._rest.pop(key, None)
        if value is not None and not isinstance(value, str):
            raise self._fail(key, "a string or null", value)
        return value

    def integer(self, key: str) -> int:
        value = self._pop(key, "an integer")
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._fail(key, "an integer", value)
        return value

    def opt_integer(self, key: str) -> int | None:
        """An integer, ``null`` or absent (both ``None``)."""
        value = self._rest.pop(key, None)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise self._fail(key, "an integer or null", value)
        return value

    def obj(self, key: str) -> dict[str, Any]:
        value = self._pop(key, "an object")
        if not isinstance(value, dict):
            raise self._fail(key, "an object", value)
        return value

    def opt_obj(self, key: str) -> dict[str, Any] | None:
        """An object, ``null`` or absent (both ``None``)."""
        value = self._rest.pop(key, None)
        if value is not None and not isinstance(value, dict):
            raise self._fail(key, "an object or null", value)
        return value

    def array(self, key: str) -> list[Any]:
        value = self._pop(key, "an array")
        if not isinstance(value, list):
            raise self._fail(key, "an array", value)
        return value

    def event_type(self, fallback: str | None) -> str:
        """The ``"type"`` string; ``fallback`` (the SSE event name) only when the key
        is absent, because the JSON's own type wins."""
        if fallback is not None and "type" not in self._rest:
            return fallback
        return self.string("type")

    def rest(self) -> dict[str, Any]:
        """The keys no accessor has read, in their received order."""
        return self._rest


#: A protocol's event builder: a JSON object and the SSE event name to fall back on
#: for its type in, the typed event out; raises :class:`ShapeError`.
Build = Callable[[dict[str, Any], str | None], _E]


# The slots' own setters (TypedEvent is frozen): cheaper than object.__setattr__.
_SET_RAW_DATA = TypedEvent.__dict__["raw_data"].__set__
_SET_SOURCE = TypedEvent.__dict__["_source"].__set__


def _attach_source(event: TypedEvent, raw: str | None, obj: dict[str, Any]) -> None:
    _SET_RAW_DATA(event, raw)
    _SET_SOURCE(event, obj)


def parse_typed(sse: ServerSentEvent, json_loads: JsonLoads, protocol: str, build: Build[_E]) -> _E:
    """The body of each protocol's ``parse_event``: ``sse``'s data in, its typed event out.

    The SSE name stands in for a missing ``"type"`` unless it is the default
    ``"message"``.  The result keeps ``sse.data`` and the JSON.  Raises
    :class:`~sse_codec.PayloadError` when the data is not a JSON object or
    ``build`` finds a wrong shape.
    """
    return _build(sse, _load_object(sse, json_loads, protocol), protocol, build)


def _build(sse: ServerSentEvent, obj: dict[str, Any], protocol: str, build: Build[_E]) -> _E:
    fallback = None if sse.event == "message" else sse.event
    try:
        event = build(obj, fallback)
    except ShapeError as exc:
        raise _shape_error_to_payload(exc, protocol, sse, obj) from None
    _attach_source(event, sse.data, obj)
    return event


def event_from_json(obj: Mapping[str, Any], protocol: str, build: Build[_E]) -> _E:
    """The body of each protocol's ``event_from_dict``: a parsed JSON object in.

    The result keeps a copy of ``obj``.  Raises :class:`~sse_codec.PayloadError`
    when ``obj`` is not a mapping or ``build`` finds a wrong shape.
    """
    if not isinstance(obj, Mapping):
        raise PayloadError(
            f"{protocol}: an event must be a JSON object, not {type(obj).__name__}",
            data=repr(obj),
        )
    source = copy_json(dict(obj))
    try:
        event = build(source, None)
    except ShapeError as exc:
        raise _shape_error_to_payload(exc, protocol, None, source) from None
    _attach_source(event, None, source)
    return event


def _load_object(sse: ServerSentEvent, json_loads: JsonLoads, protocol: str) -> dict[str, Any]:
    """Parse an event's data as a JSON object.

    Raises :class:`~sse_codec.PayloadError` (parser error as ``__cause__``) when the
    data is not JSON or not a JSON object.
    """
    try:
        obj = json_loads(sse.data)
    except Exception as exc:
        # Any parser (json, orjson, msgspec) may be plugged in; each has its own
        # exception type, and all of them mean the same thing here.
        raise PayloadError(
            f"{protocol} event {sse.event!r}: data is not valid JSON ({exc})",
            data=sse.data,
            event=sse,
        ) from exc
    if not isinstance(obj, dict):
        raise PayloadError(
            f"{protocol} event {sse.event!r}: data must be a JSON object, not {type(obj).__name__}",
            data=sse.data,
            event=sse,
        )
    return obj


def describe_error(payload: Any) -> str:
    """A short text for an error payload: its ``message`` when it is an object with a
    string one (``code``/``type`` in front when present), else its JSON, cut at 300
    characters.  Never raises."""
    if isinstance(payload, dict):
        message = payload.get("message")
        if isinstance(message, str) and message:
            kind = payload.get("code") or payload.get("type")
            return f"{kind}: {message}" if isinstance(kind, str) and kind else message
    if isinstance(payload, str):
        text = payload
    else:
        try:
            text = dumps_compact(payload, None, check=False)
        except SSEEncodeError:
            text = type(payload).__name__
    return text if len(text) <= 300 else text[:300] + "..."


def read_typed(
    sse: ServerSentEvent,
    json_loads: JsonLoads,
    protocol: str,
    build: Build[_E],
    error: type[StreamError] = StreamError,
) -> _E:
    """:func:`parse_typed` for the readers, which also see errors that are not events.

    A server in trouble may send ``event: error`` with plain text or an odd JSON
    shape, and a proxy in front of it a bare ``data: {"error": {...}}`` with no
    ``"type"``: both raise ``error`` (the protocol's
    :class:`~sse_codec.StreamError`; ``payload`` the ``"error"`` value, else the
    parsed JSON, else the raw text), never a :class:`~sse_codec.PayloadError`.
    """
    return build_read(sse, load_read(sse, json_loads, protocol, error), protocol, build, error)


def load_read(
    sse: ServerSentEvent, json_loads: JsonLoads, protocol: str, error: type[StreamError]
) -> dict[str, Any]:
    """The first half of :func:`read_typed`: ``sse``'s data as a JSON object.

    Raises :class:`~sse_codec.PayloadError` like :func:`parse_typed`, except that
    data of an ``event: error`` raises ``error`` (see :func:`read_typed`).
    """
    try:
        return _load_object(sse, json_loads, protocol)
    except PayloadError as exc:
        if sse.event != "error":
            raise
        raise _unparsed_error_event(sse, json_loads, protocol, error) from exc


def build_read(
    sse: ServerSentEvent,
    obj: dict[str, Any],
    protocol: str,
    build: Build[_E],
    error: type[StreamError],
) -> _E:
    """The second half of :func:`read_typed`: the typed event of ``obj``, the JSON
    object :func:`load_read` gave for ``sse``."""
    if "type" not in obj and sse.event == "message" and obj.get("error") is not None:
        raise _bare_error(sse, obj, protocol, error)
    try:
        return _build(sse, obj, protocol, build)
    except PayloadError as exc:
        if sse.event != "error":
            raise
        raise _misshapen_error_event(sse, obj, protocol, error) from exc


def _unparsed_error_event(
    sse: ServerSentEvent, json_loads: JsonLoads, protocol: str, error: type[StreamError]
) -> StreamError:
    # An ``event: error`` whose data is not a JSON object: its JSON, else its text.
    try:
        payload: Any = json_loads(sse.data)
    except Exception:
        payload = sse.data
    return error(
        f"{protocol} stream sent an error event: {describe_error(payload)}",
        payload=payload,
        event=sse,
    )


def _bare_error(
    sse: ServerSentEvent, obj: dict[str, Any], protocol: str, error: type[StreamError]
) -> StreamError:
    # A proxy's {"error": ...} without "type": the payload is the "error" value.
    payload = obj["error"]
    return error(
        f"{protocol} stream sent an error: {describe_error(payload)}",
        payload=payload,
        event=sse,
    )


def _misshapen_error_event(
    sse: ServerSentEvent, obj: dict[str, Any], protocol: str, error: type[StreamError]
) -> StreamError:
    # An ``event: error`` whose JSON is not a well-formed error event: all of it.
    return error(
        f"{protocol} stream sent an error event: {describe_error(obj.get('error', obj))}",
        payload=obj,
        event=sse,
    )


def _shape_error_to_payload(
    exc: ShapeError, protocol: str, sse: ServerSentEvent | None, obj: Mapping[str, Any]
) -> PayloadError:
    if sse is not None:
        data = sse.data
    else:
        try:
            data = dumps_compact(obj, None, check=False)
        except SSEEncodeError:
            data = repr(obj)
    return PayloadError(f"{protocol}: {exc}", data=data, event=sse)


def dumps_compact(obj: Any, json_dumps: JsonDumps | None, *, check: bool = True) -> str:
    """Serialise ``obj`` as compact JSON (no spaces, non-ASCII kept as is).

    Raises :class:`~sse_codec.SSEEncodeError` (field ``"data"``) for values JSON
    cannot carry: NaN or infinity, non-string keys, objects of other types.
    """
    try:
        if json_dumps is not None:
            return json_dumps(obj)
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=not check)
    except (TypeError, ValueError) as exc:
        raise SSEEncodeError("data", f"not representable as JSON: {exc}") from exc
    except RecursionError as exc:
        # A value nested deeper than the serializer can walk (a parser may accept
        # more depth than json.dumps writes at the current stack depth).
        raise SSEEncodeError("data", "not representable as JSON: nested too deeply") from exc


def encode_typed(event: TypedEvent, event_type: str, json_dumps: JsonDumps | None) -> bytes:
    """Write ``event: <type>`` and ``data: <json>`` lines and the blank line.

    A parsed event is written with the data text it arrived with, so a received
    stream is re-emitted byte for byte; an event built in code is written as
    compact JSON.  Raises :class:`~sse_codec.SSEEncodeError` for a type the
    ``event:`` line cannot carry or a value JSON cannot carry.
    """
    data = event.raw_data
    if data is None:
        data = dumps_compact(event.to_dict(), json_dumps)
    return encode(data, event=event_type)
