"""``inspect --openai / --anthropic / --responses / --auto``: read a stream as an LLM
API's answer.

One driver for the three protocols.  A protocol's reader (``_openai``,
``_anthropic``, ``_responses``) turns events into text pieces as they stream and,
at the end, a summary and a JSON record; the driver prints them, and reports what
went wrong: an error sent in the stream, a payload of the wrong shape, a stream
that ended early, or a connection that broke (also after a complete answer:
both facts are reported).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from .._errors import IncompleteStreamError, PayloadError, StreamError
from .._event import ServerSentEvent
from ..timing import StreamTimer
from ._common import CLIError, printable

__all__ = ["MODES", "Piece", "Reader", "detect_mode", "make_reader", "run_llm"]

#: The protocol modes, by option name.
MODES = ("openai", "anthropic", "responses")


@dataclass(frozen=True, slots=True)
class Piece:
    """Text as it streams: ``text``, JSON ``fields`` saying where it belongs,
    whether it is part of the ``shown`` answer (the one text printed as it streams),
    and whether it is a ``side`` channel (thinking, reasoning, refusal) rather than
    answer text; only answer text counts as the first content token."""

    text: str
    fields: dict[str, Any]
    shown: bool = True
    side: bool = False


class Reader(Protocol):
    """What a protocol module gives the driver."""

    #: How the end of a complete stream is named (``[DONE]``, ``message_stop``, ...).
    end_name: str
    #: The ``kind`` of the final JSON record and the key of its result.
    record_kind: str
    #: What one event of the protocol is called, for errors.
    event_name: str

    def read(self, events: Iterable[ServerSentEvent]) -> Iterator[Piece]:
        """Yield the streamed text pieces; raise the protocol layer's errors
        (:class:`StreamError`, :class:`IncompleteStreamError`, :class:`PayloadError`)."""
        ...

    def complete(self) -> bool:
        """Whether the stream reached its proper end."""
        ...

    def summary(self) -> list[str]:
        """The readable summary of what arrived (without the ending line)."""
        ...

    def result(self) -> dict[str, Any]:
        """The JSON result of what arrived: the final record's main object."""
        ...

    def counts(self) -> dict[str, int]:
        """Counts for the final JSON record (e.g. ``{"chunks": 14}``)."""
        ...

    def output_tokens(self) -> int | None:
        """The output token count the stream reported, if any."""
        ...

    def not_this_protocol(self) -> str:
        """A hint for an incomplete stream that shows nothing of this protocol, or ""."""
        ...


def make_reader(mode: str) -> Reader:
    """Return a fresh reader for ``mode`` (one of :data:`MODES`)."""
    if mode == "openai":
        from ._openai import OpenAIReader

        return OpenAIReader()
    if mode == "anthropic":
        from ._anthropic import AnthropicReader

        return AnthropicReader()
    from ._responses import ResponsesReader

    return ResponsesReader()


# Anthropic names every event; these are the names its streams use.
_ANTHROPIC_EVENTS = frozenset(
    {
        "message_start",
        "message_delta",
        "message_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "ping",
    }
)
# How many events --auto looks at before it gives up.
_DETECT_EVENTS = 16


def _mode_of(event: ServerSentEvent) -> str | None:
    if event.event in _ANTHROPIC_EVENTS:
        return "anthropic"
    if event.event.startswith("response."):
        return "responses"
    if event.event != "message":
        return None
    data = event.data.strip()
    if data == "[DONE]":
        return "openai"
    try:
        payload = json.loads(data)
    except ValueError:
        return None
    if isinstance(payload, dict) and (
        payload.get("object") == "chat.completion.chunk" or "choices" in payload
    ):
        return "openai"
    return None


def detect_mode(events: Iterator[ServerSentEvent]) -> tuple[str | None, list[ServerSentEvent]]:
    """Read events until one names its protocol (``message_start`` and the other
    Anthropic names, ``response.*``, or a ``chat.completion.chunk`` payload);
    return the mode (``None`` after the first 16 events or at the end) and the
    events read, to be read again."""
    seen: list[ServerSentEvent] = []
    for event in events:
        seen.append(event)
        mode = _mode_of(event)
        if mode is not None or len(seen) >= _DETECT_EVENTS:
            return mode, seen
    return None, seen


class _Broken:
    """Holds the error that broke the transfer, so the protocol reader sees a
    plain end of events and the driver can still summarise."""

    def __init__(self) -> None:
        self.error: CLIError | None = None

    def guard(self, events: Iterable[ServerSentEvent]) -> Iterator[ServerSentEvent]:
        try:
            yield from events
        except CLIError as err:
            self.error = err


def run_llm(
    mode: str,
    events: Iterator[ServerSentEvent],
    name: str,
    out: TextIO,
    *,
    as_json: bool,
    live: bool,
    timer: StreamTimer | None = None,
) -> tuple[str | None, int | None]:
    """Read ``events`` (from the source called ``name``) in protocol ``mode``:
    print the text as it streams, then the summary (or JSON records).

    Returns the failure message (``None`` when the stream ended properly and the
    connection cleanly) and the output token count, for the caller to report
    after its own trailer lines.
    """
    reader = make_reader(mode)
    broken = _Broken()
    guarded = broken.guard(events)
    wrote_text = False
    failure: str | None = None
    try:
        for piece in reader.read(guarded):
            if timer is not None and piece.text and not piece.side:
                timer.first_token()
            if as_json:
                out.write(json.dumps({"kind": "text", **piece.fields, "text": piece.text}))
                out.write("\n")
            elif piece.shown:
                out.write(printable(piece.text, keep_newlines=True))
                wrote_text = True
            if live:
                out.flush()
    except StreamError as err:
        payload = json.dumps(err.payload, ensure_ascii=False, default=repr)
        failure = f"{name}: the server sent an error in the stream: {payload}"
    except IncompleteStreamError:
        if broken.error is None:
            failure = (
                f"{name}: the stream ended without {reader.end_name}, "
                "so the answer may be truncated" + reader.not_this_protocol()
            )
    except PayloadError as err:
        failure = f"{name}: an event is not a {reader.event_name}: {err}"
    # Whatever follows the end is read, so a broken transfer after it shows.
    extra = sum(1 for _ in guarded)
    complete = reader.complete() and failure is None
    if broken.error is not None:
        if complete:
            failure = (
                f"the answer is complete ({reader.end_name} received), but the stream "
                f"did not end cleanly: {broken.error}"
            )
        else:
            failure = f"{broken.error} (before {reader.end_name}: the answer is truncated)"
    if as_json:
        record: dict[str, Any] = {
            "kind": reader.record_kind,
            "done": reader.complete(),
            **reader.counts(),
            "events_after_end": extra,
            "connection_error": None if broken.error is None else str(broken.error),
            "error": failure,
            reader.record_kind: reader.result(),
        }
        out.write(json.dumps(record, ensure_ascii=False, default=repr) + "\n")
    else:
        if wrote_text:
            out.write("\n")
        lines = reader.summary()
        lines.append(f"{reader.end_name}: {'received' if reader.complete() else 'NOT received'}")
        if extra:
            lines.append(f"{extra} event(s) after {reader.end_name} were not read")
        if broken.error is not None:
            lines.append("stream end: NOT clean (see the error)")
        out.write("\n".join(lines) + "\n")
    return failure, reader.output_tokens()
