"""The sans-I/O event-stream decoder: bytes in, events out.

This follows the WHATWG HTML "Server-sent events" parsing and interpretation
rules exactly (section "Parsing an event stream" and "Interpreting an event
stream").  Nothing here does I/O or imports anything beyond the standard library.

Complexity: every byte fed is copied a bounded number of times.  A chunk without a
line end is appended to one ``bytearray`` (amortised O(1) per byte), and a chunk
that completes lines is split once with ``bytes.splitlines`` (C code that splits
on exactly CR, LF and CRLF, the spec's three line ends).  No buffer is ever
rescanned from its start, so any chunking costs time linear in the bytes fed.
"""

from __future__ import annotations

from collections.abc import Callable

from ._errors import SSEDecoderClosedError, SSELimitError
from ._event import Comment, ServerSentEvent

__all__ = [
    "DEFAULT_MAX_EVENT_SIZE",
    "DEFAULT_MAX_LINE_SIZE",
    "MAX_RETRY",
    "SSEDecoder",
]

#: Default bound on one line (any field, or the unterminated tail of the stream), in bytes.
DEFAULT_MAX_LINE_SIZE = 32 * 1024 * 1024
#: Default bound on the data of one event (sum of its ``data`` values plus one LF each).
DEFAULT_MAX_EVENT_SIZE = 32 * 1024 * 1024
#: Largest ``retry`` value kept; longer digit strings are ignored like other invalid values.
MAX_RETRY = 2**63 - 1

_BOM = b"\xef\xbb\xbf"
_MAX_RETRY_DIGITS = len(str(MAX_RETRY))

_OPEN = 0
_CLOSED = 1
_FAILED = 2


def _strip_one_space(value: bytes) -> bytes:
    return value[1:] if value[:1] == b" " else value


class SSEDecoder:
    """Incremental, sans-I/O decoder for ``text/event-stream`` bytes.

    Feed it the body of a response chunk by chunk, in any chunking, and it returns
    the events each chunk completed.  It implements the WHATWG parsing rules: the
    stream is UTF-8 (invalid bytes become U+FFFD, never an error); one leading BOM
    is dropped; lines end at CRLF, LF or a lone CR, also when CR and LF arrive in
    different chunks; a blank line dispatches; ``id`` persists across events and
    is ignored when it holds NUL; ``retry`` is taken only when it is all ASCII
    digits; an event whose data buffer is empty is not dispatched; at end of
    stream an unterminated event is discarded.

    Keyword arguments:

    * ``max_line_size``: bound, in bytes, on one line, including the unterminated
      line being received.  ``None`` disables it.
    * ``max_event_size``: bound, in bytes, on the data of the event being built.
      ``None`` disables it.
    * ``dispatch_on_close``: leniency for servers that omit the final blank line;
      ``close()`` then treats the unterminated tail as a line and dispatches the
      pending event.  Off by default, as the spec requires.
    * ``on_comment``: called with the text of each comment line (after the colon,
      one leading space removed), in stream order, while ``feed``/``close`` run.

    Attributes ``last_event_id`` (the stream's last event ID, updated when a block
    ends, also when it dispatched nothing) and ``retry`` (the reconnection time in
    milliseconds from the last valid ``retry`` field, or ``None``) show the stream's
    state at any time.

    Exceeding a limit raises :class:`~sse_codec.SSELimitError`, whose ``events``
    holds the events completed earlier in the same call; the decoder is then failed,
    and further ``feed`` calls raise :class:`~sse_codec.SSEDecoderClosedError`.
    """

    __slots__ = (
        "_block_retry",
        "_data",
        "_data_size",
        "_event_type",
        "_head",
        "_id_buffer",
        "_items",
        "_partial",
        "_skip_lf",
        "_state",
        "dispatch_on_close",
        "last_event_id",
        "max_event_size",
        "max_line_size",
        "on_comment",
        "retry",
    )

    def __init__(
        self,
        *,
        max_line_size: int | None = DEFAULT_MAX_LINE_SIZE,
        max_event_size: int | None = DEFAULT_MAX_EVENT_SIZE,
        dispatch_on_close: bool = False,
        on_comment: Callable[[str], object] | None = None,
    ) -> None:
        for name, limit in (("max_line_size", max_line_size), ("max_event_size", max_event_size)):
            if limit is not None and (type(limit) is not int or limit < 0):
                raise ValueError(f"{name} must be a non-negative int or None, not {limit!r}")
        self.max_line_size = max_line_size
        self.max_event_size = max_event_size
        self.dispatch_on_close = dispatch_on_close
        self.on_comment = on_comment
        self.last_event_id = ""
        self.retry: int | None = None
        # Bytes seen so far while deciding whether the stream starts with a BOM;
        # None once that is decided (the BOM may arrive split across chunks).
        self._head: bytes | None = b""
        # The unterminated line being received; None when there is none.
        self._partial: bytearray | None = None
        # The previous chunk ended with CR: an LF starting the next one is the
        # second half of a CRLF, not a second line end.
        self._skip_lf = False
        self._data: list[bytes] = []
        self._data_size = 0
        self._event_type = ""
        self._id_buffer = ""
        self._block_retry: int | None = None
        self._items = False
        self._state = _OPEN

    def feed(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
        """Feed the next chunk of the stream; return the events it completed.

        Any chunk size works, including empty chunks and chunks that split a CRLF,
        the BOM or a UTF-8 character.  Raises :class:`TypeError` for ``str`` (feed
        bytes), :class:`~sse_codec.SSELimitError` when a limit is exceeded and
        :class:`~sse_codec.SSEDecoderClosedError` after ``close`` or a failure.
        """
        self._items = False
        return self._feed(data)  # type: ignore[return-value]

    def feed_items(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent | Comment]:
        """Like :meth:`feed`, but also return comments, in stream order.

        For tools that show or forward keep-alives (proxies, the command line).
        """
        self._items = True
        try:
            return self._feed(data)
        finally:
            self._items = False

    def close(self) -> list[ServerSentEvent]:
        """End the stream and return what it completed.

        By the spec, an event not terminated by a blank line is discarded, so this
        returns ``[]`` unless ``dispatch_on_close`` is set.  Calling it again, or
        after a failure, returns ``[]``.
        """
        self._items = False
        return self._close()  # type: ignore[return-value]

    def close_items(self) -> list[ServerSentEvent | Comment]:
        """Like :meth:`close`, but also return comments (see :meth:`feed_items`)."""
        self._items = True
        try:
            return self._close()
        finally:
            self._items = False

    # -- internals ---------------------------------------------------------------

    def _feed(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent | Comment]:
        if type(data) is not bytes:
            if isinstance(data, bytes | bytearray | memoryview):
                data = bytes(data)
            elif isinstance(data, str):
                raise TypeError(
                    "SSEDecoder.feed() takes bytes, bytearray or memoryview, not str: "
                    "feed the raw response bytes (e.g. httpx's iter_bytes(), not iter_text())"
                )
            else:
                raise TypeError(
                    "SSEDecoder.feed() takes bytes, bytearray or memoryview, "
                    f"not {type(data).__name__}"
                )
        if self._state != _OPEN:
            raise SSEDecoderClosedError(
                "this decoder is closed"
                if self._state == _CLOSED
                else "this decoder failed on an earlier limit error; create a new one"
            )
        if not data:
            return []
        if self._head is not None:
            data = self._head + data
            if len(data) < 3 and _BOM.startswith(data):
                self._head = data
                return []
            self._head = None
            if data[:3] == _BOM:
                data = data[3:]
                if not data:
                    return []
        if self._skip_lf:
            self._skip_lf = False
            if data[0] == 10:
                data = data[1:]
                if not data:
                    return []
        partial = self._partial
        if b"\n" not in data and b"\r" not in data:
            # No line end: only grow the pending line.
            if partial is None:
                partial = self._partial = bytearray(data)
            else:
                partial += data
            limit = self.max_line_size
            if limit is not None and len(partial) > limit:
                self._fail()
                raise SSELimitError("max_line_size", limit, len(partial))
            return []
        if partial is not None:
            partial += data
            data = bytes(partial)
            self._partial = partial = None
        lines = data.splitlines()
        last = data[-1]
        if last == 13:
            self._skip_lf = True
        elif last != 10:
            self._partial = bytearray(lines.pop())
        out: list[ServerSentEvent | Comment] = []
        limit = self.max_line_size
        self._process(lines, out, limit is not None and len(data) > limit)
        if limit is not None and self._partial is not None and len(self._partial) > limit:
            size = len(self._partial)
            self._fail()
            raise SSELimitError("max_line_size", limit, size, events=out)
        return out

    def _close(self) -> list[ServerSentEvent | Comment]:
        if self._state != _OPEN:
            return []
        out: list[ServerSentEvent | Comment] = []
        if self.dispatch_on_close:
            tail = self._partial
            if tail is None and self._head:
                tail = bytearray(self._head)  # a lone partial BOM is just bytes
            lines = [bytes(tail)] if tail else []
            lines.append(b"")
            self._partial = None
            self._process(lines, out, False)
        self._state = _CLOSED
        self._reset_block()
        self._partial = None
        self._head = None
        return out

    def _fail(self) -> None:
        self._state = _FAILED
        self._partial = None
        self._reset_block()

    def _reset_block(self) -> None:
        self._data = []
        self._data_size = 0
        self._event_type = ""
        self._block_retry = None

    def _process(
        self, lines: list[bytes], out: list[ServerSentEvent | Comment], check_lines: bool
    ) -> None:
        """Interpret complete lines (without their line ends), appending to ``out``."""
        data = self._data
        max_event = self.max_event_size
        max_line = self.max_line_size
        for line in lines:
            if check_lines and max_line is not None and len(line) > max_line:
                self._fail()
                raise SSELimitError("max_line_size", max_line, len(line), events=out)
            if not line:
                # Blank line: dispatch.
                self.last_event_id = self._id_buffer
                if data:
                    out.append(
                        ServerSentEvent(
                            self._event_type or "message",
                            b"\n".join(data).decode("utf-8", "replace"),
                            self._id_buffer or None,
                            self._block_retry,
                        )
                    )
                    data = self._data = []
                    self._data_size = 0
                self._event_type = ""
                self._block_retry = None
                continue
            colon = line.find(b":")
            if colon == 0:
                self._comment(line, out)
                continue
            if colon < 0:
                name = line
                value = b""
            else:
                name = line[:colon]
                value = line[colon + 1 :]
                if value[:1] == b" ":
                    value = value[1:]
            if name == b"data":
                data.append(value)
                if max_event is not None:
                    self._data_size += len(value) + 1
                    if self._data_size > max_event:
                        size = self._data_size
                        self._fail()
                        raise SSELimitError("max_event_size", max_event, size, events=out)
            elif name == b"event":
                self._event_type = value.decode("utf-8", "replace")
            elif name == b"id":
                if b"\x00" not in value:
                    self._id_buffer = value.decode("utf-8", "replace")
            # bytes.isdigit() is ASCII-only: exactly the spec's "ASCII digits".
            elif name == b"retry" and value.isdigit():
                digits = value.lstrip(b"0") or b"0"
                if len(digits) <= _MAX_RETRY_DIGITS:
                    retry = int(digits)
                    if retry <= MAX_RETRY:
                        self.retry = self._block_retry = retry

    def _comment(self, line: bytes, out: list[ServerSentEvent | Comment]) -> None:
        if self._items or self.on_comment is not None:
            text = _strip_one_space(line[1:]).decode("utf-8", "replace")
            if self._items:
                out.append(Comment(text))
            if self.on_comment is not None:
                self.on_comment(text)
