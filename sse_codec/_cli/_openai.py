"""``inspect --openai``: read a stream as an OpenAI-style chat completion.

The text of the first choice is printed as it streams; then a summary of the
accumulated completion (reasoning, tool calls, finish reasons, usage) and whether
``[DONE]`` arrived.  An in-band error, a payload that is not a chunk, or a stream
that ends before ``[DONE]`` is reported on stderr with exit status 1, after the
summary of what did arrive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

from .._decoder import SSEDecoder
from .._errors import IncompleteStreamError, PayloadError
from .._event import ServerSentEvent
from ..openai import (
    ChatCompletion,
    ChatCompletionAccumulator,
    ChatCompletionChunk,
    FunctionCall,
    StreamError,
    iter_chunks,
)
from ._common import CLIError, printable
from ._reader import StreamStats, read_items
from ._sources import Source

__all__ = ["run_openai"]


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


def _indent(text: str) -> str:
    return "\n".join("    " + printable(line) for line in text.split("\n"))


def _summary(completion: ChatCompletion, done: bool, chunks: int, extra_events: int) -> str:
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
            lines.append(f"{prefix}content:\n{_indent(message.content)}")
        for label, text in (
            ("reasoning_content", message.reasoning_content),
            ("reasoning", message.reasoning),
            ("thinking", message.thinking),
            ("refusal", message.refusal),
        ):
            if text:
                lines.append(f"{prefix}{label}:\n{_indent(text)}")
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
                f"{_indent(function.arguments)}"
            )
        lines.append(f"{prefix}finish reason: {choice.finish_reason or 'none'}")
    if not completion.choices:
        lines.append("no choices arrived")
    lines.append(f"usage: {_usage(completion)}")
    lines.append(f"[DONE]: {'received' if done else 'NOT received'}")
    if extra_events:
        lines.append(f"{extra_events} event(s) after [DONE] were not read as chunks")
    return "\n".join(lines)


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


def _events(items: Iterator[object]) -> Iterator[ServerSentEvent]:
    for item in items:
        if isinstance(item, ServerSentEvent):
            yield item


def run_openai(source: Source, decoder: SSEDecoder, out: TextIO, *, as_json: bool) -> int:
    """Read ``source`` as a chat stream; print its text, then a summary.

    Returns 0 when the stream ended with ``[DONE]``; raises :class:`CLIError`
    for an in-band error, a non-chunk payload or a stream that ended early.
    """
    stats = StreamStats()
    from ._inspect import show_progress

    events = _events(read_items(source, decoder, stats, show_progress(source)))
    accumulator = ChatCompletionAccumulator()
    first: int | None = None
    wrote_text = False
    failure: str | None = None
    done = False
    try:
        for chunk in iter_chunks(events, accumulator=accumulator):
            if first is None and chunk.choices:
                choice = chunk.choices[0]
                first = 0 if choice.index is None else choice.index
            if as_json:
                for position, choice in enumerate(chunk.choices):
                    index = position if choice.index is None else choice.index
                    text = _delta_text(chunk, index)
                    if text:
                        out.write(json.dumps({"kind": "text", "choice": index, "text": text}))
                        out.write("\n")
            elif first is not None:
                text = _delta_text(chunk, first)
                if text:
                    out.write(printable(text, keep_newlines=True))
                    wrote_text = True
            if source.live:
                out.flush()
        done = True
    except StreamError as err:
        payload = json.dumps(err.payload, ensure_ascii=False, default=repr)
        failure = f"{source.name}: the server sent an error in the stream: {payload}"
    except IncompleteStreamError:
        failure = (
            f"{source.name}: the stream ended without data: [DONE], so the answer may be truncated"
        )
        if not accumulator.result().choices:
            failure += " (and no chunk had choices: is this an OpenAI-style chat stream?)"
    except PayloadError as err:
        failure = f"{source.name}: an event is not a chat completion chunk: {err}"
    extra = sum(1 for _ in events) if done else 0
    completion = accumulator.result()
    if as_json:
        record: dict[str, Any] = {
            "kind": "completion",
            "done": done,
            "chunks": accumulator.chunks,
            "events_after_done": extra,
            "error": failure,
            "completion": completion.to_dict(),
        }
        out.write(json.dumps(record, ensure_ascii=False, default=repr) + "\n")
    else:
        if wrote_text:
            out.write("\n")
        out.write(_summary(completion, done, accumulator.chunks, extra) + "\n")
    out.flush()
    if failure is not None:
        raise CLIError(failure)
    return 0
