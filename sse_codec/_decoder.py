"""The sans-I/O event-stream decoder: bytes in, events out.

This follows the WHATWG HTML "Server-sent events" parsing and interpretation
rules exactly (section "Parsing an event stream" and "Interpreting an event
stream").  Nothing here does I/O or imports anything beyond the standard library.

Complexity: every byte fed is copied a bounded number of times.  A chunk without a
line end is appended to one ``bytearray`` (amortised O(1) per byte), and a chunk
that completes lines is split once with ``bytes.splitlines`` (C code that splits
on exactly CR, LF and CRLF, the spec's three line ends).  No buffer is ever
rescanned from its start, so any chunking costs time linear in the bytes fed.

Fast paths.  ``_process`` (one line at a time, from ``bytes.splitlines``) is the
reference interpretation of the spec; everything else is a shortcut that must give
exactly its result, and ``tests/test_fast_paths.py`` checks that against
``_ReferenceDecoder`` (the same class with the shortcuts switched off) on generated
streams and chunkings.  The shortcuts:

* a chunk without a line end, arriving while a line is pending, is only appended to
  the pending ``bytearray`` (``feed`` and ``iter_events`` do this inline, so 1-byte
  chunks cost a few bytecodes each);
* a run of whole blocks that are exactly ``data: <value>`` (the OpenAI shape) or
  ``event: <name>`` + ``data: <value>`` (the Anthropic shape) is split once, in C,
  at every block start, and costs one short loop per event, none per line; a chunk
  that is exactly one ``data:`` block (a server flushing each token) is recognised
  with two memchr calls (``_one_data_block``);
* a long pending line is completed in place and its value copied once, so a large
  event costs about twice its size in memory, not four times.

Events are built with ``_event._EventBuilder`` (see there): four times cheaper than
the frozen dataclass's ``__init__``, and the result is an ordinary ServerSentEvent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from sys import intern as _intern

from ._errors import SSEDecoderClosedError, SSELimitError
from ._event import Comment, ServerSentEvent, _EventBuilder, _make_event

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
# Byte values, for membership tests: ``10 in data`` is a plain memchr, while
# ``b"\n" in data`` first tries the operand as an int and pays for a caught
# TypeError (about ten times slower on small chunks).
_LF = 10
_CR = 13
_INF = float("inf")
# A pending line at least this long is completed in place (see _complete_long_line).
_LONG_LINE = 64 * 1024
# Below this size, a piece of stream with line ends is read line by line.
_REGION_MIN = 512
_MAX_RETRY_DIGITS = len(str(MAX_RETRY))

# Values of SSEDecoder._before (besides None and the bytes described there).
_CLOSED = "closed"
_FAILED = "failed"


def _strip_one_space(value: bytes | bytearray) -> bytes | bytearray:
    return value[1:] if value[:1] == b" " else value


def _fast_max(max_line: int | None, max_event: int | None) -> int | float:
    """Largest piece the whole-block shortcuts may take: every line and every
    event's data in it is shorter than the piece, so one within both bounds
    cannot exceed either."""
    return min(_INF if max_line is None else max_line, _INF if max_event is None else max_event)


def _one_data_block(chunk: bytes) -> bool:
    """Whether ``chunk`` is exactly ``data: V\n\n`` with no CR or LF inside V.

    The first LF is the second-to-last byte and the last byte is LF, so there
    are exactly two, at the end.  ``find`` (memchr) is much cheaper than ``count``.
    """
    return (
        chunk[:6] == b"data: "
        and chunk.find(b"\n") == len(chunk) - 2
        and chunk[-1] == _LF
        and _CR not in chunk
    )


def _first_line_end(data: bytes) -> int:
    """Index of the first CR or LF in ``data``, or -1."""
    lf = data.find(b"\n")
    cr = data.find(b"\r", 0, lf) if lf >= 0 else data.find(b"\r")
    return cr if cr >= 0 else lf


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
        "_before",
        "_block_retry",
        "_data",
        "_data_size",
        "_event_type",
        "_fast_max",
        "_id_buffer",
        "_idle",
        "_items",
        "_max_event",
        "_max_line",
        "_partial",
        "dispatch_on_close",
        "last_event_id",
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
        self._max_line = max_line_size
        self._max_event = max_event_size
        self._fast_max = _fast_max(max_line_size, max_event_size)
        self.dispatch_on_close = dispatch_on_close
        self.on_comment = on_comment
        self.last_event_id = ""
        self.retry: int | None = None
        # What must happen before the next chunk is read; None: nothing, read it.
        # One slot for three mutually exclusive states, so a parked decoder is small:
        # a prefix of the BOM (b"" at first) while the stream's first bytes are still
        # being checked for one (the BOM may arrive split across chunks); b"\r" after
        # a chunk that ended with CR, so an LF starting the next one is the second
        # half of a CRLF, not a second line end; _CLOSED or _FAILED: refuse it.
        self._before: bytes | str | None = b""
        # The unterminated line being received; None when there is none.
        self._partial: bytearray | None = None
        # The current block's data values: None when there are none, the value
        # itself when there is one, a list from the second on.  Most blocks have
        # one data line, so a parked decoder holds no list (64 bytes) for it.
        self._data: bytes | bytearray | list[bytes | bytearray] | None = None
        self._data_size = 0
        self._event_type = ""
        self._id_buffer = ""
        self._block_retry: int | None = None
        self._items = False
        # True when a chunk starts in the plainest state: open, BOM decided, no
        # pending line, no deferred LF, nothing buffered for the current block.  Only
        # then may the whole-blocks shortcut run.  Kept up to date by ``_feed``.
        self._idle = False

    @property
    def max_line_size(self) -> int | None:
        """The bound on one line, in bytes (``None``: no bound); may be changed."""
        return self._max_line

    @max_line_size.setter
    def max_line_size(self, value: int | None) -> None:
        self._max_line = value
        self._fast_max = _fast_max(value, self._max_event)

    @property
    def max_event_size(self) -> int | None:
        """The bound on one event's data, in bytes (``None``: no bound); may be changed."""
        return self._max_event

    @max_event_size.setter
    def max_event_size(self, value: int | None) -> None:
        self._max_event = value
        self._fast_max = _fast_max(self._max_line, value)

    # Class switch for the tests: ``_ReferenceDecoder`` turns every shortcut off.
    _reference = False

    def feed(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
        """Feed the next chunk of the stream; return the events it completed.

        Any chunk size works, including empty chunks and chunks that split a CRLF,
        the BOM or a UTF-8 character.  Raises :class:`TypeError` for ``str`` (feed
        bytes), :class:`~sse_codec.SSELimitError` when a limit is exceeded and
        :class:`~sse_codec.SSEDecoderClosedError` after ``close`` or a failure.
        """
        partial = self._partial
        if partial is not None:
            # Shortcut: no line end, so the chunk only extends the pending line.
            # (A pending line implies an open decoder with the BOM decided.)
            if type(data) is bytes and _LF not in data and _CR not in data:
                partial += data
                limit = self._max_line
                if limit is not None and len(partial) > limit:
                    self._line_too_long(len(partial), [])
                return []
        elif self._idle and type(data) is bytes:
            if _one_data_block(data) and len(data) <= self._fast_max:
                self.last_event_id = ident = self._id_buffer
                return [
                    _make_event(
                        "message", data[6:-2].decode("utf-8", "replace"), ident or None, None
                    )
                ]
            if _CR not in data:
                events = self._whole_blocks(data, 0, len(data))
                if events is not None:
                    return events
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
        partial = self._partial
        if partial is not None and type(data) is bytes and len(partial) < _LONG_LINE:
            # The most common call: a short pending line, which implies an open
            # decoder with the BOM decided and no deferred LF, so the checks below
            # can be skipped.  Join the line with the chunk and read them together.
            if _LF not in data and _CR not in data:
                partial += data
                if self._max_line is not None and len(partial) > self._max_line:
                    self._line_too_long(len(partial), [])
                return []
            self._partial = None
            # One copy into a new bytes, not append-then-copy.
            return self._read(b"".join((partial, data)), [])
        del partial  # so that a long pending line can be freed early (see below)
        return self._feed_general(data)

    def _feed_general(
        self, data: bytes | bytearray | memoryview
    ) -> list[ServerSentEvent | Comment]:
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
        before = self._before
        if before is not None:
            if isinstance(before, str):
                raise SSEDecoderClosedError(
                    "this decoder is closed"
                    if before is _CLOSED
                    else "this decoder failed on an earlier limit error; create a new one"
                )
            if not data:
                return []
            self._before = None
            if before == b"\r":
                if data[0] == _LF:
                    data = data[1:]
                    if not data:
                        return []
            else:
                data = before + data
                if len(data) < 3 and _BOM.startswith(data):
                    self._before = data
                    return []
                if data[:3] == _BOM:
                    data = data[3:]
                    if not data:
                        return []
        elif not data:
            return []
        out: list[ServerSentEvent | Comment] = []
        partial = self._partial
        if partial is not None:
            if len(partial) < _LONG_LINE:
                # Join a short pending line with the chunk and read them together.
                partial += data
                if _LF not in data and _CR not in data:
                    if self._max_line is not None and len(partial) > self._max_line:
                        self._line_too_long(len(partial), out)
                    return out
                # Read the bytearray itself: no copy; the tail sliced off it below
                # is a new bytearray, ready to be the next pending line.
                data = partial
                self._partial = None
            else:
                data = self._complete_long_line(partial, data, out)
                del partial  # the long line's bytes are freed here
                if not data:
                    self._update_idle()
                    return out
        elif _LF not in data and _CR not in data:
            self._partial = bytearray(data)
            self._idle = False
            if self._max_line is not None and len(data) > self._max_line:
                self._line_too_long(len(data), out)
            return out
        return self._read(data, out)

    def _read(
        self, data: bytes | bytearray, out: list[ServerSentEvent | Comment]
    ) -> list[ServerSentEvent | Comment]:
        """Read ``data``, which starts at a line start and holds a line end."""
        # Small pieces (one line end or two, in small chunks) are cheapest read
        # line by line; larger LF-only pieces go to the whole-blocks shortcut.
        limit = self._max_line
        if (len(data) < _REGION_MIN and data[-2:] != b"\n\n") or _CR in data or self._reference:
            lines = data.splitlines()
            last = data[-1]
            if last == 13:
                self._before = b"\r"
            elif last != 10:
                tail = lines.pop()
                self._partial = tail if type(tail) is bytearray else bytearray(tail)
            self._process(lines, out, limit is not None and len(data) > limit)
        else:
            end = data.rfind(b"\n") + 1
            if end < len(data):
                self._partial = bytearray(data[end:])
            self._lf_lines(data, end, out)
        if limit is not None and self._partial is not None and len(self._partial) > limit:
            self._line_too_long(len(self._partial), out)
        # (_ReferenceDecoder never reads _idle: its feed and iter_events skip the shortcuts.)
        self._idle = (
            self._partial is None
            and self._before is None
            and self._data is None
            and not self._event_type
            and self._block_retry is None
        )
        return out

    def _complete_long_line(
        self, partial: bytearray, data: bytes, out: list[ServerSentEvent | Comment]
    ) -> bytes:
        """Finish a long pending line in place; return the rest of ``data``.

        Joining a multi-megabyte line with the chunk and splitting it again would
        copy it twice more; here the bytearray is the only copy until the value is
        taken out of it (see ``_finish_line``).
        """
        cut = _first_line_end(data)
        if cut < 0:
            partial += data
            if self._max_line is not None and len(partial) > self._max_line:
                self._line_too_long(len(partial), out)
            return b""
        partial += data[:cut]
        self._partial = None
        after = cut + 1
        if data[cut] == 13:
            if after == len(data):
                self._before = b"\r"
            elif data[after] == 10:
                after += 1
        self._finish_line(partial, out)
        return data[after:]

    def _update_idle(self) -> None:
        self._idle = (
            self._partial is None
            and self._before is None
            and self._data is None
            and not self._event_type
            and self._block_retry is None
            and not self._reference
        )

    def _line_too_long(self, size: int, out: list[ServerSentEvent | Comment]) -> None:
        limit = self._max_line
        assert limit is not None
        self._fail()
        raise SSELimitError("max_line_size", limit, size, events=out)

    def _finish_line(self, line: bytearray, out: list[ServerSentEvent | Comment]) -> None:
        """Interpret a line completed in the pending ``bytearray``."""
        max_line = self._max_line
        if max_line is not None and len(line) > max_line:
            self._line_too_long(len(line), out)
        if line[:5] != b"data:":
            self._process([bytes(line)], out, False)
            return
        # A data line: copy its value straight out of the bytearray (one copy, the
        # same steps as the data branch of ``_process``).
        with memoryview(line) as view:
            value = bytes(view[6 if line[5:6] == b" " else 5 :])
        data = self._data
        if data is None:
            self._data = value
        elif isinstance(data, list):
            data.append(value)
        else:
            self._data = [data, value]
        max_event = self._max_event
        if max_event is not None:
            self._data_size += len(value) + 1
            if self._data_size > max_event:
                size = self._data_size
                self._fail()
                raise SSELimitError("max_event_size", max_event, size, events=out)

    def _lf_lines(
        self, data: bytes | bytearray, end: int, out: list[ServerSentEvent | Comment]
    ) -> None:
        """Interpret the whole lines ``data[:end]`` of a chunk without CR."""
        limit = self._max_line
        pos = 0
        # With LF as the only line end, b"\n\n" marks a blank line (after the line
        # it ends).  First finish the block in progress the reference way, up to
        # its blank line; then the run of whole blocks up to the last blank line
        # may go to the shortcut in one piece; then the unfinished block's lines.
        if self._data is not None or self._event_type or self._block_retry is not None:
            pos = 1 if data[0] == 10 else data.find(b"\n\n", 0, end) + 2
            if pos < 2 and data[0] != 10:
                pos = 0
            else:
                self._process(data[:pos].splitlines(), out, limit is not None and pos > limit)
        if pos < end:
            last_blank = data.rfind(b"\n\n", pos, end) + 2
            if last_blank >= pos + 2:
                events = self._whole_blocks(data, pos, last_blank)
                if events is not None:
                    out += events
                    pos = last_blank
            if pos < end:
                lines = data[pos:end].splitlines()
                self._process(lines, out, limit is not None and end - pos > limit)

    def _whole_blocks(
        self, data: bytes | bytearray, start: int, end: int
    ) -> list[ServerSentEvent] | None:
        """Shortcut for ``data[start:end]`` made only of whole blocks of one plain shape.

        The caller guarantees that the region holds no CR and that the decoder is
        idle (no block in progress, no pending line).  Returns the events, or
        ``None`` (and nothing changed) unless the region is exactly a run of
        ``data: V`` blocks, or of ``event: N`` + ``data: V`` blocks.  Why that is
        enough: the region has no CR and ends with a blank line; it is split once,
        in C, at every block start; a piece then holds no LF (or, in the event
        shape, exactly the one before ``data: ``) if and only if every block is
        exactly one such line (or two).  Each value is decoded on its own: decoding
        the whole region at once measured slower, because one emoji anywhere
        widens the whole text to 4 bytes a character.
        """
        size = end - start
        if size > self._fast_max:  # then a limit might be exceeded: the reference checks
            return None
        if size < 8 or data[end - 2 : end] != b"\n\n":
            return None
        ident = self._id_buffer or None
        events: list[ServerSentEvent] = []
        append = events.append
        if data.startswith(b"data: ", start):
            for value in data[start + 6 : end - 2].split(b"\n\ndata: "):
                if _LF in value:
                    return None
                event = _EventBuilder()  # see _event.py: a cheap ServerSentEvent
                event.event = "message"
                try:  # strict decoding is the cheaper call; invalid UTF-8 is rare
                    event.data = value.decode()
                except UnicodeDecodeError:
                    event.data = value.decode("utf-8", "replace")
                event.id = ident
                event.retry = None
                event.__class__ = ServerSentEvent  # type: ignore[assignment]
                append(event)  # type: ignore[arg-type]
        elif data.startswith(b"event: ", start):
            for block in data[start + 7 : end - 2].split(b"\n\nevent: "):
                name, found, value = block.partition(b"\ndata: ")
                if not found or _LF in name or _LF in value:
                    return None
                event = _EventBuilder()
                event.event = name.decode("utf-8", "replace") if name else "message"
                event.data = value.decode("utf-8", "replace")
                event.id = ident
                event.retry = None
                event.__class__ = ServerSentEvent  # type: ignore[assignment]
                append(event)  # type: ignore[arg-type]
        else:
            return None
        self.last_event_id = self._id_buffer
        return events

    def _iter(self, chunks: Iterable[bytes | bytearray | memoryview]) -> Iterator[ServerSentEvent]:
        """``iter_events``' loop, with ``feed``'s cheapest cases inlined.

        ``partial`` and ``limit`` mirror the decoder's state between calls to
        ``_feed`` (a ``bytearray`` grows in place, so the object stays the same);
        they are re-read after every call and every ``yield``.  ``_feed`` is called
        directly: ``feed`` would only repeat the checks made here.
        """
        feed = self._feed
        partial = self._partial
        limit = self._max_line
        for chunk in chunks:
            if partial is not None:
                if type(chunk) is bytes and _LF not in chunk and _CR not in chunk:
                    partial += chunk
                    if limit is not None and len(partial) > limit:
                        self._line_too_long(len(partial), [])
                    continue
            elif self._idle and type(chunk) is bytes:
                if (
                    chunk[:6] == b"data: "
                    and chunk.find(b"\n") == len(chunk) - 2
                    and chunk[-1] == _LF
                    and _CR not in chunk
                    and len(chunk) <= self._fast_max
                ):
                    # Exactly one ``data: V`` block (see _one_data_block): a server
                    # flushing one token per write.
                    event = _EventBuilder()  # see _event.py: a cheap ServerSentEvent
                    event.event = "message"
                    try:  # strict decoding is the cheaper call; invalid UTF-8 is rare
                        event.data = chunk[6:-2].decode()
                    except UnicodeDecodeError:
                        event.data = chunk[6:-2].decode("utf-8", "replace")
                    self.last_event_id = ident = self._id_buffer
                    event.id = ident or None
                    event.retry = None
                    event.__class__ = ServerSentEvent  # type: ignore[assignment]
                    yield event  # type: ignore[misc]
                    partial = self._partial
                    limit = self._max_line
                    continue
                if _CR not in chunk:
                    # Whole blocks of one plain shape (e.g. one Anthropic event per chunk).
                    blocks = self._whole_blocks(chunk, 0, len(chunk))
                    if blocks is not None:
                        yield from blocks
                        partial = self._partial
                        limit = self._max_line
                        continue
            # Drop this loop's reference first, so that _feed can free a long line
            # as soon as it has taken its value (see _complete_long_line).
            partial = None
            events = feed(chunk)
            if events:
                yield from events  # type: ignore[misc]
            partial = self._partial
            limit = self._max_line
        yield from self.close()

    def _close(self) -> list[ServerSentEvent | Comment]:
        before = self._before
        if isinstance(before, str):  # closed or failed
            return []
        out: list[ServerSentEvent | Comment] = []
        if self.dispatch_on_close:
            tail = self._partial
            if tail is None and before and before != b"\r":
                tail = bytearray(before)  # a lone partial BOM is just bytes
            lines = [bytes(tail)] if tail else []
            lines.append(b"")
            self._partial = None
            self._process(lines, out, False)
        self._before = _CLOSED
        self._idle = False
        self._reset_block()
        self._partial = None
        return out

    def _fail(self) -> None:
        self._before = _FAILED
        self._idle = False
        self._partial = None
        self._reset_block()

    def _reset_block(self) -> None:
        self._data = None
        self._data_size = 0
        self._event_type = ""
        self._block_retry = None

    def _process(
        self,
        lines: list[bytes] | list[bytearray],
        out: list[ServerSentEvent | Comment],
        check_lines: bool,
    ) -> None:
        """Interpret complete lines (without their line ends), appending to ``out``.

        This is the reference interpretation that every shortcut is tested against.
        """
        data = self._data
        size = self._data_size  # kept in a local; stored back before anything can raise
        max_event = self._max_event
        max_line = self._max_line
        comments = self._items or self.on_comment is not None
        for line in lines:
            if check_lines and max_line is not None and len(line) > max_line:
                self._fail()
                raise SSELimitError("max_line_size", max_line, len(line), events=out)
            if not line:
                # Blank line: dispatch.
                self.last_event_id = ident = self._id_buffer
                if data is not None:
                    event = _EventBuilder()  # see _event.py: a cheap ServerSentEvent
                    event.event = self._event_type or "message"
                    if isinstance(data, list):
                        data = b"\n".join(data)
                    event.data = data.decode("utf-8", "replace")
                    event.id = ident or None
                    event.retry = self._block_retry
                    event.__class__ = ServerSentEvent  # type: ignore[assignment]
                    out.append(event)  # type: ignore[arg-type]
                    data = self._data = None
                    size = 0
                self._event_type = ""
                self._block_retry = None
                continue
            # The name is what precedes the first colon; one space after it is dropped.
            # "data: " is tested first only because it is by far the most common line.
            name: bytes | bytearray
            value: bytes | bytearray
            if line[:6] == b"data: ":
                # By far the most common line, so it skips the general parse below
                # (the same steps as the "data" branch there).
                value = line[6:]
                if data is None:
                    data = self._data = value
                elif isinstance(data, list):
                    data.append(value)
                else:
                    data = self._data = [data, value]
                if max_event is not None:
                    size += len(value) + 1
                    if size > max_event:
                        self._fail()
                        raise SSELimitError("max_event_size", max_event, size, events=out)
                continue
            colon = line.find(b":")
            if colon == 0:
                if comments:
                    self._data_size = size
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
                if data is None:
                    data = self._data = value
                elif isinstance(data, list):
                    data.append(value)
                else:
                    data = self._data = [data, value]
                if max_event is not None:
                    size += len(value) + 1
                    if size > max_event:
                        self._fail()
                        raise SSELimitError("max_event_size", max_event, size, events=out)
            elif name == b"event":
                # Interned: a gateway's thousands of parked decoders share one copy of
                # each event name (interned strings are freed when unused).
                self._event_type = _intern(value.decode("utf-8", "replace"))
            elif name == b"id":
                if 0 not in value:
                    self._id_buffer = value.decode("utf-8", "replace")
            # bytes.isdigit() is ASCII-only: exactly the spec's "ASCII digits".
            elif name == b"retry" and value.isdigit():
                digits = value.lstrip(b"0") or b"0"
                if len(digits) <= _MAX_RETRY_DIGITS:
                    retry = int(digits)
                    if retry <= MAX_RETRY:
                        self.retry = self._block_retry = retry
        self._data_size = size

    def _comment(self, line: bytes | bytearray, out: list[ServerSentEvent | Comment]) -> None:
        text = _strip_one_space(line[1:]).decode("utf-8", "replace")
        if self._items:
            out.append(Comment(text))
        if self.on_comment is not None:
            self.on_comment(text)


class _ReferenceDecoder(SSEDecoder):
    """``SSEDecoder`` with every shortcut off: the tests' reference for the fast paths."""

    __slots__ = ()
    _reference = True

    def feed(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
        self._items = False
        return self._feed(data)  # type: ignore[return-value]
