"""``inspect --openai``: read a stream as an OpenAI-style chat completion.

The text of the first choice is printed as it streams; then a summary of the
accumulated completion (reasoning, tool calls, finish reasons, usage).  The
driver in ``_llm`` adds whether ``[DONE]`` arrived and reports failures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .._event import ServerSentEvent
from ..openai import (
    ChatCompletion,
    ChatCompletionAccumulator,
    ChatCompletionChunk,
    FunctionCall,
    iter_chunks,
)
from ._common import indent, printable
from ._llm import Piece

__all__ = ["OpenAIReader"]


def _delta_text(chunk: ChatCompletionChunk, index: int) -> str:
    parts: list[str] = []
    for position, choice in enumerate(chunk.choices):
        if (position if choice.index is None else choice.index) != index:
            continue
        content = choice.delta.content if choice.delta is not None else None
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            # List content (Mistral): only the text parts are the answer.
            parts.extend(
                part["text"]
                for part in content
                if isinstance(part, dict)
                and part.get("type") == "text"
                and isinstance(part.get("text"), str)
            )
    return "".join(parts)


def _summary(completion: ChatCompletion, chunks: int) -> list[str]:
    lines = []
    head = [f"{chunks} chunk{'s' * (chunks != 1)}"]
    if completion.model:
        head.append(f"model {completion.model}")
    if completion.id:
        head.append(f"id {completion.id}")
    lines.append("== " + ", ".join(head))
    many = len(completion.choices) > 1
    for choice in completion.choices:
        prefix = f"choice {choice.index}: " if many else ""
        message = choice.message
        if many and message.content is not None:
            lines.append(f"{prefix}content:\n{indent(message.content)}")
        for label, text in (
            ("reasoning_content", message.reasoning_content),
            ("reasoning", message.reasoning),
            ("thinking", message.thinking),
            ("refusal", message.refusal),
        ):
            if text:
                lines.append(f"{prefix}{label}:\n{indent(text)}")
        calls_text: list[tuple[str, str | None, FunctionCall]] = []
        if message.function_call is not None:
            calls_text.append(("function_call", None, message.function_call))
        calls_text += [
            (f"tool call {n}", call.id, call.function) for n, call in enumerate(message.tool_calls)
        ]
        for label, call_id, function in calls_text:
            ident = f" (id {call_id})" if call_id else ""
            lines.append(
                f"{prefix}{label}: {printable(function.name or '?')}{ident}\n"
                f"{indent(function.arguments)}"
            )
        lines.append(f"{prefix}finish reason: {choice.finish_reason or 'none'}")
    if not completion.choices:
        lines.append("no choices arrived")
    lines.append(f"usage: {_usage(completion)}")
    return lines


def _usage(completion: ChatCompletion) -> str:
    usage = completion.usage
    if usage is None:
        return "not sent"
    parts = [
        f"{count} {label}"
        for count, label in (
            (usage.prompt_tokens, "prompt"),
            (usage.completion_tokens, "completion"),
        )
        if count is not None
    ]
    text = " + ".join(parts)
    if usage.total_tokens is not None:
        text = f"{text} = {usage.total_tokens} tokens" if text else f"{usage.total_tokens} tokens"
    return text or "sent, without token counts"


class OpenAIReader:
    """The OpenAI chat completions protocol for the ``_llm`` driver: the first
    choice's text is the shown answer; every choice's text goes to ``--json``."""

    end_name = "[DONE]"
    record_kind = "completion"
    event_name = "chat completion chunk"

    def __init__(self) -> None:
        self._accumulator = ChatCompletionAccumulator()
        self._done = False

    def read(self, events: Iterable[ServerSentEvent]) -> Iterator[Piece]:
        """Yield each choice's text as it streams; raises what ``iter_chunks`` raises."""
        first: int | None = None
        for chunk in iter_chunks(events, accumulator=self._accumulator):
            if first is None and chunk.choices:
                choice = chunk.choices[0]
                first = 0 if choice.index is None else choice.index
            for position, choice in enumerate(chunk.choices):
                index = position if choice.index is None else choice.index
                text = _delta_text(chunk, index)
                if text:
                    yield Piece(text, {"choice": index}, shown=index == first)
        self._done = True

    def complete(self) -> bool:
        """Whether ``[DONE]`` arrived."""
        return self._done

    def summary(self) -> list[str]:
        """The summary lines of the accumulated completion."""
        return _summary(self._accumulator.result(), self._accumulator.chunks)

    def result(self) -> dict[str, Any]:
        """The accumulated completion as JSON."""
        return self._accumulator.result().to_dict()

    def counts(self) -> dict[str, int]:
        """The number of chunks read."""
        return {"chunks": self._accumulator.chunks}

    def output_tokens(self) -> int | None:
        """``usage.completion_tokens``, when the stream sent usage."""
        usage = self._accumulator.result().usage
        return None if usage is None else usage.completion_tokens

    def not_this_protocol(self) -> str:
        """A hint when no chunk had choices."""
        if self._accumulator.result().choices:
            return ""
        return " (and no chunk had choices: is this an OpenAI-style chat stream?)"
