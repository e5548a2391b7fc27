"""The accumulated result: a typed, non-streaming-shaped ``chat.completion``."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .._errors import PayloadError
from ._types import Usage

__all__ = [
    "ChatCompletion",
    "ChatCompletionMessage",
    "CompletionChoice",
    "FunctionCall",
    "ToolArgumentsError",
    "ToolCall",
]


class ToolArgumentsError(PayloadError):
    """A function call's ``arguments`` text is not a JSON object.

    ``data`` is the arguments text exactly as received, ``id`` the tool call's id
    (``None`` for the legacy ``function_call``) and ``name`` the function's name;
    the parser's own error, if any, is ``__cause__``.
    """

    def __init__(self, message: str, *, data: str, id: str | None, name: str | None) -> None:
        super().__init__(message, data=data)
        self.id = id
        self.name = name


def _parse_arguments(
    text: str, json_loads: Callable[[str], Any], id: str | None, name: str | None
) -> dict[str, Any]:
    # A function without parameters may be called with "" instead of "{}".
    if not text.strip():
        return {}
    try:
        value = json_loads(text)
    except Exception as exc:
        # Any parser (json, orjson, msgspec) may be plugged in, each with its own errors.
        raise ToolArgumentsError(
            f"arguments of function {name!r} (call {id!r}) are not JSON: {exc}",
            data=text,
            id=id,
            name=name,
        ) from exc
    if type(value) is not dict:
        raise ToolArgumentsError(
            f"arguments of function {name!r} (call {id!r}) must be a JSON object, "
            f"not {type(value).__name__}",
            data=text,
            id=id,
            name=name,
        )
    return value


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """A whole function call: ``name`` and the complete ``arguments`` JSON text
    (as received, not parsed or validated)."""

    name: str | None = None
    arguments: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"name": ..., "arguments": ...}``.  Never raises."""
        return {"name": self.name, "arguments": self.arguments}

    def parse_arguments(self, *, json_loads: Callable[[str], Any] = json.loads) -> dict[str, Any]:
        """Return ``arguments`` parsed as a JSON object (``{}`` when the text is empty).

        Raises :class:`ToolArgumentsError` (``data`` is the raw text) when the text
        is not JSON or not a JSON object.
        """
        return _parse_arguments(self.arguments, json_loads, None, self.name)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A whole tool call of a message: ``id``, ``type`` (``"function"``, or ``None``
    when the server never sent one, as Mistral does) and ``function``."""

    id: str | None = None
    type: str | None = "function"
    function: FunctionCall = FunctionCall()

    def to_dict(self) -> dict[str, Any]:
        """Return the call in the ``chat.completion`` shape.  Never raises."""
        return {"id": self.id, "type": self.type, "function": self.function.to_dict()}

    def parse_arguments(self, *, json_loads: Callable[[str], Any] = json.loads) -> dict[str, Any]:
        """Return ``function.arguments`` parsed as a JSON object (``{}`` when empty),
        instead of ``json.loads(call.function.arguments)``.

        Raises :class:`ToolArgumentsError` (``data`` is the raw text, ``id`` and
        ``name`` the call's) when the text is not JSON or not a JSON object: a model
        cut off by ``max_tokens`` leaves it unfinished.
        """
        return _parse_arguments(self.function.arguments, json_loads, self.id, self.function.name)


@dataclass(frozen=True, slots=True)
class ChatCompletionMessage:
    """The message a choice's deltas add up to.

    ``content``, ``refusal``, ``reasoning_content``, ``reasoning`` and ``thinking``
    are ``None`` until a string arrives for them (an empty string counts), then the
    concatenation of every fragment.  ``thinking`` holds the text of Mistral's
    ``{"type": "thinking"}`` content parts; ``content_parts`` any list-content
    part that is neither text nor thinking, in arrival order.  ``role`` is the last
    non-empty role seen (``None`` if the server never sent one).
    """

    role: str | None = None
    content: str | None = None
    refusal: str | None = None
    reasoning_content: str | None = None
    reasoning: str | None = None
    thinking: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    function_call: FunctionCall | None = None
    content_parts: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the message in the ``chat.completion`` shape.

        ``role``, ``content`` and ``refusal`` are always present; ``reasoning_content``,
        ``reasoning``, ``thinking``, ``function_call``, ``tool_calls`` and
        ``content_parts`` only when something arrived for them.  Never raises.
        """
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.reasoning_content is not None:
            out["reasoning_content"] = self.reasoning_content
        if self.reasoning is not None:
            out["reasoning"] = self.reasoning
        if self.thinking is not None:
            out["thinking"] = self.thinking
        out["refusal"] = self.refusal
        if self.function_call is not None:
            out["function_call"] = self.function_call.to_dict()
        if self.tool_calls:
            out["tool_calls"] = [call.to_dict() for call in self.tool_calls]
        if self.content_parts:
            out["content_parts"] = list(self.content_parts)
        return out


@dataclass(frozen=True, slots=True)
class CompletionChoice:
    """One accumulated choice: ``index``, ``message``, ``finish_reason`` (the last
    non-null one seen) and ``logprobs`` (token lists concatenated, or ``None``)."""

    index: int
    message: ChatCompletionMessage
    finish_reason: str | None = None
    logprobs: Any = None

    def to_dict(self) -> dict[str, Any]:
        """Return the choice in the ``chat.completion`` shape.  Never raises."""
        return {
            "index": self.index,
            "message": self.message.to_dict(),
            "logprobs": self.logprobs,
            "finish_reason": self.finish_reason,
        }


@dataclass(frozen=True, slots=True)
class ChatCompletion:
    """A streamed chat completion put back together, shaped like the non-streaming
    ``chat.completion`` response.  ``choices`` are sorted by index; ``usage`` is the
    last non-null usage the stream sent."""

    id: str | None = None
    object: str = "chat.completion"
    created: int | None = None
    model: str | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None
    choices: tuple[CompletionChoice, ...] = ()
    usage: Usage | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the ``chat.completion`` JSON object (``service_tier`` only when known).
        Never raises."""
        out: dict[str, Any] = {
            "id": self.id,
            "object": self.object,
            "created": self.created,
            "model": self.model,
        }
        if self.service_tier is not None:
            out["service_tier"] = self.service_tier
        out["system_fingerprint"] = self.system_fingerprint
        out["choices"] = [choice.to_dict() for choice in self.choices]
        out["usage"] = None if self.usage is None else self.usage.to_dict()
        return out
