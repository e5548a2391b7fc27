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
    """A known key has a value of the wrong JSON type; carries the message."""


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


def _bad(path: str, want: str, value: Any) -> _Invalid:
    return _Invalid(f"{path} must be {want} or null, not {_type_name(value)}")


def _split(obj: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in fields}


def _str(obj: dict[str, Any], key: str, path: str) -> str | None:
    value = obj.get(key)
    if value is None or type(value) is str:
        return value
    raise _bad(f"{path}.{key}", "a string", value)


def _int(obj: dict[str, Any], key: str, path: str) -> int | None:
    value = obj.get(key)
    if value is None or type(value) is int:
        return value
    raise _bad(f"{path}.{key}", "an integer", value)


def _object(obj: dict[str, Any], key: str, path: str) -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None or type(value) is dict:
        return value
    raise _bad(f"{path}.{key}", "an object", value)


def _array(obj: dict[str, Any], key: str, path: str) -> list[Any] | None:
    value = obj.get(key)
    if value is None or type(value) is list:
        return value
    raise _bad(f"{path}.{key}", "an array", value)


def _function(obj: dict[str, Any], path: str) -> FunctionDelta:
    return FunctionDelta(
        name=_str(obj, "name", path),
        arguments=_str(obj, "arguments", path),
        extra=_split(obj, FunctionDelta._FIELDS),
        key_order=tuple(obj),
    )


def _tool_call(obj: Any, path: str) -> ToolCallDelta:
    if type(obj) is not dict:
        raise _bad(path, "an object", obj)
    function = _object(obj, "function", path)
    return ToolCallDelta(
        index=_int(obj, "index", path),
        id=_str(obj, "id", path),
        type=_str(obj, "type", path),
        function=None if function is None else _function(function, path + ".function"),
        extra=_split(obj, ToolCallDelta._FIELDS),
        key_order=tuple(obj),
    )


def _delta(obj: dict[str, Any], path: str) -> ChoiceDelta:
    content = obj.get("content")
    if content is not None and type(content) is not str and type(content) is not list:
        raise _bad(path + ".content", "a string or an array", content)
    function_call = _object(obj, "function_call", path)
    tool_calls = _array(obj, "tool_calls", path)
    return ChoiceDelta(
        role=_str(obj, "role", path),
        content=content,
        reasoning_content=_str(obj, "reasoning_content", path),
        reasoning=_str(obj, "reasoning", path),
        refusal=_str(obj, "refusal", path),
        function_call=(
            None if function_call is None else _function(function_call, path + ".function_call")
        ),
        tool_calls=(
            None
            if tool_calls is None
            else tuple(_tool_call(t, f"{path}.tool_calls[{i}]") for i, t in enumerate(tool_calls))
        ),
        extra=_split(obj, ChoiceDelta._FIELDS),
        key_order=tuple(obj),
    )


def _choice(obj: Any, path: str) -> ChunkChoice:
    if type(obj) is not dict:
        raise _bad(path, "an object", obj)
    delta = _object(obj, "delta", path)
    return ChunkChoice(
        index=_int(obj, "index", path),
        delta=None if delta is None else _delta(delta, path + ".delta"),
        logprobs=obj.get("logprobs"),
        finish_reason=_str(obj, "finish_reason", path),
        extra=_split(obj, ChunkChoice._FIELDS),
        key_order=tuple(obj),
    )


def _usage(obj: dict[str, Any], path: str) -> Usage:
    prompt = _object(obj, "prompt_tokens_details", path)
    completion = _object(obj, "completion_tokens_details", path)
    prompt_path = path + ".prompt_tokens_details"
    completion_path = path + ".completion_tokens_details"
    return Usage(
        prompt_tokens=_int(obj, "prompt_tokens", path),
        completion_tokens=_int(obj, "completion_tokens", path),
        total_tokens=_int(obj, "total_tokens", path),
        prompt_tokens_details=None
        if prompt is None
        else PromptTokensDetails(
            cached_tokens=_int(prompt, "cached_tokens", prompt_path),
            audio_tokens=_int(prompt, "audio_tokens", prompt_path),
            extra=_split(prompt, PromptTokensDetails._FIELDS),
            key_order=tuple(prompt),
        ),
        completion_tokens_details=None
        if completion is None
        else CompletionTokensDetails(
            reasoning_tokens=_int(completion, "reasoning_tokens", completion_path),
            audio_tokens=_int(completion, "audio_tokens", completion_path),
            accepted_prediction_tokens=_int(
                completion, "accepted_prediction_tokens", completion_path
            ),
            rejected_prediction_tokens=_int(
                completion, "rejected_prediction_tokens", completion_path
            ),
            extra=_split(completion, CompletionTokensDetails._FIELDS),
            key_order=tuple(completion),
        ),
        extra=_split(obj, Usage._FIELDS),
        key_order=tuple(obj),
    )


def _chunk(obj: dict[str, Any]) -> ChatCompletionChunk:
    path = "chunk"
    choices = _array(obj, "choices", path)
    usage = _object(obj, "usage", path)
    return ChatCompletionChunk(
        id=_str(obj, "id", path),
        object=_str(obj, "object", path),
        created=_int(obj, "created", path),
        model=_str(obj, "model", path),
        service_tier=_str(obj, "service_tier", path),
        system_fingerprint=_str(obj, "system_fingerprint", path),
        choices=(NULL_CHOICES if "choices" in obj else ())
        if choices is None
        else tuple(_choice(c, f"choices[{i}]") for i, c in enumerate(choices)),
        usage=None if usage is None else _usage(usage, "usage"),
        extra=_split(obj, ChatCompletionChunk._FIELDS),
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
    try:
        if type(obj) is not dict:
            raise _Invalid(f"a chunk must be a JSON object, not {_type_name(obj)}")
        return _chunk(obj)
    except _Invalid as exc:
        raise PayloadError(
            f"not a chat completion chunk: {exc}",
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
