"""Where ``serve`` resumes a stream for a client that sends ``Last-Event-ID``.

The EventSource processing model sends the last event ID it saw when it
reconnects; a server that keeps its events answers with the ones after it.  For a
recorded body that means: the bytes after the blank line that dispatched the
first event carrying that ID (or the ID-only block that set it).
"""

from __future__ import annotations

from .._impl import SSEDecoder

__all__ = ["resume_offsets"]


def resume_offsets(body: bytes) -> dict[str, int]:
    """Map each last event ID that ``body`` sets to the offset just after the block
    that set it (the first such block, when an ID repeats).

    Never raises: the decoder runs without limits on a body that is already in
    memory, and an undecodable line is data like any other.
    """
    decoder = SSEDecoder(max_line_size=None, max_event_size=None)
    offsets: dict[str, int] = {}
    offset = 0
    last = decoder.last_event_id
    # Line by line, so each change is placed at the line end that made it.  Each
    # line is fed with an LF end: bytes.splitlines splits at CR, LF and CRLF, as SSE
    # does, and an LF (unlike a CR, which might be half a CRLF) ends the line now.
    for line in body.splitlines(keepends=True):
        offset += len(line)
        decoder.feed_items(line.rstrip(b"\r\n") + b"\n")
        if decoder.last_event_id != last:
            last = decoder.last_event_id
            if last:
                offsets.setdefault(last, offset)
    return offsets
