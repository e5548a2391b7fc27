"""``inspect --responses``: read a stream as an OpenAI Responses API answer.

Output text deltas are the shown answer; reasoning summaries and refusals go to
``--json`` as they stream.  The summary holds reasoning summaries, function calls
with their arguments, a refusal, the status and usage; the driver in ``_llm``
adds whether an end event arrived and reports failures.  Only the public API of
:mod:`sse_codec.responses` is used.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .._errors import PayloadError, StreamError
from .._event import ServerSentEvent
from ..responses import (
    OutputTextDelta,
    ReasoningSummaryTextDelta,
    RefusalDelta,
    ResponseAccumulator,
    ResponseCompleted,
    ResponseIncomplete,
    iter_response_events,
    parse_event,
)
from ._anthropic import usage_line
from ._common import indent, printable
from ._llm import Piece

__all__ = ["ResponsesReader"]


def _plain(value: object) -> Any:
    # Mappings and tuples as the JSON module takes them (dict and list).
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class ResponsesReader:
    """The OpenAI Responses protocol for the ``_llm`` driver."""

    end_name = "response.completed"
    record_kind = "response"
    event_name = "well-formed Responses event"

    def __init__(self) -> None:
        self._accumulator = ResponseAccumulator()
        self._events = 0

    def read(self, events: Iterable[ServerSentEvent]) -> Iterator[Piece]:
        """Yield text, reasoning summary and refusal as they stream, up to the end
        event; raises what ``iter_response_events`` and ``ResponseAccumulator.add``
        raise (``response.failed`` is a ``StreamError``)."""
        try:
            yield from self._read(events)
        except StreamError as err:
            # The reader raises at response.failed before the accumulator sees it;
            # add it, so the summary shows the failed response's status and error.
            if err.event is not None and err.event.event == "response.failed":
                self._events += 1
                with contextlib.suppress(StreamError, PayloadError):
                    self._accumulator.add(parse_event(err.event))
            raise

    def _read(self, events: Iterable[ServerSentEvent]) -> Iterator[Piece]:
        for event in iter_response_events(events):
            self._events += 1
            self._accumulator.add(event)
            if isinstance(event, OutputTextDelta) and event.delta:
                yield Piece(event.delta, {"output_index": event.output_index})
            elif isinstance(event, ReasoningSummaryTextDelta) and event.delta:
                fields = {"output_index": event.output_index, "reasoning": True}
                yield Piece(event.delta, fields, shown=False, side=True)
            elif isinstance(event, RefusalDelta) and event.delta:
                fields = {"output_index": event.output_index, "refusal": True}
                yield Piece(event.delta, fields, shown=False, side=True)
            elif isinstance(event, ResponseCompleted | ResponseIncomplete):
                return

    def complete(self) -> bool:
        """Whether an end event other than response.failed arrived."""
        return self._accumulator.done and self._accumulator.snapshot().status != "failed"

    def summary(self) -> list[str]:
        """The summary lines of the response as received."""
        result = self._accumulator.snapshot()
        noun = "event" if self._events == 1 else "events"
        head = [f"{self._events} {noun}"]
        model = (result.response or {}).get("model")
        if isinstance(model, str):
            head.append(f"model {printable(model)}")
        if result.id:
            head.append(f"id {printable(result.id)}")
        lines = ["== " + ", ".join(head)]
        for text in result.reasoning_summary:
            lines.append(f"reasoning summary:\n{indent(text)}")
        if result.refusal:
            lines.append(f"refusal:\n{indent(result.refusal)}")
        for n, call in enumerate(result.function_calls):
            ident = f" (call id {printable(call.call_id)})" if call.call_id else ""
            lines.append(
                f"function call {n}: {printable(call.name or '?')}{ident}\n{indent(call.arguments)}"
            )
        lines.append(f"status: {printable(result.status or 'none')}")
        if result.status == "incomplete":
            details = (result.response or {}).get("incomplete_details")
            if isinstance(details, dict) and isinstance(details.get("reason"), str):
                lines[-1] += f" ({printable(details['reason'])})"
        lines.append(f"usage: {usage_line(result.usage, ('input_tokens', 'output_tokens'))}")
        return lines

    def result(self) -> dict[str, Any]:
        """The response as received, as JSON."""
        result = self._accumulator.snapshot()
        return {
            "id": result.id,
            "status": result.status,
            "output_text": result.output_text,
            "text_by_item": _plain(result.text_by_item),
            "function_calls": [
                {
                    "call_id": call.call_id,
                    "name": call.name,
                    "arguments": call.arguments,
                    "item_id": call.item_id,
                    "output_index": call.output_index,
                    "status": call.status,
                }
                for call in result.function_calls
            ],
            "reasoning_summary": list(result.reasoning_summary),
            "refusal": result.refusal,
            "output": _plain(result.output),
            "usage": _plain(result.usage),
            "error": _plain(result.error),
        }

    def counts(self) -> dict[str, int]:
        """The number of events read."""
        return {"events": self._events}

    def output_tokens(self) -> int | None:
        """``usage.output_tokens``, when the response reported it."""
        usage = self._accumulator.snapshot().usage
        count = None if usage is None else usage.get("output_tokens")
        return count if isinstance(count, int) else None

    def not_this_protocol(self) -> str:
        """A hint when no event of the protocol arrived."""
        if self._events:
            return ""
        return " (and no response.* event arrived: is this a Responses stream?)"
