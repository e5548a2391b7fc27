"""A wide set of events, written by our encoder, for the real-client and browser tests.

Each entry is what a server application passes to :func:`sse_codec.encode`; the
stream mixes LF, CRLF and CR line endings, comments, keep-alives and a retry, so
readers see every framing the encoder can produce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sse_codec import KEEP_ALIVE, encode, encode_comment


@dataclass(frozen=True, slots=True)
class Sent:
    """One ``encode`` call: its arguments and the line ending used."""

    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    line_ending: str = "\n"


WIDE: tuple[Sent, ...] = (
    Sent("plain"),
    Sent("first line\nsecond line\nthird line", event="multi"),
    Sent("crlf\r\ninside\r\ndata", event="crlf", line_ending="\r\n"),
    Sent("lone\rcr\rinside", line_ending="\r"),
    Sent("mixed\nends\r\nin\rone"),
    Sent(""),
    Sent("\n"),
    Sent("\n\ntrailing and leading blank lines\n\n"),
    Sent(" leading space kept, trailing kept "),
    Sent(":not a comment"),
    Sent("data: not a field\nid: not an id\nevent: not a type"),
    Sent("unicode: h\u00e9llo \u2713 \U0001f389 \u4e2d\u6587 \u05e9\u05dc\u05d5\u05dd", id="u1"),
    Sent("line separator \u2028 and paragraph separator \u2029 and \u0085 stay data"),
    Sent("\ufeffa BOM inside data is data"),
    Sent("tab\tand other controls \x01\x1f"),
    Sent("id persists", event="named"),
    Sent("new id", id="42", event="with space in type"),
    Sent("retry set", retry=2500, event="\u00fcnicode-type"),
    Sent("id reset", id=""),
    Sent('{"json": ["value", 1, null, true], "nested": {"k": "v\\n"}}', event="json"),
    Sent("x" * 5000, event="long"),
)


def encode_wide(sent: tuple[Sent, ...] = WIDE) -> bytes:
    """Return the wire form of ``sent``, with comments and keep-alives between events."""
    parts = [encode_comment("stream start"), encode(None, retry=30000)]
    for n, item in enumerate(sent):
        parts.append(
            encode(
                item.data,
                event=item.event,
                id=item.id,
                retry=item.retry,
                line_ending=item.line_ending,
            )
        )
        if n % 5 == 0:
            parts.append(KEEP_ALIVE)
    return b"".join(parts)


def expected_messages(sent: tuple[Sent, ...] = WIDE) -> list[tuple[str, str, str]]:
    """``(type, data, lastEventId)`` as the spec says any reader must see them.

    Written from the spec, not from our decoder: CR, LF and CRLF in data each
    come back as LF; the type defaults to ``message``; the last event ID persists
    from event to event until a new ``id`` sets (or ``id: ""`` resets) it.
    """
    out = []
    last_id = ""
    for item in sent:
        if item.id is not None:
            last_id = item.id
        data = re.sub(r"\r\n|\r", "\n", item.data)
        out.append((item.event or "message", data, last_id))
    return out
