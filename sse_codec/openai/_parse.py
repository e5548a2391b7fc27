"""JSON objects to chunk value types: tolerant of absence and nulls, strict about types.

A key that is missing or ``null`` is fine everywhere.  A known key whose value
has the wrong JSON type (``"choices": "x"``, ``"index": "0"``) is not guessed
at: it raises :class:`~sse_codec.PayloadError` naming the path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .._errors import PayloadError
from .._event import ServerSentEvent
from ._types import (
    NULL_CHOICES,
    ChatCompletionChunk,
    ChoiceDelta,
    ChunkChoice,
    CompletionTokensDetails,
    FunctionDelta,
    PromptTokensDetails,
    ToolCallDelta,
    Usage,
)

__all__ = ["JSONLoads", "chunk_from_dict", "load_json", "parse_chunk"]

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


def _split(obj: dict[str, Any], fields: frozenset[str]) -> Mapping[str, Any]:
    if obj.keys() <= fields:
        return {}
    return {k: v for k, v in obj.items() if k not in fields}


def _check(
    obj: dict[str, Any], keys: tuple[str, ...], values: tuple[Any, ...], ok: frozenset[type]
) -> None:
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


_FUNCTION_KEYS = frozenset(FunctionDelta._FIELDS)
_TOOL_CALL_KEYS = frozenset(ToolCallDelta._FIELDS)
_DELTA_KEYS = frozenset(ChoiceDelta._FIELDS)
_CHOICE_KEYS = frozenset(ChunkChoice._FIELDS)
_PROMPT_DETAILS_KEYS = frozenset(PromptTokensDetails._FIELDS)
_COMPLETION_DETAILS_KEYS = frozenset(CompletionTokensDetails._FIELDS)
_USAGE_KEYS = frozenset(Usage._FIELDS)
_CHUNK_KEYS = frozenset(ChatCompletionChunk._FIELDS)

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


def _function(obj: dict[str, Any]) -> FunctionDelta:
    get = obj.get
    values = name, arguments = get("name"), get("arguments")
    _check(obj, _FUNCTION_STRS, values, _STR_OK)
    return FunctionDelta(
        name=name, arguments=arguments, extra=_split(obj, _FUNCTION_KEYS), key_order=tuple(obj)
    )


def _tool_call(obj: Any) -> ToolCallDelta:
    if type(obj) is not dict:
        raise _Invalid("", "an object", obj)
    get = obj.get
    values = id, type_ = get("id"), get("type")
    _check(obj, _TOOL_CALL_STRS, values, _STR_OK)
    index = get("index")
    if index is not None and type(index) is not int:
        raise _Invalid("index", "an integer", index)
    function_obj = _sub(obj, "function")
    function = None
    if function_obj is not None:
        try:
            function = _function(function_obj)
        except _Invalid as exc:
            raise exc.within("function") from None
    return ToolCallDelta(
        index=index,
        id=id,
        type=type_,
        function=function,
        extra=_split(obj, _TOOL_CALL_KEYS),
        key_order=tuple(obj),
    )


def _tool_calls(items: list[Any]) -> tuple[ToolCallDelta, ...]:
    out = []
    for i, item in enumerate(items):
        try:
            out.append(_tool_call(item))
        except _Invalid as exc:
            if exc.path == [""]:
                exc.path = []
            raise exc.within(i) from None
    return tuple(out)


def _delta(obj: dict[str, Any]) -> ChoiceDelta:
    get = obj.get
    values = role, reasoning_content, reasoning, refusal = (
        get("role"),
        get("reasoning_content"),
        get("reasoning"),
        get("refusal"),
    )
    _check(obj, _DELTA_STRS, values, _STR_OK)
    content = get("content")
    if content is not None and type(content) is not str and type(content) is not list:
        raise _Invalid("content", "a string, an array", content)
    function_call_obj = _sub(obj, "function_call")
    function_call = None
    if function_call_obj is not None:
        try:
            function_call = _function(function_call_obj)
        except _Invalid as exc:
            raise exc.within("function_call") from None
    tool_calls = get("tool_calls")
    if tool_calls is not None:
        if type(tool_calls) is not list:
            raise _Invalid("tool_calls", "an array", tool_calls)
        try:
            tool_calls = _tool_calls(tool_calls)
        except _Invalid as exc:
            raise exc.within("tool_calls") from None
    return ChoiceDelta(
        role=role,
        content=content,
        reasoning_content=reasoning_content,
        reasoning=reasoning,
        refusal=refusal,
        function_call=function_call,
        tool_calls=tool_calls,
        extra=_split(obj, _DELTA_KEYS),
        key_order=tuple(obj),
    )


def _choice(obj: Any) -> ChunkChoice:
    if type(obj) is not dict:
        raise _Invalid("", "an object", obj)
    get = obj.get
    index = get("index")
    if index is not None and type(index) is not int:
        raise _Invalid("index", "an integer", index)
    finish_reason = get("finish_reason")
    if finish_reason is not None and type(finish_reason) is not str:
        raise _Invalid("finish_reason", "a string", finish_reason)
    delta_obj = _sub(obj, "delta")
    delta = None
    if delta_obj is not None:
        try:
            delta = _delta(delta_obj)
        except _Invalid as exc:
            raise exc.within("delta") from None
    return ChunkChoice(
        index=index,
        delta=delta,
        logprobs=get("logprobs"),
        finish_reason=finish_reason,
        extra=_split(obj, _CHOICE_KEYS),
        key_order=tuple(obj),
    )


def _choices(items: list[Any]) -> tuple[ChunkChoice, ...]:
    out = []
    for i, item in enumerate(items):
        try:
            out.append(_choice(item))
        except _Invalid as exc:
            if exc.path == [""]:
                exc.path = []
            raise exc.within(i) from None
    return tuple(out)


def _details(obj: dict[str, Any], key: str) -> Any:
    # Returns PromptTokensDetails or CompletionTokensDetails, according to key.
    sub = _sub(obj, key)
    if sub is None:
        return None
    get = sub.get
    try:
        if key == "prompt_tokens_details":
            pair = cached, audio = get("cached_tokens"), get("audio_tokens")
            _check(sub, _PROMPT_DETAILS_INTS, pair, _INT_OK)
            return PromptTokensDetails(
                cached_tokens=cached,
                audio_tokens=audio,
                extra=_split(sub, _PROMPT_DETAILS_KEYS),
                key_order=tuple(sub),
            )
        values = reasoning, audio, accepted, rejected = (
            get("reasoning_tokens"),
            get("audio_tokens"),
            get("accepted_prediction_tokens"),
            get("rejected_prediction_tokens"),
        )
        _check(sub, _COMPLETION_DETAILS_INTS, values, _INT_OK)
        return CompletionTokensDetails(
            reasoning_tokens=reasoning,
            audio_tokens=audio,
            accepted_prediction_tokens=accepted,
            rejected_prediction_tokens=rejected,
            extra=_split(sub, _COMPLETION_DETAILS_KEYS),
            key_order=tuple(sub),
        )
    except _Invalid as exc:
        raise exc.within(key) from None


def _usage(obj: dict[str, Any]) -> Usage:
    values = prompt, completion, total = tuple(map(obj.get, _USAGE_INTS))
    _check(obj, _USAGE_INTS, values, _INT_OK)
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=total,
        prompt_tokens_details=_details(obj, "prompt_tokens_details"),
        completion_tokens_details=_details(obj, "completion_tokens_details"),
        extra=_split(obj, _USAGE_KEYS),
        key_order=tuple(obj),
    )


def _chunk(obj: dict[str, Any]) -> ChatCompletionChunk:
    get = obj.get
    values = id, object, model, service_tier, system_fingerprint = (
        get("id"),
        get("object"),
        get("model"),
        get("service_tier"),
        get("system_fingerprint"),
    )
    _check(obj, _CHUNK_STRS, values, _STR_OK)
    created = get("created")
    if created is not None and type(created) is not int:
        raise _Invalid("created", "an integer", created)
    choices = get("choices")
    if choices is None:
        parsed_choices = NULL_CHOICES if "choices" in obj else ()
    elif type(choices) is list:
        try:
            parsed_choices = _choices(choices)
        except _Invalid as exc:
            raise exc.within("choices") from None
    else:
        raise _Invalid("choices", "an array", choices)
    usage_obj = _sub(obj, "usage")
    usage = None
    if usage_obj is not None:
        try:
            usage = _usage(usage_obj)
        except _Invalid as exc:
            raise exc.within("usage") from None
    return ChatCompletionChunk(
        id=id,
        object=object,
        created=created,
        model=model,
        service_tier=service_tier,
        system_fingerprint=system_fingerprint,
        choices=parsed_choices,
        usage=usage,
        extra=_split(obj, _CHUNK_KEYS),
        key_order=tuple(obj),
    )


def _dump(obj: Any) -> str:
    try:
        return json.dumps(obj, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(obj)


def chunk_from_dict(
    obj: dict[str, Any], *, data: str | None = None, event: ServerSentEvent | None = None
) -> ChatCompletionChunk:
    """Build a :class:`ChatCompletionChunk` from an already parsed JSON object.

    Missing keys and nulls are accepted everywhere; unknown keys go to ``extra``.
    Raises :class:`~sse_codec.PayloadError` when ``obj`` is not a dict or a known
    key holds the wrong JSON type (the message names the path).  ``data`` and
    ``event`` are stored on the error (``data`` defaults to ``obj`` as JSON).
    """
    if type(obj) is not dict:
        raise PayloadError(
            f"not a chat completion chunk: a chunk must be a JSON object, not {_type_name(obj)}",
            data=_dump(obj) if data is None else data,
            event=event,
        )
    try:
        return _chunk(obj)
    except _Invalid as exc:
        raise PayloadError(
            f"not a chat completion chunk: {exc.message()}",
            data=_dump(obj) if data is None else data,
            event=event,
        ) from None


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
    return chunk_from_dict(
        load_json(data, json_loads=json_loads, event=event), data=data, event=event
    )
