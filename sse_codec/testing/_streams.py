"""The ``streams()`` strategy: raw event streams with the result the spec prescribes.

The expected events are computed here, while the stream is generated, from what
each generated line means by construction (a line drawn as "a data field with
value v" appends v): no parser, ours or another, is involved.  So the strategy
can find bugs in any parser, including sse-codec's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hypothesis import strategies as st

from .._constants import MAX_RETRY
from .._event import ServerSentEvent
from .._faults import INVALID_UTF8
from ._events import field_text

__all__ = ["StreamCase", "streams"]

BOM = b"\xef\xbb\xbf"
_LINE_ENDINGS = ("\n", "\r\n", "\r")
_KNOWN = ("data", "event", "id", "retry")
# Field names a sloppy parser confuses with the real ones: case variants, names
# with spaces, a BOM glued to "data" (a second BOM is not stripped).
_LOOKALIKES = (
    "Data",
    "DATA",
    "ID",
    "Event",
    "RETRY",
    "data ",
    " data",
    "ids",
    "retry2",
    "x-custom",
    "\ufeffdata",
    "\u00e9v\u00e9nement",
)
_BAD_RETRIES = ("", "+5", "-1", " 7", "1.5", "1e3", "\u0661\u0662", "12a", "0x10", "5 ", "\uff15")


@dataclass(frozen=True, slots=True)
class StreamCase:
    """A generated event stream and what a spec-conforming parser must make of it.

    ``body`` is the stream's bytes.  ``events`` are the events a parser yields
    for it (in any chunking), ``last_event_id`` and ``retry`` the stream's last
    event ID and reconnection time at the end (what ``SSEDecoder.last_event_id``
    and ``SSEDecoder.retry`` show after ``close()``), ``comments`` the text of
    its complete comment lines (one leading space removed), in order.
    ``dispatch_offsets[i]`` is the length of the shortest prefix of ``body``
    after which ``events[i]`` has been dispatched, so a stream cut after ``n``
    bytes yields exactly :meth:`events_before` ``(n)``.  ``tail_event`` is the
    event that the unterminated last block would make if a lenient parser
    dispatched it at the end (``SSEDecoder(dispatch_on_close=True)``), or
    ``None``; a conforming parser discards it.
    """

    body: bytes
    events: tuple[ServerSentEvent, ...]
    last_event_id: str
    retry: int | None
    comments: tuple[str, ...] = ()
    dispatch_offsets: tuple[int, ...] = ()
    tail_event: ServerSentEvent | None = None

    def events_before(self, offset: int) -> list[ServerSentEvent]:
        """Return the events a parser yields when the stream is cut after ``offset`` bytes.

        Raises nothing; offsets past the end mean the whole stream.
        """
        return [
            event
            for event, dispatched in zip(self.events, self.dispatch_offsets, strict=True)
            if dispatched <= offset
        ]


@dataclass(frozen=True, slots=True)
class _Line:
    raw: bytes  # the line without its line end
    kind: str  # "data", "event", "id", "retry", "comment" or "other"
    value: str | int | None  # what a parser reads: text, or the retry value (None: invalid)


@dataclass(slots=True)
class _Model:
    """The interpretation state of the spec, updated from each line's drawn meaning."""

    id_buffer: str = ""
    last_event_id: str = ""
    retry: int | None = None
    data: list[str] = field(default_factory=list)
    event_type: str = ""
    block_retry: int | None = None
    events: list[ServerSentEvent] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    def apply(self, line: _Line) -> None:
        value = line.value
        if line.kind == "data":
            assert isinstance(value, str)
            self.data.append(value)
        elif line.kind == "event":
            assert isinstance(value, str)
            self.event_type = value
        elif line.kind == "id":
            assert isinstance(value, str)
            if "\x00" not in value:
                self.id_buffer = value
        elif line.kind == "retry" and isinstance(value, int):
            self.retry = self.block_retry = value
        elif line.kind == "comment":
            assert isinstance(value, str)
            self.comments.append(value)

    def dispatch(self, offset: int) -> None:
        self.last_event_id = self.id_buffer
        if self.data:
            self.events.append(
                ServerSentEvent(
                    self.event_type or "message",
                    "\n".join(self.data),
                    self.id_buffer or None,
                    self.block_retry,
                )
            )
            self.offsets.append(offset)
        self.data = []
        self.event_type = ""
        self.block_retry = None


def _field_line(name: bytes, value: bytes, space: bool) -> bytes:
    # The parser removes one space after the colon, so a value that itself
    # starts with a space needs the separating space written out.
    if not value and not space and name:
        return name  # no colon at all: the whole line is the field name
    return name + (b": " if space or value.startswith(b" ") else b":") + value


_texts = field_text(exclude="\r\n", max_size=12)
_names = st.one_of(
    st.sampled_from(_LOOKALIKES),
    field_text(exclude="\r\n:", min_size=1, max_size=8).filter(lambda n: n not in _KNOWN),
)
_retry_values = st.one_of(
    st.integers(0, MAX_RETRY).map(str),
    st.tuples(st.integers(1, 3), st.integers(0, 99_999)).map(lambda t: "0" * t[0] + str(t[1])),
    st.sampled_from(_BAD_RETRIES),
)


def _retry_of(value: str) -> int | None:
    if value and all(c in "0123456789" for c in value):
        number = int(value)
        return number if number <= MAX_RETRY else None
    return None


_invalid = st.sampled_from(INVALID_UTF8)


@st.composite
def _value(draw: st.DrawFn, invalid_utf8: bool) -> tuple[bytes, str]:
    """Draw a field value: its bytes and the text a parser reads from them."""
    text = draw(_texts)
    if not invalid_utf8 or not draw(st.booleans()):
        return text.encode("utf-8"), text
    # Invalid bytes between two whole characters: the spec's UTF-8 decode turns
    # them into U+FFFD without touching their neighbours.
    cut = draw(st.integers(0, len(text)))
    bad = draw(_invalid)
    head, tail = text[:cut], text[cut:]
    return (
        head.encode("utf-8") + bad + tail.encode("utf-8"),
        head + bad.decode("utf-8", "replace") + tail,
    )


_plain_values = _value(False)
_dirty_values = _value(True)
_KINDS = {
    (comments, unknown): st.sampled_from(
        ["data", "data", "data", "event", "id", "retry"]
        + (["comment"] if comments else [])
        + (["other"] if unknown else [])
    )
    for comments in (False, True)
    for unknown in (False, True)
}
_nul_id = st.integers(0, 4).map(lambda n: n == 0)


@st.composite
def _line(draw: st.DrawFn, *, comments: bool, unknown_fields: bool, invalid_utf8: bool) -> _Line:
    """Draw one non-blank line together with its meaning."""
    # Strategies are built once at import: building them per line costs more
    # than drawing from them.
    kind = draw(_KINDS[comments, unknown_fields])
    space = draw(st.booleans())
    if kind == "retry":
        text = draw(_retry_values)
        return _Line(_field_line(b"retry", text.encode("utf-8"), space), kind, _retry_of(text))
    raw, text = draw(_dirty_values if invalid_utf8 else _plain_values)
    if kind == "id" and draw(_nul_id):
        raw, text = raw + b"\x00", text + "\x00"  # parsers ignore such an id
    if kind == "comment":
        return _Line(_field_line(b"", raw, space), kind, text)
    name = draw(_names) if kind == "other" else kind
    return _Line(_field_line(name.encode("utf-8"), raw, space), kind, text)


@st.composite
def _streams(
    draw: st.DrawFn,
    *,
    line_endings: tuple[str, ...],
    bom: bool | None,
    comments: bool,
    unknown_fields: bool,
    invalid_utf8: bool,
    tail: bool,
    min_events: int,
    max_blocks: int,
) -> StreamCase:
    model = _Model()
    parts: list[bytes] = []
    size = 0  # bytes written to parts
    previous_end = b""
    endings = st.sampled_from([ending.encode() for ending in line_endings])
    blank_endings = [e.encode() for e in line_endings if e != "\n"] or [b"\n"]
    lines = _line(comments=comments, unknown_fields=unknown_fields, invalid_utf8=invalid_utf8)

    def emit(raw: bytes, ending: bytes) -> None:
        nonlocal size, previous_end
        parts.append(raw + ending)
        size += len(raw) + len(ending)
        previous_end = ending

    def terminated_line() -> None:
        line = draw(lines)
        emit(line.raw, draw(endings))
        model.apply(line)

    def blank_line() -> None:
        # A blank line ended by LF right after a CR would merge with it into
        # one CRLF line end: the blank line would vanish.
        ending = draw(st.sampled_from(blank_endings) if previous_end == b"\r" else endings)
        start = size
        emit(b"", ending)
        # The first byte of the blank line's end is where the parser dispatches.
        model.dispatch(start + 1)

    for _ in range(draw(st.integers(0, max_blocks))):
        for _ in range(draw(st.integers(0, 5))):
            terminated_line()
        blank_line()
    while len(model.events) < min_events:
        text = draw(_texts)
        emit(_field_line(b"data", text.encode("utf-8"), draw(st.booleans())), draw(endings))
        model.apply(_Line(b"", "data", text))
        blank_line()
    unterminated: _Line | None = None
    if tail and draw(st.booleans()):
        # An unterminated last block: its complete lines still set the
        # reconnection time and count as comments, but it never dispatches and
        # its id never becomes the last event ID.
        for _ in range(draw(st.integers(0, 3))):
            terminated_line()
        if draw(st.booleans()):
            unterminated = draw(lines)
            emit(unterminated.raw, b"")
    lenient = _Model(model.id_buffer, data=list(model.data), event_type=model.event_type)
    lenient.block_retry = model.block_retry
    if unterminated is not None:
        lenient.apply(unterminated)
    lenient.dispatch(size)
    body = b"".join(parts)
    with_bom = draw(st.booleans()) if bom is None else bom
    prefix = BOM if with_bom else b""
    if not with_bom and body.startswith(BOM):
        # A parser strips one leading U+FEFF whatever its origin, so a first
        # line that starts with one needs something before it to keep its
        # meaning: a BOM when allowed, else a blank line (which does nothing).
        prefix = BOM if bom is None else line_endings[0].encode()
    return StreamCase(
        body=prefix + body,
        events=tuple(model.events),
        last_event_id=model.last_event_id,
        retry=model.retry,
        comments=tuple(model.comments),
        dispatch_offsets=tuple(offset + len(prefix) for offset in model.offsets),
        tail_event=lenient.events[0] if lenient.events else None,
    )


def streams(
    *,
    line_endings: Sequence[str] = _LINE_ENDINGS,
    bom: bool | None = None,
    comments: bool = True,
    unknown_fields: bool = True,
    invalid_utf8: bool = False,
    tail: bool = True,
    min_events: int = 0,
    max_blocks: int = 8,
) -> st.SearchStrategy[StreamCase]:
    """Strategy for event streams together with the result the spec prescribes.

    Draws :class:`StreamCase` values whose ``body`` mixes:

    * CRLF, LF and lone-CR line ends (``line_endings`` narrows the choice);
    * a leading BOM (``bom=True``/``False`` forces or forbids it);
    * ``data``, ``event``, ``id`` and ``retry`` fields with and without the
      space after the colon, and without a colon; values with NUL, U+FEFF,
      ``:`` and astral characters; ids containing NUL (ignored) and invalid
      retry values (``+5``, `` 7``, ``1.5``, non-ASCII digits: ignored);
    * blocks that only set ``id`` or ``retry``, or hold nothing;
    * comments (``comments=False`` omits them);
    * unknown and look-alike fields such as ``Data`` and ``data ``
      (``unknown_fields=False`` omits them);
    * byte sequences that are not UTF-8 inside values, which a parser reads
      as U+FFFD (only with ``invalid_utf8=True``: off by default, so that
      ``body`` is valid UTF-8);
    * an unterminated last block, which a parser discards (``tail=False``
      omits it).

    ``events``, ``last_event_id``, ``retry``, ``comments`` and the rest come
    from the generator's own model of the spec (each line is drawn together
    with its meaning), never from a parser.  At least ``min_events`` events
    and at most ``max_blocks`` blocks besides those::

        from hypothesis import given, strategies as st
        from sse_codec import SSEDecoder
        from sse_codec.testing import chunkings, streams

        @given(st.data())
        def test_decoder(data):
            case = data.draw(streams())
            decoder = SSEDecoder()
            events = []
            for chunk in data.draw(chunkings(case.body)):
                events += decoder.feed(chunk)
            events += decoder.close()
            assert events == list(case.events)
            assert decoder.last_event_id == case.last_event_id
            assert decoder.retry == case.retry

    Raises :class:`ValueError` for an empty or unknown ``line_endings`` entry or
    negative counts.
    """
    endings = tuple(line_endings)
    if not endings or any(ending not in _LINE_ENDINGS for ending in endings):
        raise ValueError(
            "line_endings must be a non-empty choice of '\\n', '\\r\\n' and '\\r', "
            f"not {line_endings!r}"
        )
    if min_events < 0 or max_blocks < 0:
        raise ValueError("min_events and max_blocks must not be negative")
    return _streams(
        line_endings=endings,
        bom=bom,
        comments=comments,
        unknown_fields=unknown_fields,
        invalid_utf8=invalid_utf8,
        tail=tail,
        min_events=min_events,
        max_blocks=max_blocks,
    )
