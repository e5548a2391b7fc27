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
* a region of whole blocks that are all exactly ``data: <value>`` (the OpenAI
  shape) or all ``event: <name>`` + ``data: <value>`` (the Anthropic shape) is
  split once, in C, at every block start, and costs one short loop per event, none
  per line (``_plain_blocks``).  The region is the pending line plus the chunk, so
  network-sized chunks that cut blocks anywhere take it too; only the first piece
  is joined with the pending line and only the last one is taken apart.  In the
  Anthropic shape an event line completed without its data line may stay unread in
  the pending bytes (``_read_ahead_line`` reads it where one line is needed); a
  chunk that is exactly one ``data:`` block (a server flushing each token) is
  recognised with two memchr calls (``_one_data_block``);
* ``iter_events`` runs the decoder's own generator (``_iter``), which inlines the
  cheapest cases and calls ``_read`` directly for small chunks, skipping layers: in
  CPython a call costs about as much as a line of work.  The data shape after a
  pending line (the OpenAI stream cut by the network) is taken there too, each
  event yielded as it is built; what it cannot take from a block on is read the
  reference way.  So is a small chunk that ends an Anthropic block whose event line
  was left unread.  Small chunks that end lines but not their block are held back,
  unread, and the block is read in one call when its blank line arrives;
* a long pending line is completed in place and its value copied once, so a large
  event costs about twice its size in memory, not four times; a big one-block chunk
  is decoded through a memoryview, not sliced first (``_block_value``).

Events are built with ``_event._EventBuilder`` (see there): four times cheaper than
the frozen dataclass's ``__init__``, and the result is an ordinary ServerSentEvent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from sys import intern as _intern
from typing import Any

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
# Event lines shorter than this may be left unread in the pending bytes (_plain_blocks).
_READ_AHEAD_MAX = 256
# Small chunks (at most this size) may be held back, unread, until their block
# ends; at most this many bytes in all (see SSEDecoder._iter).
_HOLD_CHUNK_MAX = 64
_HOLD_MAX = 4096
# The start of a pending data line; only ever copied (``+`` makes a new bytearray).
_DATA_LINE = bytearray(b"data: ")
_MAX_RETRY_DIGITS = len(str(MAX_RETRY))
# Slices _process takes of every line, built once: CPython 3.11 builds a slice
# object each time it runs ``line[:6]``.
_FIELD_NAME = slice(None, 6)  # b"data: "
_FIELD_VALUE = slice(6, None)
_FIRST = slice(None, 1)
_AFTER_FIRST = slice(1, None)

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


def _block_value(block: bytes) -> str:
    """The text of the value in ``data: V\n\n``.

    A big value is decoded straight from the chunk through a memoryview: slicing
    it out first would copy it, and a fresh multi-megabyte allocation costs more
    than the decoding itself (page faults).
    """
    if len(block) < _LONG_LINE:
        return block[6:-2].decode("utf-8", "replace")
    return str(memoryview(block)[6:-2], "utf-8", "replace")


def _completes_blank_line(last: int, chunk: bytes) -> bool:
    """Whether ``chunk`` (which holds a line end), read right after the byte
    ``last`` (``10`` for a line start), completes a blank line: two line ends in a
    row, CR LF counting as one."""
    first = chunk[0]
    if (first == 10 and last == 10) or (first == 13 and (last == 10 or last == 13)):
        return True
    # An empty line from splitlines() is a blank line, except a first one: that is
    # the line end of the line before (or the LF of a CR LF cut by the chunking),
    # already ruled out above as a blank line.
    lines = chunk.splitlines()
    return b"" in lines and (bool(lines[0]) or lines.count(b"") > 1)


# The event line iter_events keeps before it has read one (see _event_head): no
# pending bytes it is tested on start with an LF (they start with "event: ").
_NO_EVENT_HEAD = (b"\n", "message")


def _event_head(pending: bytearray, kept: tuple[bytes, str]) -> tuple[bytes, str]:
    """The ``event: NAME\\ndata: `` that ``pending`` (which starts with ``event: ``)
    starts with and the event type it names; ``kept`` when its second line is not
    (yet) a ``data: `` line."""
    cut = pending.find(b"\n")
    if pending[cut + 1 : cut + 7] != b"data: ":
        return kept
    name = pending[7:cut]
    return bytes(pending[: cut + 7]), name.decode("utf-8", "replace") if name else "message"


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
        self.dispatch_on_close: bool = dispatch_on_close
        self.on_comment: Callable[[str], object] | None = on_comment
        self.last_event_id: str = ""
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
        # True when the decoder is open, the BOM decided, no LF deferred, and the
        # block so far holds no data and no retry (a pending line and an event type
        # may be there).  Only then may the plain-blocks shortcuts run.  Kept up to
        # date by ``_feed``; False is always safe (it only turns shortcuts off).
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
        if type(data) is bytes:
            if partial is not None:
                # Shortcut: no line end, so the chunk only extends the pending line.
                # (A pending line implies an open decoder with the BOM decided.)
                if _LF not in data and _CR not in data:
                    partial += data
                    limit = self._max_line
                    if limit is not None and len(partial) > limit:
                        self._pending_too_long([])
                    return []
            elif (
                (self._idle or (self._no_bom(data) and self._idle))
                and _one_data_block(data)
                and len(data) <= self._fast_max
            ):
                self.last_event_id = ident = self._id_buffer
                event_type = self._event_type
                if event_type:
                    self._event_type = ""
                else:
                    event_type = "message"
                return [_make_event(event_type, _block_value(data), ident or None, None)]
            if self._idle and _CR not in data and _LF in data:
                events = self._plain_blocks(partial, data)
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
                    self._pending_too_long([])
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
                        self._pending_too_long(out)
                    return out
                # Read the bytearray itself: no copy; the tail sliced off it below
                # is a new bytearray, ready to be the next pending line.
                data = partial
                self._partial = None
            else:
                self._read_ahead_line(partial)  # so that it holds one line
                data = self._complete_long_line(partial, data, out)
                del partial  # the long line's bytes are freed here
                if not data:
                    self._update_idle()
                    return out
        elif _LF not in data and _CR not in data:
            self._partial = bytearray(data)
            self._update_idle()
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
            self._lf_lines(data, out)
        if limit is not None and self._partial is not None and len(self._partial) > limit:
            self._line_too_long(len(self._partial), out)
        # (_ReferenceDecoder never reads _idle: its feed and iter_events skip the shortcuts.)
        self._idle = self._before is None and self._data is None and self._block_retry is None
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

    def _no_bom(self, chunk: bytes) -> bool:
        """At the start of the stream, a first chunk that cannot begin a BOM settles
        that there is none, so that the shortcuts may take it.  Returns whether it
        did (``_before`` is then ``None`` and ``_idle`` up to date)."""
        before = self._before
        if type(before) is bytes and not before and chunk[:1] not in (b"", b"\xef"):
            self._before = None
            self._update_idle()
            return True
        return False

    def _update_idle(self) -> None:
        self._idle = (
            self._before is None
            and self._data is None
            and self._block_retry is None
            and not self._reference
        )

    def _read_ahead_line(self, partial: bytearray) -> None:
        """Interpret the event line that ``_plain_blocks`` may have left, unread, at
        the start of the pending bytes (see there), so that they hold one line."""
        cut = partial.find(b"\n", 0, _READ_AHEAD_MAX)
        if cut >= 0:
            line = bytes(partial[:cut])
            del partial[: cut + 1]
            self._process([line], [], False)

    def _pending_too_long(self, out: list[ServerSentEvent | Comment]) -> None:
        """The pending bytes outgrew ``max_line_size``: raise, unless that was only
        because they begin with a read-ahead event line (see ``_read_ahead_line``)."""
        partial = self._partial
        assert partial is not None and self._max_line is not None
        self._read_ahead_line(partial)
        if len(partial) > self._max_line:
            self._line_too_long(len(partial), out)

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
        # A data line: the bytearray itself becomes the value (the same steps as the
        # data branch of ``_process``), so a big event is never copied before it is
        # decoded.  Deleting the field name from the front of a bytearray moves its
        # start, not its bytes.
        del line[: 6 if line[5:6] == b" " else 5]
        value = line
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

    def _lf_lines(self, data: bytes | bytearray, out: list[ServerSentEvent | Comment]) -> None:
        """Interpret ``data`` (no CR, starts at a line start, holds a LF); keep its
        unterminated last line pending."""
        limit = self._max_line
        pos = 0
        # With LF as the only line end, b"\n\n" marks a blank line (after the line
        # it ends).  First finish the block in progress the reference way, up to
        # its blank line; from there on the shortcut may take the rest.
        if self._data is not None or self._block_retry is not None:
            pos = 1 if data[0] == _LF else data.find(b"\n\n") + 2
            if pos < 2 and data[0] != _LF:
                pos = -1  # no blank line: the block goes on to the end of data
            else:
                self._process(data[:pos].splitlines(), out, limit is not None and pos > limit)
        if pos >= 0:
            if pos == len(data):
                return
            events = self._plain_blocks(None, data[pos:] if pos else data)
            if events is not None:
                out += events
                return
        else:
            pos = 0
        end = data.rfind(b"\n") + 1
        if end < len(data):
            self._partial = bytearray(data[end:])
        if end > pos:
            self._process(data[pos:end].splitlines(), out, limit is not None and end - pos > limit)

    def _plain_blocks(
        self, head: bytes | bytearray | None, chunk: bytes | bytearray
    ) -> list[ServerSentEvent] | None:
        """Shortcut for a region made of whole blocks of one plain shape.

        The region is ``head`` (the pending line, or ``None``) followed by
        ``chunk``.  The caller guarantees that the chunk holds no CR and that the
        decoder is ``_idle`` (open, BOM decided, no CR pending, no data and no
        ``retry`` in the block so far; an event line may have been read).

        The region is accepted only if it is exactly a run of whole blocks that are
        all ``data: V`` (the OpenAI shape) or all ``event: N`` + ``data: V`` (the
        Anthropic shape), followed by what is left of a block not yet ended: a
        pending line, or (event shape) a complete event line and a pending line.
        Then the events are returned and the state updated exactly as the reference
        would; otherwise ``None`` is returned, nothing has changed, and the caller
        reads the chunk the reference way.

        Why that is enough: the chunk is split once, in C, at every block start
        (``b"\\n\\ndata: "`` or ``b"\\n\\nevent: "``); a piece then holds no LF (or,
        in the event shape, exactly the one before ``data: ``) if and only if its
        block is exactly one such line (or two).  A region no longer than both
        limits cannot hold a line or an event's data that exceeds either, so the
        limit checks can be skipped.  Nothing is sliced out of the chunk first: the
        pending line joins the first piece only, and the last piece is taken apart
        on its own.
        """
        if head is None:
            if len(chunk) > self._fast_max:
                return None
            head = b""
        elif len(head) >= _LONG_LINE or len(head) + len(chunk) > self._fast_max:
            # (A long pending line is completed in place instead: see _complete_long_line.)
            return None
        event_type = self._event_type
        if event_type:
            # The unfinished block's event line was read already: put it back, so
            # that the region starts at a block start.
            head = b"".join((b"event: ", event_type.encode(), b"\n", head))
        shape = (head or chunk)[0]  # (the caller passes a chunk with a line end)
        ident = self._id_buffer or None
        events: list[ServerSentEvent] = []
        append = events.append
        # The pieces are bytes or bytearray, as the chunk is; only sliced and decoded.
        region: Any = chunk
        tail: bytes | bytearray
        if shape == 100:  # b"d"
            pieces = region.split(b"\n\ndata: ")
            # The last piece first, while it is only chunk bytes: a value, its blank
            # line and a pending line; or the data line that starts a block, pending.
            last = pieces[-1]
            # (``in`` and ``find`` are memchr; a 2-byte search would be a byte loop.)
            cut = last.find(b"\n") if _LF in last else -1
            if cut >= 0:
                if last[cut + 1 : cut + 2] != b"\n":
                    return None
                tail = last[cut + 2 :]
                if _LF in tail:
                    return None
                pieces[-1] = last[:cut]
            elif len(pieces) > 1:
                tail = _DATA_LINE + pieces.pop()  # (a new bytearray)
            else:  # no line end at all: the region is a pending line
                tail = b"".join((head, chunk))
                pieces = []
            if pieces:
                first = b"".join((head, pieces[0])) if head else pieces[0]
                if first[:6] != b"data: ":
                    return None
                pieces[0] = first[6:]
            for value in pieces:
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
            if events:
                self.last_event_id = self._id_buffer
            self._partial = (tail if type(tail) is bytearray else bytearray(tail)) if tail else None
            return events
        if shape == 101:  # b"e"
            pending_type: bytes | bytearray | None = None
            pieces = region.split(b"\n\nevent: ")
            first = b"".join((head, pieces[0])) if head else pieces[0]
            if first[:7] != b"event: ":
                return None
            if pieces[-1][-2:] == b"\n\n":
                # It ends with a blank line: whole blocks (each is checked below).
                tail = b""
                if len(pieces) == 1:
                    pieces[0] = first[7:-2]
                else:
                    pieces[0] = first[7:]
                    pieces[-1] = pieces[-1][:-2]
            else:
                pieces[0] = first[7:]
                last = pieces.pop()
                cut = last.find(b"\n")  # (memchr, as above)
                if cut < 0:
                    tail = b"event: " + last  # the pending first line of a block
                else:
                    end = last.find(b"\n", cut + 1)
                    if end < 0:
                        if cut + 7 < _READ_AHEAD_MAX and cut + 1 < len(last):
                            # The block's event line is complete, the line after it
                            # is not.  The event line stays in the pending bytes,
                            # unread: the next chunk then starts at a block start
                            # (cheaper in small chunks than reading it now).  Only
                            # _event_type would differ, and nothing outside can see
                            # it; _read_ahead_line reads it where one line is needed.
                            tail = b"event: " + last
                        else:
                            # Read now, as the reference would; the rest stays pending.
                            pending_type = last[:cut]
                            tail = last[cut + 1 :]
                    elif last[end + 1 : end + 2] == b"\n":
                        pieces.append(last[:end])
                        tail = last[end + 2 :]
                        if _LF in tail:
                            return None
                    else:
                        return None
            for block in pieces:
                name, found, value = block.partition(b"\ndata: ")
                if not found or _LF in name or _LF in value:
                    return None
                event = _EventBuilder()
                event.event = name.decode("utf-8", "replace") if name else "message"
                try:  # (as in the data shape above)
                    event.data = value.decode()
                except UnicodeDecodeError:
                    event.data = value.decode("utf-8", "replace")
                event.id = ident
                event.retry = None
                event.__class__ = ServerSentEvent  # type: ignore[assignment]
                append(event)  # type: ignore[arg-type]
            if events:
                self.last_event_id = self._id_buffer
            if pending_type is not None:
                self._event_type = _intern(pending_type.decode("utf-8", "replace"))
            elif event_type:
                self._event_type = ""
            self._partial = bytearray(tail) if tail else None
            return events
        return None

    def _iter(self, chunks: Iterable[bytes | bytearray | memoryview]) -> Iterator[ServerSentEvent]:
        """``iter_events``' loop, with ``feed``'s cheapest cases inlined.

        ``partial`` and ``limit`` mirror the decoder's state between calls (a
        ``bytearray`` grows in place, so the object stays the same); they are
        re-read after every call and every ``yield``.  (Handing over each chunk's
        events as a list, flattened by ``itertools.chain``, measured slower; so did
        a generator for the data shape, delegated to with ``yield from``.)

        Holding.  Small chunks (up to ``_HOLD_CHUNK_MAX`` bytes) that complete lines but
        no blank line are not read at once: with ``holding`` set, ``partial`` is a local
        ``bytearray`` of everything since the last line start the decoder has read
        (complete lines, then the pending one), ``self._partial`` is ``None`` and
        ``hold_max`` (also in ``limit``) is the most it may hold.  The chunk that
        completes the blank line is read with all of it in one ``_read`` call: a block
        with many short lines (comments, ``event``, ``id``, several ``data`` lines,
        CRLF) cut into a few bytes per chunk costs one call, not one per line (A/B: 28%
        less time at 7 bytes).  Nothing can tell, because the held bytes hold no blank
        line and stay within both limits: an event is yielded, or an error raised, at
        the same chunk as without holding, and the held bytes are read before every
        yield and when the chunks run out or raise.  Only the ``retry`` attribute, read
        by code that runs between two chunks of a block, may lag until the block ends.
        Not while comments are reported: the ``on_comment`` callback runs in the call
        that completes the line.
        """
        feed = self._feed
        read = self._read
        plain_blocks = self._plain_blocks
        partial = self._partial
        limit: int | float | None = self._max_line
        # (Locals: read once per event below.)
        builder = _EventBuilder
        event_class = ServerSentEvent
        lf = _LF
        cr = _CR
        holding = False
        hold_max: int | float = 0
        head = _NO_EVENT_HEAD
        items: list[ServerSentEvent] | list[ServerSentEvent | Comment] | None
        try:
            for chunk in chunks:
                if type(chunk) is not bytes:
                    items = None
                    if holding:  # read what is held, then the chunk as feed() does
                        assert partial is not None
                        holding = False
                        read(bytes(partial), [])
                elif partial is not None:
                    if lf not in chunk and cr not in chunk:  # (locals: 3% less per chunk)
                        partial += chunk
                        if limit is not None and len(partial) > limit:
                            if holding:
                                # More than may be held: read it (its pending line
                                # stays pending, and is checked against the limit).
                                holding = False
                                read(bytes(partial), [])
                                partial = self._partial
                                limit = self._max_line
                            else:
                                self._pending_too_long([])
                        continue
                    items = None
                    if holding:
                        if len(partial) + len(chunk) <= hold_max:
                            # _completes_blank_line(partial[-1], chunk), inlined: the
                            # call cost 4% more instructions at 7-byte chunks.
                            first = chunk[0]
                            before = partial[-1]
                            if not (
                                (first == 10 and before == 10)
                                or (first == 13 and (before == 10 or before == 13))
                                or (
                                    b"" in (lines := chunk.splitlines())
                                    and (bool(lines[0]) or lines.count(b"") > 1)
                                )
                            ):
                                partial += chunk
                                continue
                            # The block (or a blank line) ends here: read it all.
                            holding = False
                            partial += chunk
                            items = read(bytes(partial), [])
                        else:
                            holding = False
                            read(bytes(partial), [])
                            items = feed(chunk)
                    # (One byte, a line end, cannot end a block that a pending line is in.)
                    elif self._idle and _CR not in chunk and (size := len(chunk)) > 1:
                        if partial[0] == 101:
                            if not self._event_type and _LF not in partial:
                                # Small chunks of the Anthropic shape: one that only ends the
                                # block's event line is kept unread with it, as _plain_blocks
                                # would (see there), for a fraction of the cost.  (partition,
                                # not find: find parses its arguments from a tuple, which
                                # costs more than the search itself in a small chunk.)
                                line_end, _, after = chunk.partition(b"\n")
                                if (
                                    after
                                    and _LF not in after
                                    and len(partial) + len(line_end) + 1 < _READ_AHEAD_MAX
                                    and len(partial) + size <= self._fast_max
                                    and partial.startswith(b"event: ")
                                ):
                                    partial += chunk
                                    continue
                            elif (
                                size < _READ_AHEAD_MAX  # (a bigger one holds more blocks)
                                and not self._event_type
                                and len(partial) + size <= self._fast_max
                                and (split := chunk.partition(b"\n\n"))[1]
                                and _LF not in (value_end := split[0])
                            ):
                                # The next small chunk of that shape: the pending bytes hold
                                # the event line read ahead and the start of the data line
                                # (an LF in them is only ever that of an "event: " line left
                                # unread, here, above or by _plain_blocks), and this chunk
                                # ends the data line and the block.  The event is built
                                # here, without _plain_blocks (A/B: 6% less time at 7
                                # bytes, 10% at 64), if what follows the blank line is a
                                # pending line, or the next block's event line and a
                                # pending line, which stays unread as above (the chunk is
                                # shorter than _READ_AHEAD_MAX, so that event line is too).
                                rest = split[2]
                                if (
                                    partial.startswith(head[0])
                                    # Another event line than the last block's: its name
                                    # is decoded once, for this block and the ones like it.
                                    or partial.startswith((head := _event_head(partial, head))[0])
                                ) and (
                                    _LF not in rest
                                    or (
                                        rest.startswith(b"event: ")
                                        and (ahead := rest.partition(b"\n"))[2]
                                        and _LF not in ahead[2]
                                    )
                                ):
                                    event = builder()
                                    event.event = head[1]
                                    del partial[: len(head[0])]
                                    partial += value_end
                                    try:
                                        event.data = partial.decode()
                                    except UnicodeDecodeError:
                                        event.data = partial.decode("utf-8", "replace")
                                    self.last_event_id = ident = self._id_buffer
                                    event.id = ident or None
                                    event.retry = None
                                    event.__class__ = event_class  # type: ignore[assignment]
                                    self._partial = bytearray(rest) if rest else None
                                    yield event  # type: ignore[misc]
                                    partial = self._partial
                                    limit = self._max_line
                                    continue
                        elif (
                            partial[0] == 100
                            and size > 7  # (a shorter one cannot hold a separator)
                            and not self._event_type
                            and (pending := len(partial)) < _LONG_LINE
                            and pending + size <= self._fast_max
                        ):
                            # The OpenAI shape cut anywhere by the network: _plain_blocks'
                            # data shape, inlined so that the events are yielded as they
                            # are built (no call, no list: 6-11% less time at 1-4 KiB
                            # chunks).  Each piece but the last ends a block; a region
                            # within both limits cannot exceed either (see there).
                            values: list[Any] | None = None  # (bytes, and a bytearray first)
                            pieces: list[Any] = chunk.split(b"\n\ndata: ")
                            first = pieces[0]
                            if len(pieces) > 1:
                                if partial.startswith(b"data: "):
                                    # The pending line completes the first block: its
                                    # value is the line after the field name (deleted
                                    # from the front of the bytearray, O(1)) and the
                                    # first piece.
                                    del partial[:6]
                                    partial += first
                                    values = pieces
                                    values[0] = partial
                                else:  # the chunk cut the field name (rare)
                                    joined = partial + first
                                    if joined[:6] == b"data: ":
                                        del joined[:6]
                                        values = pieces
                                        values[0] = joined
                            if values is not None:
                                # Taken.  The last piece is the pending line, or one more
                                # value, its blank line and the pending line; anything else
                                # (rare) is read the reference way after the rest, as is
                                # everything from a value that holds a line end (a block
                                # with more lines than one), the first one included.
                                last: bytes = values.pop()
                                tail: bytearray | None  # the new pending line, or None
                                if _LF not in last:
                                    tail = _DATA_LINE + last  # (a new bytearray)
                                else:
                                    cut = last.find(b"\n")
                                    tail = bytearray(last[cut + 2 :])
                                    if last[cut + 1 : cut + 2] == b"\n" and _LF not in tail:
                                        values.append(last[:cut])
                                    else:
                                        tail = None
                                self.last_event_id = ident = self._id_buffer
                                event_id = ident or None
                                self._partial = None
                                for value in values:
                                    if lf in value:
                                        rest = b"\n\ndata: ".join(values[values.index(value) :])
                                        if tail is None:
                                            last = b"".join((rest, b"\n\ndata: ", last))
                                        else:
                                            last = b"".join((rest, b"\n\n", tail))
                                            tail = None
                                        break
                                    # The steps of _plain_blocks' data loop, repeated on
                                    # purpose: a helper called per event measured 7-8%
                                    # slower here.  (_EventBuilder: see _event.py.)
                                    event = builder()
                                    event.event = "message"
                                    try:  # strict decoding is cheaper; invalid UTF-8 is rare
                                        event.data = value.decode()
                                    except UnicodeDecodeError:
                                        event.data = value.decode("utf-8", "replace")
                                    event.id = event_id
                                    event.retry = None
                                    event.__class__ = event_class  # type: ignore[assignment]
                                    yield event  # type: ignore[misc]
                                if tail is not None:
                                    partial = self._partial = tail or None
                                    limit = self._max_line
                                    continue
                                items = read(b"data: " + last, [])
                        if items is None:
                            items = plain_blocks(partial, chunk)
                    if items is None and len(partial) < _LONG_LINE:
                        if (
                            len(chunk) <= _HOLD_CHUNK_MAX
                            and self._idle  # (no data, no retry yet: both limits are whole)
                            and self.on_comment is None
                            and len(partial) + len(chunk)
                            <= (hold_max := min(_HOLD_MAX, self._fast_max))
                            and not _completes_blank_line(partial[-1], chunk)
                        ):
                            # A small chunk that ends lines but not the block: hold
                            # it (see the docstring).
                            holding = True
                            self._partial = None
                            partial += chunk
                            limit = hold_max
                            continue
                        # As _feed does, without its layers (a Python call costs about as
                        # much as a line here): the pending line and the chunk are read
                        # together.
                        self._partial = None
                        items = read(b"".join((partial, chunk)), [])
                elif self._before is None or self._no_bom(chunk):
                    # At a line start, open, BOM decided, no CR just before.
                    items = None
                    if self._idle:
                        if (
                            chunk[:6] == b"data: "
                            and chunk[-1] == _LF
                            and chunk[-2] == _LF
                            and _CR not in chunk
                            and len(chunk) <= self._fast_max
                        ):
                            # Maybe exactly one ``data: V`` block (see _one_data_block): a
                            # server flushing one token per write.  A small value is sliced
                            # out now (decoding needs it) and checked for LF with memchr,
                            # cheaper than ``find``; a big one is decoded in place
                            # (_block_value).
                            if len(chunk) < _LONG_LINE:
                                value = chunk[6:-2]
                                one_block = _LF not in value
                            else:
                                value = b""
                                one_block = chunk.find(b"\n") == len(chunk) - 2
                            if one_block:
                                event = builder()  # see _event.py: a cheap ServerSentEvent
                                event_type = self._event_type
                                if event_type:
                                    self._event_type = ""
                                    event.event = event_type
                                else:
                                    event.event = "message"
                                if value:
                                    try:  # strict decoding is cheaper; invalid UTF-8 is rare
                                        event.data = value.decode()
                                    except UnicodeDecodeError:
                                        event.data = value.decode("utf-8", "replace")
                                else:
                                    event.data = _block_value(chunk)
                                self.last_event_id = ident = self._id_buffer
                                event.id = ident or None
                                event.retry = None
                                event.__class__ = event_class  # type: ignore[assignment]
                                # (Yielded here, not through a list below: this is the
                                # whole cost of an event in this case.)
                                yield event  # type: ignore[misc]
                                partial = self._partial
                                limit = self._max_line
                                continue
                        if _CR not in chunk and _LF in chunk:
                            items = plain_blocks(None, chunk)
                    if items is None:
                        if _LF not in chunk and _CR not in chunk:
                            if chunk:  # a line that goes on beyond the chunk
                                partial = self._partial = bytearray(chunk)
                                if limit is not None and len(partial) > limit:
                                    self._line_too_long(len(partial), [])
                            continue
                        if (
                            len(chunk) <= _HOLD_CHUNK_MAX
                            and self._idle
                            and self.on_comment is None
                            and len(chunk) <= (hold_max := min(_HOLD_MAX, self._fast_max))
                            and not _completes_blank_line(_LF, chunk)
                        ):
                            # The same at a line start.
                            holding = True
                            partial = bytearray(chunk)
                            limit = hold_max
                            continue
                        items = read(chunk, [])
                else:
                    items = None
                if items is None:
                    # Drop this loop's reference first, so that _feed can free a long
                    # line as soon as it has taken its value (see _complete_long_line).
                    partial = None
                    items = feed(chunk)
                if items:
                    yield from items  # type: ignore[misc]
                partial = self._partial
                limit = self._max_line
        finally:
            if holding:
                # The chunks ran out, or their iterator raised: read what is held,
                # so that the decoder's state is that of every byte it was given.
                # (Never at a yield: nothing is held there.)
                assert partial is not None
                holding = False
                read(bytes(partial), [])
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
            # (The pending bytes may begin with a read-ahead event line: see
            # _plain_blocks.  They hold no CR then, and at most that one LF.)
            lines = bytes(tail).split(b"\n") if tail else []
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
                    try:  # strict decoding is the cheaper call; invalid UTF-8 is rare
                        event.data = data.decode()
                    except UnicodeDecodeError:
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
            if line[_FIELD_NAME] == b"data: ":
                # By far the most common line, so it skips the general parse below
                # (the same steps as the "data" branch there).
                value = line[_FIELD_VALUE]
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
            # (One partition, not find and two slices: a method that takes its
            # arguments as a tuple, as find does, costs as much as the rest.)
            name, colon, value = line.partition(b":")
            if colon:
                if not name:  # a comment
                    if comments:
                        self._data_size = size
                        self._comment(line, out)
                    continue
                if value[_FIRST] == b" ":
                    value = value[_AFTER_FIRST]
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
