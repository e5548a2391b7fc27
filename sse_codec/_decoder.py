"""The reference event-stream decoder: bytes in, events out, in pure Python.

It reads as the WHATWG HTML "Server-sent events" section does ("Parsing an event
stream", "Interpreting an event stream"), in three steps: framing (``_read``: lines
end at CRLF, LF or a lone CR; a CR that ends a chunk is remembered, so that an LF
starting the next one is not a second line end; one leading BOM is dropped), fields
(``_interpret``: a blank line, a comment or ``name: value``) and dispatch
(``_dispatch``).  It is the reference the compiled decoder (``sse_codec._cdecoder``)
is tested against, so it takes no shortcut that would need a second path to check.

Time and memory.  A chunk is read in windows of at most ``_WINDOW`` bytes, each
split once with ``bytes.splitlines`` (C code that splits on exactly the spec's
three line ends), so what one ``feed`` allocates is bounded by the window, not the
chunk.  The unterminated line waits in a ``bytearray`` that only grows at its end,
and an event's data is built in another, checked against ``max_event_size`` before
each value is added.  So any chunking costs time linear in the bytes fed, and the
decoder holds about ``max_line_size + max_event_size + _WINDOW`` bytes at most.
"""

from __future__ import annotations

from collections.abc import Callable
from sys import intern
from typing import NoReturn, cast

from ._constants import DEFAULT_MAX_EVENT_SIZE, DEFAULT_MAX_LINE_SIZE, MAX_RETRY
from ._errors import SSEDecoderClosedError, SSELimitError
from ._event import Comment, ServerSentEvent, _make_event

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "DEFAULT_MAX_LINE_SIZE", "MAX_RETRY", "SSEDecoder"]

_BOM = b"\xef\xbb\xbf"
# The most bytes split into lines at once (see the module docstring).
_WINDOW = 64 * 1024
_MAX_RETRY_DIGITS = len(str(MAX_RETRY))
_CLOSED = "this decoder is closed"
_FAILED = "this decoder failed on an earlier error; create a new one"

_Item = ServerSentEvent | Comment
_Bytes = bytes | bytearray | memoryview


class SSEDecoder:
    """Incremental, sans-I/O decoder for ``text/event-stream`` bytes.

    Feed it a response body chunk by chunk, in any chunking; it returns the events
    each chunk completed, by the WHATWG rules: UTF-8 (invalid bytes become U+FFFD,
    never an error), one leading BOM dropped, lines ending at CRLF, LF or CR, a
    blank line dispatching, ``id`` persisting (ignored when it holds NUL),
    ``retry`` taken only when all ASCII digits, no event for an empty data buffer,
    and an unterminated event discarded at the end.

    Keyword arguments:

    * ``max_line_size``: bound, in bytes, on one line, including the unterminated
      line being received.  ``None`` disables it.
    * ``max_event_size``: bound, in bytes, on the data of the event being built
      (its ``data`` values plus one LF each).  ``None`` disables it.
    * ``dispatch_on_close``: leniency for servers that omit the final blank line;
      ``close()`` then treats the unterminated tail as a line and dispatches the
      pending event.  Off by default, as the spec requires.
    * ``on_comment``: called with the text of each comment line (after the colon,
      one leading space removed), in stream order, while ``feed``/``close`` run.
      An exception it raises propagates, and leaves the decoder failed.
    * ``last_event_id``: the ID to start from, as a browser's ``EventSource`` does
      when it reconnects: events without an ``id`` line carry it.

    ``last_event_id`` (updated when a block ends, even one that dispatched nothing;
    assigning it seeds the decoder) and ``retry`` (milliseconds, from the last valid
    ``retry`` field, or ``None``) show the stream's state at any time.  Exceeding a
    limit raises :class:`~sse_codec.SSELimitError` and fails the decoder.  It is not
    safe to share between threads: using it from a second thread, or from its own
    callback, while it is decoding raises :class:`RuntimeError`.
    """

    __slots__ = (
        "_block_retry",
        "_busy",
        "_cr",
        "_data",
        "_event_type",
        "_id_buffer",
        "_last_event_id",
        "_line",
        "_max_event",
        "_max_line",
        "_start",
        "_state",
        "dispatch_on_close",
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
        last_event_id: str = "",
    ) -> None:
        self._max_line = _check_limit("max_line_size", max_line_size)
        self._max_event = _check_limit("max_event_size", max_event_size)
        self.dispatch_on_close: bool = dispatch_on_close
        self.on_comment: Callable[[str], object] | None = on_comment
        self.retry: int | None = None
        self._last_event_id = self._id_buffer = _check_id(last_event_id)
        self._line = bytearray()  # the unterminated line (at first: a BOM's first bytes)
        self._data = bytearray()  # the data buffer: each value plus an LF
        self._event_type = ""
        self._block_retry: int | None = None  # the retry this block set, for its event
        self._start = True  # no byte past a possible BOM read yet
        self._cr = False  # the last chunk ended with CR: skip an LF that starts the next
        self._state: str | None = None  # why the decoder refuses input, when it does
        self._busy = False

    @property
    def max_line_size(self) -> int | None:
        """The bound on one line, in bytes (``None``: no bound); may be changed."""
        return self._max_line

    @max_line_size.setter
    def max_line_size(self, value: int | None) -> None:
        self._max_line = _check_limit("max_line_size", value)

    @property
    def max_event_size(self) -> int | None:
        """The bound on one event's data, in bytes (``None``: no bound); may be changed."""
        return self._max_event

    @max_event_size.setter
    def max_event_size(self, value: int | None) -> None:
        self._max_event = _check_limit("max_event_size", value)

    @property
    def last_event_id(self) -> str:
        """The stream's last event ID (``""`` when none).

        Assigning it seeds the decoder (events without an ``id`` line then carry
        it); raises :class:`TypeError` for a non-str and :class:`ValueError` for
        NUL, CR or LF, which no stream could set.
        """
        return self._last_event_id

    @last_event_id.setter
    def last_event_id(self, value: str) -> None:
        self._last_event_id = self._id_buffer = _check_id(value)

    def feed(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
        """Feed the next chunk of the stream; return the events it completed.

        Any chunk size works, including empty chunks and chunks that split a CRLF,
        the BOM or a UTF-8 character.  Raises :class:`TypeError` for ``str`` (feed
        bytes), :class:`~sse_codec.SSELimitError` when a limit is exceeded and
        :class:`~sse_codec.SSEDecoderClosedError` after ``close`` or a failure.
        """
        return cast("list[ServerSentEvent]", self._feed(data, False))

    def feed_items(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent | Comment]:
        """Like :meth:`feed`, but also return comments, in stream order.

        For tools that show or forward keep-alives (proxies, the command line).
        """
        return self._feed(data, True)

    def close(self) -> list[ServerSentEvent]:
        """End the stream and return what it completed.

        By the spec, an event not terminated by a blank line is discarded, so this
        returns ``[]`` unless ``dispatch_on_close`` is set.  Calling it again, or
        after a failure, returns ``[]``.
        """
        return cast("list[ServerSentEvent]", self._close(False))

    def close_items(self) -> list[ServerSentEvent | Comment]:
        """Like :meth:`close`, but also return comments (see :meth:`feed_items`)."""
        return self._close(True)

    # -- one call: guard the state, read, fail cleanly ----------------------------

    def _feed(self, data: _Bytes, items: bool) -> list[_Item]:
        view = _as_bytes(data)
        self._enter()
        out: list[_Item] = []
        try:
            for start in range(0, len(view), _WINDOW):
                end = start + _WINDOW
                self._read(bytes(view[start:end]), out, items)
                if self._max_line is not None and len(self._line) > self._max_line:
                    # Report the line's length up to its end or the chunk's, as a
                    # decoder that read the chunk in one piece would.
                    size = len(self._line) + _line_rest(view, end)
                    self._limit_error("max_line_size", self._max_line, size, out)
        except BaseException:
            self._fail()
            raise
        finally:
            self._busy = False
        return out

    def _close(self, items: bool) -> list[_Item]:
        if self._state is not None:
            return []
        self._enter()
        out: list[_Item] = []
        try:
            if self.dispatch_on_close:
                line, self._line = self._line, bytearray()
                if line:
                    self._interpret(line, out, items)
                self._dispatch(out)
        except BaseException:
            self._fail()
            raise
        finally:
            self._busy = False
        self._release(_CLOSED)
        return out

    def _enter(self) -> None:
        if self._busy:
            raise RuntimeError("SSEDecoder re-entered (from its callback or a second thread)")
        if self._state is not None:
            raise SSEDecoderClosedError(self._state)
        self._busy = True

    def _fail(self) -> None:
        if self._state is None:
            self._release(_FAILED)

    def _release(self, state: str) -> None:
        self._state = state
        self._line = bytearray()
        self._data = bytearray()
        self._event_type = ""
        self._block_retry = None

    def _limit_error(self, name: str, limit: int, size: int, out: list[_Item]) -> NoReturn:
        events = [item for item in out if type(item) is ServerSentEvent]
        raise SSELimitError(name, limit, size, events, out)

    # -- 1. framing ----------------------------------------------------------------

    def _read(self, chunk: bytes, out: list[_Item], items: bool) -> None:
        """Read one window of the stream: interpret the lines it completes."""
        if self._start:
            chunk = self._skip_bom(chunk)
        if self._cr and chunk:
            self._cr = False
            if chunk[0] == 10:  # the LF of a CRLF that the chunking cut in two
                chunk = chunk[1:]
        if not chunk:
            return
        lines = chunk.splitlines()
        last = chunk[-1]
        if last == 13:
            self._cr = True
        tail = lines.pop() if last != 10 and last != 13 else b""
        line: bytes | bytearray
        for line in lines:
            if self._line:  # the first line completes the pending one, in place
                pending, self._line = self._line, bytearray()
                pending += line
                line = pending
            self._interpret(line, out, items)
        self._line += tail

    def _skip_bom(self, chunk: bytes) -> bytes:
        """Drop a leading BOM, which may arrive split across chunks: its first
        bytes wait in the pending line until the third byte decides."""
        seen = self._line + chunk[:3]
        if len(seen) < 3 and _BOM.startswith(seen):
            self._line = seen
            return b""
        self._start = False
        if seen.startswith(_BOM):
            skip = 3 - len(self._line)
            self._line = bytearray()
            return chunk[skip:]
        return chunk  # the waiting bytes, if any, begin the first line

    # -- 2. fields -----------------------------------------------------------------

    def _interpret(self, line: bytes | bytearray, out: list[_Item], items: bool) -> None:
        """Interpret one complete line (without its line end)."""
        if self._max_line is not None and len(line) > self._max_line:
            self._limit_error("max_line_size", self._max_line, len(line), out)
        if not line:
            self._dispatch(out)
        elif line[:6] == b"data: ":  # by far the most common line
            self._append_data(_cut(line, 6), out)
        elif line[0] == 58:  # ":" starts a comment
            if items or self.on_comment is not None:
                text = _cut(line, 2 if line[1:2] == b" " else 1).decode("utf-8", "replace")
                if items:
                    out.append(Comment(text))
                if self.on_comment is not None:
                    self.on_comment(text)
        else:
            name: bytes | bytearray
            value: bytes | bytearray
            colon = line.find(b":")
            if colon < 0:  # no colon: the whole line is the name, the value empty
                name, value = line, b""
            else:
                name = line[:colon]
                value = _cut(line, colon + (2 if line[colon + 1 : colon + 2] == b" " else 1))
            self._field(name, value, out)

    def _field(self, name: bytes | bytearray, value: bytes | bytearray, out: list[_Item]) -> None:
        if name == b"data":
            self._append_data(value, out)
        elif name == b"event":
            # Interned: many parked decoders share one copy of each event name.
            self._event_type = intern(value.decode("utf-8", "replace"))
        elif name == b"id":
            if 0 not in value:
                self._id_buffer = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit():  # bytes.isdigit: ASCII digits only
            digits = value.lstrip(b"0") or b"0"
            if len(digits) <= _MAX_RETRY_DIGITS and int(digits) <= MAX_RETRY:
                self.retry = self._block_retry = int(digits)
        # Any other field is ignored.

    def _append_data(self, value: bytes | bytearray, out: list[_Item]) -> None:
        data = self._data
        size = len(data) + len(value) + 1
        if self._max_event is not None and size > self._max_event:
            self._limit_error("max_event_size", self._max_event, size, out)
        if not data and type(value) is bytearray:
            data = self._data = value  # a line completed in the pending buffer: no copy
        else:
            data += value
        data.append(10)

    # -- 3. dispatch ---------------------------------------------------------------

    def _dispatch(self, out: list[_Item]) -> None:
        self._last_event_id = ident = self._id_buffer
        data = self._data
        if data:
            del data[-1]  # the LF after the last value
            text = data.decode("utf-8", "replace")
            self._data = bytearray()
            event_type = self._event_type or "message"
            out.append(_make_event(event_type, text, ident or None, self._block_retry))
        self._event_type = ""
        self._block_retry = None


def _cut(line: bytes | bytearray, start: int) -> bytes | bytearray:
    """``line[start:]``.  A bytearray is a line completed in the pending buffer,
    perhaps megabytes long: it is cut in place (CPython moves its start), not copied."""
    if type(line) is bytearray:
        del line[:start]
        return line
    return line[start:]


def _line_rest(view: _Bytes, pos: int) -> int:
    """How many bytes of ``view`` from ``pos`` on still belong to the line in progress."""
    for start in range(pos, len(view), _WINDOW):
        window = bytes(view[start : start + _WINDOW])
        ends = [end for end in (window.find(b"\r"), window.find(b"\n")) if end >= 0]
        if ends:
            return start - pos + min(ends)
    return max(len(view) - pos, 0)


def _as_bytes(data: object) -> _Bytes:
    """``data`` as something that slices into bytes, or :class:`TypeError`."""
    if isinstance(data, bytes | bytearray):
        return data
    if isinstance(data, memoryview):
        # Windows are counted in bytes, whatever the view's item format.
        return data.cast("B") if data.c_contiguous else data.tobytes()
    if isinstance(data, str):
        raise TypeError(
            "SSEDecoder.feed() takes bytes, bytearray or memoryview, not str: "
            "feed the raw response bytes (e.g. httpx's iter_bytes(), not iter_text())"
        )
    raise TypeError(
        f"SSEDecoder.feed() takes bytes, bytearray or memoryview, not {type(data).__name__}"
    )


def _check_limit(name: str, value: object) -> int | None:
    if value is None or (type(value) is int and value >= 0):
        return value
    raise ValueError(f"{name} must be a non-negative int or None, not {value!r}")


def _check_id(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"last_event_id must be a str, not {type(value).__name__}")
    value = str.__str__(value)  # a subclass is taken at its plain string value
    if "\0" in value or "\r" in value or "\n" in value:
        raise ValueError("last_event_id cannot hold NUL, CR or LF: no stream could set it")
    return value
