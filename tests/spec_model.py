"""A literal, slow transcription of the WHATWG event-stream rules, used as an oracle.

It reads a whole stream at once, works on decoded text, and follows the spec's
wording step by step, with none of the decoder's buffering or fast paths.  The
tests compare :class:`sse_codec.SSEDecoder`, fed in any chunking, against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sse_codec import MAX_RETRY, ServerSentEvent

_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass
class SpecResult:
    events: list[ServerSentEvent] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    last_event_id: str = ""
    retry: int | None = None


def spec_parse(stream: bytes, *, dispatch_on_close: bool = False) -> SpecResult:
    """Parse a complete stream exactly as the spec says; see the module docstring."""
    # "UTF-8 decode": invalid sequences become U+FFFD and one leading BOM is dropped.
    text = stream.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    pieces = _LINE_END.split(text)
    lines, tail = pieces[:-1], pieces[-1]
    if dispatch_on_close:
        # The leniency option: the unterminated tail is a line, then the block ends.
        lines = [*lines, *([tail] if tail else []), ""]

    result = SpecResult()
    data_buffer = ""
    event_type = ""
    id_buffer = ""
    block_retry: int | None = None
    for line in lines:
        if line == "":
            result.last_event_id = id_buffer
            if data_buffer == "":
                event_type = ""
                block_retry = None
                continue
            if data_buffer.endswith("\n"):
                data_buffer = data_buffer[:-1]
            result.events.append(
                ServerSentEvent(
                    event=event_type or "message",
                    data=data_buffer,
                    id=result.last_event_id or None,
                    retry=block_retry,
                )
            )
            data_buffer = ""
            event_type = ""
            block_retry = None
            continue
        if line.startswith(":"):
            comment = line[1:]
            result.comments.append(comment[1:] if comment.startswith(" ") else comment)
            continue
        if ":" in line:
            name, _, value = line.partition(":")
            if value.startswith(" "):
                value = value[1:]
        else:
            name, value = line, ""
        if name == "event":
            event_type = value
        elif name == "data":
            data_buffer += value + "\n"
        elif name == "id":
            if "\0" not in value:
                id_buffer = value
        elif name == "retry" and value and all(c in "0123456789" for c in value):
            number = int(value) if len(value.lstrip("0")) <= 19 else MAX_RETRY + 1
            if number <= MAX_RETRY:  # sse-codec's documented implementation limit
                result.retry = block_retry = number
        # any other field is ignored
    return result
