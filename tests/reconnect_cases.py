"""Scripted reconnection cases, run by Chromium's EventSource and by sse-codec's clients.

Every case sets ``retry: 50`` first, so reconnections are quick.  A case's script
answers each request on its path; after the listed replies it answers 204, which
ends both a browser's EventSource and a reconnecting sse-codec stream.
"""

from __future__ import annotations

from scripted_server import NO_CONTENT, Reply, Script, replies

RETRY = b"retry: 50\n\n"
EVENT_TYPES = ("tick",)


def _stream(*chunks: bytes, end: str = "eof", content_type: str = "text/event-stream") -> Reply:
    return Reply(chunks=chunks, end=end, content_type=content_type)  # type: ignore[arg-type]


def _resume_after_id(index: int, last_event_id: str | None) -> Reply:
    # Three events; resumes after the Last-Event-ID it receives; the first
    # connection breaks inside the second event, the second between CR and LF of
    # a data line, the third ends normally.
    events = [b"id: %d\r\ndata: event %d\r\n\r\n" % (n, n) for n in (1, 2, 3)]
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    if start >= len(events):
        return NO_CONTENT
    body = b"".join(events[start:])
    if index == 0:
        return _stream(RETRY, body[: len(events[0]) + 9], end="drop")
    if index == 1:
        return _stream(RETRY, body[: body.index(b"\r\n") + 1], end="drop")
    return _stream(RETRY, body)


CASES: dict[str, Script] = {
    # The body ends normally twice: reconnect each time with the last ID.
    "eof-reconnects": replies(
        _stream(RETRY, b"id: 1\ndata: a\n\nid: 2\nevent: tick\ndata: b\n\n"),
        _stream(b"id: 3\ndata: c\n\n"),
    ),
    # The connection breaks inside an event: that event is discarded.
    "drop-inside-event": replies(
        _stream(RETRY, b"id: 1\ndata: a\n\nid: 2\ndata: b", end="drop"),
        _stream(b"id: 2\ndata: b\n\n"),
    ),
    # Breaks right after a CR that ends the blank line: the event is complete.
    "drop-after-cr-blank-line": replies(
        _stream(RETRY, b"id: 1\r\ndata: a\r\n\r", end="drop"),
        _stream(b"\ndata: after\r\n\r\n"),
    ),
    # Breaks after a CR that ends a data line, before the blank line.
    "drop-after-cr-data-line": replies(
        _stream(RETRY, b"id: 1\r\ndata: a\r\n\r\nid: 2\r\ndata: b\r", end="drop"),
        _stream(b"\ndata: c\r\n\r\n"),
    ),
    # Breaks between two events.
    "drop-between-events": replies(
        _stream(RETRY, b"id: 1\ndata: a\n\n", end="drop"),
        _stream(b"id: 2\ndata: b\n\n", end="drop"),
    ),
    # The next connection's events carry the ID the client already had.
    "seeded-id": replies(
        _stream(RETRY, b"id: 7\ndata: a\n\n"),
        _stream(b"data: no id line\n\n", b"event: tick\ndata: still 7\n\n"),
    ),
    # An empty id resets the last event ID: no Last-Event-ID header next time.
    "id-reset": replies(
        _stream(RETRY, b"id: 5\ndata: a\n\nid\ndata: b\n\n"),
        _stream(b"data: c\n\n"),
    ),
    # A block with only an id still sets the ID sent on reconnection.
    "id-only-block": replies(
        _stream(RETRY, b"data: a\n\nid: 9\n\n"),
        _stream(b"data: b\n\n"),
    ),
    # A non-ASCII ID goes back as UTF-8.
    "unicode-id": replies(_stream(RETRY, "id: é€😀\ndata: a\n\n".encode())),
    # Spaces and tabs around an ID: HTTP strips them from the header value.
    "id-with-surrounding-whitespace": replies(_stream(RETRY, b"id: \t7 8 \ndata: a\n\n")),
    # A control character in an ID: Chromium sends it as it is; so does httpx.
    # aiohttp refuses to (see test_reconnect_chromium.py).
    "control-character-id": replies(_stream(RETRY, b"id: a\x01b\ndata: a\n\n")),
    # Content-Type parameters do not matter.
    "charset-parameter": replies(
        _stream(RETRY, b"data: a\n\n", content_type="text/event-stream; charset=utf-8")
    ),
    # A 500 after a good connection ends the stream for good.
    "then-500": replies(
        _stream(RETRY, b"id: 1\ndata: a\n\n"),
        Reply(status=500, content_type="text/plain", chunks=[b"oops"]),
    ),
    # 503 is not retried by default (spec behaviour).
    "then-503": replies(
        _stream(RETRY, b"id: 1\ndata: a\n\n"),
        Reply(status=503, content_type="application/json", chunks=[b'{"error": "busy"}']),
    ),
    # A 401 with a JSON body on the first request: no events, closed.
    "first-401-json": replies(
        Reply(
            status=401,
            content_type="application/json",
            chunks=[b'{"error": {"message": "bad key", "type": "auth"}}'],
        )
    ),
    # 200 with an HTML page: the wrong content type ends it for good.
    "then-html": replies(
        _stream(RETRY, b"id: 1\ndata: a\n\n"),
        Reply(content_type="text/html", chunks=[b"<html>hi</html>"]),
    ),
    # The server closes the connection without any response.
    "no-response-then-stream": replies(
        _stream(RETRY, b"id: 1\ndata: a\n\n"),
        Reply(end="nothing"),
        _stream(b"data: b\n\n"),
    ),
    # Resumes after the Last-Event-ID it receives, broken at awkward points.
    "resume-after-id": _resume_after_id,
}
