"""JSON objects to chunk value types: tolerant of absence and nulls, strict about types.

A key that is missing or ``null`` is fine everywhere.  A known key whose value
has the wrong JSON type (``"choices": "x"``, ``"index": "0"``) is not guessed
at: it raises :class:`~sse_codec.PayloadError` naming the path.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .._errors import PayloadError
from .._event import ServerSentEvent
from .._jsonevent import copy_json
from ._types import ChatCompletionChunk, view

__all__ = ["JSONLoads", "chunk_from_dict", "chunk_view", "load_json", "parse_chunk"]

#: A JSON parser: text in, Python value out (``json.loads``, ``orjson.loads``...).
JSONLoads = Callable[[str], Any]


class _Invalid(Exception):
    """A known key holds a value of the wrong JSON type.

    The path is built on the way out (each level prepends its key), so the
    common, valid case never formats a path string.
    """

    def __init__(self, key: str | int, want: str, value: Any) -> None:
        super().__init__(key, want, value)
        self.path: list[str | int] = [key]
        self.want = want
        self.value = value

    def within(self, key: str | int) -> _Invalid:
        self.path.insert(0, key)
        return self

    def message(self) -> str:
        where = "".join(f"[{k}]" if type(k) is int else f".{k}" for k in self.path)
        return f"{where.lstrip('.')} must be {self.want} or null, not {_type_name(self.value)}"


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


_STR_OK: frozenset[type] = frozenset((str, type(None)))
_INT_OK: frozenset[type] = frozenset((int, type(None)))


def _check(keys: tuple[str, ...], values: tuple[Any, ...], ok: frozenset[type]) -> None:
    # One C-level pass for the common case; the loop only runs to name the culprit.
    if not set(map(type, values)) <= ok:
        want = "a string" if ok is _STR_OK else "an integer"
        for key, value in zip(keys, values, strict=True):
            if type(value) not in ok:
                raise _Invalid(key, want, value)


def _sub(obj: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None or type(value) is dict:
        return value
    raise _Invalid(key, "an object", value)


# The checks below walk a chunk's JSON object once and allocate nothing when it is
# valid; the typed objects are then views over it (``_types.view``), built when read.

_FUNCTION_STRS = ("name", "arguments")
_TOOL_CALL_STRS = ("id", "type")
_DELTA_STRS = ("role", "reasoning_content", "reasoning", "refusal")
_USAGE_INTS = ("prompt_tokens", "completion_tokens", "total_tokens")
_PROMPT_DETAILS_INTS = ("cached_tokens", "audio_tokens")
_COMPLETION_DETAILS_INTS = (
    "reasoning_tokens",
    "audio_tokens",
    "accepted_prediction_tokens",
    "rejected_prediction_tokens",
)
_CHUNK_STRS = ("id", "object", "model", "service_tier", "system_fingerprint")


def _check_function(obj: dict[str, Any]) -> None:
    _check(_FUNCTION_STRS, (obj.get("name"), obj.get("arguments")), _STR_OK)


def _check_tool_call(obj: Any) -> None:
    if type(obj) is not dict:
        raise _Invalid("", "an object", obj)
    get = obj.get
    _check(_TOOL_CALL_STRS, (get("id"), get("type")), _STR_OK)
    index = get("index")
    if index is not None and type(index) is not int:
        raise _Invalid("index", "an integer", index)
    function = _sub(obj, "function")
    if function is not None:
        try:
            _check_function(function)
        except _Invalid as exc:
            raise exc.within("function") from None


def _check_items(items: list[Any], check: Callable[[Any], None]) -> None:
    for i, item in enumerate(items):
        try:
            check(item)
        except _Invalid as exc:
            if exc.path == [""]:
                exc.path = []
            raise exc.within(i) from None


def _check_delta(obj: dict[str, Any]) -> None:
    get = obj.get
    values = get("role"), get("reasoning_content"), get("reasoning"), get("refusal")
    _check(_DELTA_STRS, values, _STR_OK)
    content = get("content")
    if content is not None and type(content) is not str and type(content) is not list:
        raise _Invalid("content", "a string, an array", content)
    function_call = _sub(obj, "function_call")
    if function_call is not None:
        try:
            _check_function(function_call)
        except _Invalid as exc:
            raise exc.within("function_call") from None
    tool_calls = get("tool_calls")
    if tool_calls is not None:
        if type(tool_calls) is not list:
            raise _Invalid("tool_calls", "an array", tool_calls)
        try:
            _check_items(tool_calls, _check_tool_call)
        except _Invalid as exc:
            raise exc.within("tool_calls") from None


def _check_choice(obj: Any) -> None:
    if type(obj) is not dict:
        raise _Invalid("", "an object", obj)
    get = obj.get
    index = get("index")
    if index is not None and type(index) is not int:
        raise _Invalid("index", "an integer", index)
    finish_reason = get("finish_reason")
    if finish_reason is not None and type(finish_reason) is not str:
        raise _Invalid("finish_reason", "a string", finish_reason)
    delta = _sub(obj, "delta")
    if delta is not None:
        try:
            _check_delta(delta)
        except _Invalid as exc:
            raise exc.within("delta") from None


def _check_details(obj: dict[str, Any], key: str, ints: tuple[str, ...]) -> None:
    sub = _sub(obj, key)
    if sub is not None:
        try:
            _check(ints, tuple(map(sub.get, ints)), _INT_OK)
        except _Invalid as exc:
            raise exc.within(key) from None


def _check_usage(obj: dict[str, Any]) -> None:
    _check(_USAGE_INTS, tuple(map(obj.get, _USAGE_INTS)), _INT_OK)
    _check_details(obj, "prompt_tokens_details", _PROMPT_DETAILS_INTS)
    _check_details(obj, "completion_tokens_details", _COMPLETION_DETAILS_INTS)


def _check_chunk(obj: dict[str, Any]) -> None:
    get = obj.get
    values = get("id"), get("object"), get("model"), get("service_tier"), get("system_fingerprint")
    _check(_CHUNK_STRS, values, _STR_OK)
    created = get("created")
    if created is not None and type(created) is not int:
        raise _Invalid("created", "an integer", created)
    choices = get("choices")
    if choices is not None:
        if type(choices) is not list:
            raise _Invalid("choices", "an array", choices)
        try:
            _check_items(choices, _check_choice)
        except _Invalid as exc:
            raise exc.within("choices") from None
    usage = _sub(obj, "usage")
    if usage is not None:
        try:
            _check_usage(usage)
        except _Invalid as exc:
            raise exc.within("usage") from None


def _dump(obj: Any) -> str:
    try:
        return json.dumps(obj, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return f"<a JSON {_type_name(obj)} that cannot be shown>"


_DELTA_SIMPLE = frozenset(("role", "content", "refusal", "reasoning", "reasoning_content"))


def _plainly_valid(obj: dict[str, Any]) -> bool:
    """True for the common chunk shape when every known key has the right type.

    Most of a stream is text fragments: one choice whose delta holds only strings.
    This walks that shape with no function call per level; anything else (tool
    calls, usage, a wrong type) returns False, and ``_check_chunk`` decides and
    names the path.  It never returns True for a chunk ``_check_chunk`` rejects.
    """
    get = obj.get
    if (
        type(get("id")) not in _STR_OK
        or type(get("object")) not in _STR_OK
        or type(get("model")) not in _STR_OK
        or type(get("service_tier")) not in _STR_OK
        or type(get("system_fingerprint")) not in _STR_OK
        or type(get("created")) not in _INT_OK
        or get("usage") is not None
    ):
        return False
    choices = get("choices")
    if choices is None:
        return True
    if type(choices) is not list:
        return False
    for choice in choices:
        if type(choice) is not dict:
            return False
        cget = choice.get
        if type(cget("index")) not in _INT_OK or type(cget("finish_reason")) not in _STR_OK:
            return False
        delta = cget("delta")
        if delta is None:
            continue
        if type(delta) is not dict or not delta.keys() <= _DELTA_SIMPLE:
            return False
        for value in delta.values():
            if type(value) not in _STR_OK:
                return False
    return True


def chunk_view(
    obj: Any, *, data: str | None = None, event: ServerSentEvent | None = None
) -> ChatCompletionChunk:
    """:func:`chunk_from_dict` without the copy: the chunk keeps ``obj`` itself, so
    only a caller that owns ``obj`` and never changes it (the readers, with the
    parser's fresh result) may use it."""
    if type(obj) is not dict:
        raise PayloadError(
            f"not a chat completion chunk: a chunk must be a JSON object, not {_type_name(obj)}",
            data=_dump(obj) if data is None else data,
            event=event,
        )
    try:
        if not _plainly_valid(obj):
            _check_chunk(obj)
    except _Invalid as exc:
        raise PayloadError(
            f"not a chat completion chunk: {exc.message()}",
            data=_dump(obj) if data is None else data,
            event=event,
        ) from None
    return view(ChatCompletionChunk, obj)


def chunk_from_dict(
    obj: dict[str, Any], *, data: str | None = None, event: ServerSentEvent | None = None
) -> ChatCompletionChunk:
    """Build a :class:`ChatCompletionChunk` from an already parsed JSON object.

    Missing keys and nulls are accepted everywhere; unknown keys go to ``extra``.
    The chunk keeps a copy of ``obj``, so changing ``obj`` later does not change it.
    Raises :class:`~sse_codec.PayloadError` when ``obj`` is not a dict or a known
    key holds the wrong JSON type (the message names the path).  ``data`` and
    ``event`` are stored on the error (``data`` defaults to ``obj`` as JSON).
    """
    return chunk_view(copy_json(obj) if type(obj) is dict else obj, data=data, event=event)


def load_json(
    data: str, *, json_loads: JSONLoads = json.loads, event: ServerSentEvent | None = None
) -> Any:
    """Parse ``data`` with ``json_loads``; raise :class:`~sse_codec.PayloadError`
    (the parser's own exception as ``__cause__``) when it fails.
    """
    try:
        return json_loads(data)
    except Exception as exc:
        # Any parser (json, orjson, msgspec) has its own exception types; all of them
        # mean "this data is not JSON" here.
        raise PayloadError(f"event data is not valid JSON: {exc}", data=data, event=event) from exc


def parse_chunk(
    data: str, *, json_loads: JSONLoads = json.loads, event: ServerSentEvent | None = None
) -> ChatCompletionChunk:
    """Parse one event's data text into a :class:`ChatCompletionChunk`.

    ``json_loads`` is the JSON parser (default :func:`json.loads`; ``orjson.loads``
    and ``msgspec.json.decode`` work too).  Raises :class:`~sse_codec.PayloadError`
    carrying ``data`` and ``event`` when the text is not JSON, not a JSON object,
    or a known key has the wrong type.  It does not look for in-band errors; see
    :func:`iter_chunks`.
    """
    return chunk_view(load_json(data, json_loads=json_loads, event=event), data=data, event=event)
