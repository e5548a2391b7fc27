"""``inspect --anthropic``: read a stream as an Anthropic Messages answer.

Text deltas are the shown answer; thinking deltas go to ``--json`` only.  The
summary holds thinking, tool calls with their inputs, the stop reason and usage;
the driver in ``_llm`` adds whether ``message_stop`` arrived and reports failures.
Only the public API of :mod:`sse_codec.anthropic` is used.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .._event import ServerSentEvent
from ..anthropic import (
    ContentBlockDelta,
    MessageAccumulator,
    MessageStop,
    RedactedThinkingBlock,
    ServerToolUseBlock,
    TextDelta,
    ThinkingBlock,
    ThinkingDelta,
    ToolUseBlock,
    iter_stream_events,
)
from ._common import indent, printable
from ._llm import Piece

__all__ = ["AnthropicReader", "usage_line"]


def usage_line(usage: Mapping[str, Any] | None, keys: tuple[str, str]) -> str:
    """Return ``usage``'s input and output counts (named by ``keys``) as one line."""
    if usage is None:
        return "not sent"
    parts = [
        f"{usage[key]} {key.removesuffix('_tokens')}"
        for key in keys
        if isinstance(usage.get(key), int)
    ]
    return " + ".join(parts) + " tokens" if parts else "sent, without token counts"


class AnthropicReader:
    """The Anthropic Messages protocol for the ``_llm`` driver."""

    end_name = "message_stop"
    record_kind = "message"
    event_name = "well-formed Anthropic Messages event"

    def __init__(self) -> None:
        self._accumulator = MessageAccumulator()
        self._events = 0

    def read(self, events: Iterable[ServerSentEvent]) -> Iterator[Piece]:
        """Yield text and thinking as they stream, up to ``message_stop``; raises what
        ``iter_stream_events`` and ``MessageAccumulator.add`` raise."""
        for event in iter_stream_events(events):
            self._events += 1
            self._accumulator.add(event)
            if isinstance(event, ContentBlockDelta):
                delta = event.delta
                if isinstance(delta, TextDelta) and delta.text:
                    yield Piece(delta.text, {"block": event.index})
                elif isinstance(delta, ThinkingDelta) and delta.thinking:
                    fields = {"block": event.index, "thinking": True}
                    yield Piece(delta.thinking, fields, shown=False, side=True)
            elif isinstance(event, MessageStop):
                return

    def complete(self) -> bool:
        """Whether ``message_stop`` arrived."""
        return self._accumulator.done

    def summary(self) -> list[str]:
        """The summary lines of the message as received."""
        message = self._accumulator.snapshot()
        noun = "event" if self._events == 1 else "events"
        if message is None:
            return [f"== {self._events} {noun}", "no message_start arrived"]
        model, ident = printable(message.model), printable(message.id)
        lines = [f"== {self._events} {noun}, model {model}, id {ident}"]
        for index, block in enumerate(message.content):
            if isinstance(block, ThinkingBlock) and block.thinking:
                lines.append(f"thinking:\n{indent(block.thinking)}")
            elif isinstance(block, RedactedThinkingBlock):
                lines.append("redacted thinking (encrypted)")
            elif isinstance(block, ToolUseBlock | ServerToolUseBlock):
                what = "tool use" if isinstance(block, ToolUseBlock) else "server tool use"
                text = json.dumps(dict(block.input), ensure_ascii=False)
                lines.append(
                    f"{what} {index}: {printable(block.name)} (id {printable(block.id)})\n"
                    f"{indent(text)}"
                )
        lines.append(f"stop reason: {printable(message.stop_reason or 'none')}")
        lines.append(f"usage: {usage_line(message.usage, ('input_tokens', 'output_tokens'))}")
        return lines

    def result(self) -> dict[str, Any]:
        """The message as received, as JSON (``null`` before ``message_start``)."""
        message = self._accumulator.snapshot()
        return {} if message is None else message.to_dict()

    def counts(self) -> dict[str, int]:
        """The number of events read."""
        return {"events": self._events}

    def output_tokens(self) -> int | None:
        """``usage.output_tokens`` of the message, when sent."""
        message = self._accumulator.snapshot()
        count = None if message is None else message.usage.get("output_tokens")
        return count if isinstance(count, int) else None

    def not_this_protocol(self) -> str:
        """A hint when no ``message_start`` arrived."""
        if self._accumulator.snapshot() is not None:
            return ""
        return " (and no message_start arrived: is this an Anthropic Messages stream?)"
