"""Stream faults: turn a good event stream into the broken ones servers send.

Each fault is a plain function of the stream's bytes (``slow_drip`` also takes
an iterable of chunks), reproducible from ``seed`` (an ``int`` or a
``random.Random``), and documents what a correct consumer does with its output.
A fault that cannot apply to the given stream (no ``[DONE]`` to drop, no event
to duplicate...) raises :class:`ValueError` rather than quietly returning the
stream unchanged.

Standard library only, so ``python -m sse_codec serve --fault NAME`` can use
:data:`FAULTS` without hypothesis; the public names are re-exported from
:mod:`sse_codec.testing`.
"""

from __future__ import annotations

import inspect
import json
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ._constants import DEFAULT_MAX_EVENT_SIZE, DEFAULT_MAX_LINE_SIZE

__all__ = [
    "DEFAULT_ERROR",
    "FAULTS",
    "INVALID_UTF8",
    "Fault",
    "drop_done",
    "duplicate_event",
    "insert_comments",
    "insert_error_event",
    "insert_invalid_utf8",
    "insert_oversized_event",
    "reorder_events",
    "slow_drip",
    "truncate",
    "truncate_before_done",
    "truncate_mid_char",
    "truncate_mid_event",
]

Seed = int | random.Random

_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(rb"\r\n|\r|\n")

#: Default in-band error payload: the shape OpenAI-compatible servers send.
DEFAULT_ERROR: dict[str, object] = {
    "error": {"message": "injected fault: upstream failure", "type": "server_error", "code": 500}
}

#: Byte sequences that are not UTF-8, one per kind of mistake a decoder can make:
#: a stray byte, a lone continuation byte, an overlong form, an encoded surrogate,
#: a truncated sequence, a code point above U+10FFFF.
INVALID_UTF8 = (
    b"\xff",
    b"\x80",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xe2\x82",
    b"\xf4\x90\x80\x80",
)


def _rng(seed: Seed) -> random.Random:
    if isinstance(seed, random.Random):
        return seed
    if type(seed) is not int:
        raise TypeError(f"seed must be an int or a random.Random, not {type(seed).__name__}")
    return random.Random(seed)


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    stop: int  # end of the content, where the line end starts
    end: int  # just after the line end


@dataclass(frozen=True, slots=True)
class _Block:
    start: int  # first byte of its first line
    blank: int  # first byte of the blank line that ends it
    end: int  # just after that blank line
    data_lines: tuple[_Line, ...]
    data: bytes | None  # the data buffer's bytes, None when it dispatches nothing

    @property
    def is_done(self) -> bool:
        return self.data is not None and self.data.strip() == b"[DONE]"


@dataclass(frozen=True, slots=True)
class _Scan:
    body: int  # offset after a leading BOM
    lines: tuple[_Line, ...]  # terminated lines only
    blocks: tuple[_Block, ...]  # blocks ended by a blank line only

    @property
    def events(self) -> list[_Block]:
        return [block for block in self.blocks if block.data is not None]

    def line_starts(self) -> list[int]:
        return [self.body, *(line.end for line in self.lines)]

    def block_starts(self, *, before_done: bool = True) -> list[int]:
        starts = [self.body, *(block.end for block in self.blocks)]
        done = self.done_start() if before_done else None
        return starts if done is None else [offset for offset in starts if offset <= done]

    def done_start(self) -> int | None:
        return next((block.start for block in self.blocks if block.is_done), None)


def _scan(stream: bytes) -> _Scan:
    body = 3 if stream.startswith(_BOM) else 0
    lines: list[_Line] = []
    blocks: list[_Block] = []
    block_lines: list[_Line] = []
    position = body
    for match in _LINE_END.finditer(stream, body):
        line = _Line(position, match.start(), match.end())
        position = match.end()
        if line.start != line.stop:
            lines.append(line)
            block_lines.append(line)
            continue
        lines.append(line)
        data_lines = tuple(ln for ln in block_lines if _field(stream, ln) == b"data")
        data = b"\n".join(_value(stream, ln) for ln in data_lines) if data_lines else None
        start = block_lines[0].start if block_lines else line.start
        blocks.append(_Block(start, line.start, line.end, data_lines, data))
        block_lines = []
    return _Scan(body, tuple(lines), tuple(blocks))


def _field(stream: bytes, line: _Line) -> bytes:
    content = stream[line.start : line.stop]
    colon = content.find(b":")
    return content if colon < 0 else content[:colon]


def _value_start(stream: bytes, line: _Line) -> int:
    colon = stream.find(b":", line.start, line.stop)
    if colon < 0:
        return line.stop
    return colon + 2 if stream[colon + 1 : colon + 2] == b" " else colon + 1


def _value(stream: bytes, line: _Line) -> bytes:
    return stream[_value_start(stream, line) : line.stop]


def _need(condition: bool, fault: str, reason: str) -> None:
    if not condition:
        raise ValueError(f"{fault}: {reason}")


def _insert(stream: bytes, offset: int, extra: bytes) -> bytes:
    return stream[:offset] + extra + stream[offset:]


# -- truncation ------------------------------------------------------------------


def truncate(stream: bytes, *, seed: Seed = 0) -> bytes:
    """Cut the stream at a random offset before its last event is complete.

    The cut falls anywhere from the second byte up to just before the blank line
    that dispatches the stream's last event, so at least that event is lost.

    A correct consumer delivers every event completed before the cut, discards
    the partly received one (never delivers it with partial data), and reports
    that the stream ended early where the protocol has an end marker: the
    ``sse_codec.openai`` layer raises :class:`~sse_codec.IncompleteStreamError`.
    Raises :class:`ValueError` when the stream has no event.
    """
    rng = _rng(seed)
    events = _scan(stream).events
    _need(bool(events), "truncate", "the stream has no event")
    dispatch = events[-1].blank + 1
    _need(dispatch > 1, "truncate", "the stream is too short to cut")
    return stream[: rng.randint(1, dispatch - 1)]


def truncate_mid_event(stream: bytes, *, seed: Seed = 0) -> bytes:
    """Cut the stream inside a random event: after its first byte, before its blank line.

    A correct consumer delivers every event before that one, unchanged, and
    never the cut event (not even with the data received so far); an LLM-stream
    layer raises :class:`~sse_codec.IncompleteStreamError`.  Raises
    :class:`ValueError` when the stream has no event.
    """
    rng = _rng(seed)
    events = _scan(stream).events
    _need(bool(events), "truncate_mid_event", "the stream has no event")
    block = rng.choice(events)
    return stream[: rng.randint(block.start + 1, block.blank)]


def truncate_mid_char(stream: bytes, *, seed: Seed = 0) -> bytes:
    """Cut the stream inside a random multi-byte UTF-8 character.

    A correct consumer never raises a Unicode error for it: it delivers the
    events completed before the cut and discards the unterminated rest (the
    ``SSEDecoder`` decodes complete lines only).  Raises :class:`ValueError` when
    the stream has no multi-byte character.
    """
    rng = _rng(seed)
    body = _scan(stream).body
    leads = [i for i in range(body, len(stream)) if stream[i] >= 0xC0]
    _need(bool(leads), "truncate_mid_char", "the stream has no multi-byte UTF-8 character")
    lead = rng.choice(leads)
    width = 2 if stream[lead] < 0xE0 else 3 if stream[lead] < 0xF0 else 4
    return stream[: min(lead + rng.randint(1, width - 1), len(stream))]


def truncate_before_done(stream: bytes, *, seed: Seed = 0) -> bytes:
    """Cut the stream just before its ``data: [DONE]`` event (deterministic; ``seed`` is unused).

    The commonest real truncation: every chunk arrived, the end marker did not.
    The SSE layer delivers every event; an OpenAI-style consumer must report the
    stream as incomplete rather than pass the answer off as whole (the
    ``sse_codec.openai`` layer raises :class:`~sse_codec.IncompleteStreamError`).
    Raises :class:`ValueError` when the stream has no ``[DONE]``.
    """
    _rng(seed)
    done = _scan(stream).done_start()
    _need(done is not None, "truncate_before_done", "the stream has no [DONE] event")
    assert done is not None
    return stream[:done]


def drop_done(stream: bytes, *, seed: Seed = 0) -> bytes:
    """Remove every ``data: [DONE]`` event, keeping anything after it (``seed`` is unused).

    The SSE layer delivers all other events unchanged; an OpenAI-style consumer
    reaches the end of the body without its end marker and must report that
    (the ``sse_codec.openai`` layer raises
    :class:`~sse_codec.IncompleteStreamError`).  Raises :class:`ValueError` when
    the stream has no ``[DONE]``.
    """
    _rng(seed)
    done = [block for block in _scan(stream).blocks if block.is_done]
    _need(bool(done), "drop_done", "the stream has no [DONE] event")
    for block in reversed(done):
        stream = stream[: block.start] + stream[block.end :]
    return stream


# -- insertions ------------------------------------------------------------------


def insert_error_event(
    stream: bytes,
    *,
    seed: Seed = 0,
    payload: object = None,
    named: bool | None = None,
) -> bytes:
    """Insert an in-band error event at a random event boundary before ``[DONE]``.

    This is what servers do when a generation fails after the HTTP 200 was sent.
    ``payload`` (JSON-encoded; default :data:`DEFAULT_ERROR`, an OpenAI-style
    ``{"error": {...}}``) goes in a ``data:`` line; with ``named=True`` the event
    also has ``event: error`` (``None``: the seed decides).

    The SSE layer delivers it as an ordinary event.  An LLM consumer must stop
    there with a typed error carrying the payload, after delivering everything
    before it, never continue silently and never fail with a JSON error: the
    ``sse_codec.openai`` layer raises :class:`~sse_codec.StreamError`.  Raises
    :class:`TypeError` when ``payload`` is not JSON-serialisable.
    """
    rng = _rng(seed)
    body = json.dumps(DEFAULT_ERROR if payload is None else payload, separators=(",", ":"))
    if named is None:
        named = rng.random() < 0.5
    block = (b"event: error\n" if named else b"") + b"data: " + body.encode("utf-8") + b"\n\n"
    return _insert(stream, rng.choice(_scan(stream).block_starts()), block)


def insert_invalid_utf8(stream: bytes, *, seed: Seed = 0) -> bytes:
    """Insert a byte sequence that is not UTF-8 into the data of a random event.

    The sequence (a stray byte, a lone continuation byte, an overlong form, an
    encoded surrogate, a truncated sequence or a code point above U+10FFFF) goes
    between two characters of a ``data`` value of an event other than
    ``[DONE]``.  The stream is UTF-8 by definition, and a conforming parser
    replaces each invalid sequence with U+FFFD and never raises: the SSE layer
    delivers the same events, that one with U+FFFD added.  A JSON layer above it
    then reads a string containing U+FFFD, or, when the bytes landed outside a
    JSON string, must raise its typed payload error (``sse_codec.openai``:
    :class:`~sse_codec.PayloadError`).  Raises :class:`ValueError` when the
    stream has no such event.
    """
    rng = _rng(seed)
    events = [block for block in _scan(stream).events if not block.is_done]
    _need(bool(events), "insert_invalid_utf8", "the stream has no event besides [DONE]")
    line = rng.choice(rng.choice(events).data_lines)
    bad = rng.choice(INVALID_UTF8)
    if stream.find(b":", line.start, line.stop) < 0:
        # A bare "data" line has no value to put bytes in: give it one.
        return _insert(stream, line.stop, b":" + bad)
    start = _value_start(stream, line)
    # Between two whole characters, so the bytes around stay valid.
    boundaries = [
        i for i in range(start, line.stop + 1) if i == line.stop or not 0x80 <= stream[i] < 0xC0
    ]
    return _insert(stream, rng.choice(boundaries), bad)


_COMMENTS = (b": keep-alive\n", b":\n", b": ping\r\n", b":: not a field\n", b":data: x\n")


def insert_comments(stream: bytes, *, seed: Seed = 0, count: int | None = None) -> bytes:
    """Insert comment lines and keep-alive blocks at random line boundaries.

    Comment lines (``: keep-alive``, ``:``, ``:data: x``...) go between any two
    lines, also inside an event; keep-alive blocks (a comment and a blank line)
    go only between events, where a blank line dispatches nothing.  ``count``
    insertions (default: 1 to 8, from the seed).

    A correct consumer ignores them all: the same events, last event ID and
    retry as the original stream, and no empty event for a keep-alive block.
    Raises :class:`ValueError` for a negative ``count``.
    """
    rng = _rng(seed)
    scan = _scan(stream)
    if count is None:
        count = rng.randint(1, 8)
    _need(count >= 0, "insert_comments", "count must not be negative")
    inserts: list[tuple[int, bytes]] = []
    line_starts = scan.line_starts()
    block_starts = scan.block_starts(before_done=False)
    for _ in range(count):
        if rng.random() < 0.3:
            inserts.append((rng.choice(block_starts), b": keep-alive\n\n"))
        else:
            inserts.append((rng.choice(line_starts), rng.choice(_COMMENTS)))
    # Insert from the end so earlier offsets stay valid.
    for offset, extra in sorted(inserts, key=lambda item: item[0], reverse=True):
        stream = _insert(stream, offset, extra)
    return stream


def insert_oversized_event(
    stream: bytes,
    *,
    seed: Seed = 0,
    size: int = max(DEFAULT_MAX_LINE_SIZE, DEFAULT_MAX_EVENT_SIZE) + 1,
) -> bytes:
    """Insert, at a random event boundary before ``[DONE]``, an event of ``size`` data bytes.

    The data is one line, so with the default ``size`` it exceeds both of
    :class:`~sse_codec.SSEDecoder`'s default bounds (``max_line_size`` and
    ``max_event_size``).  A correct consumer refuses to buffer it without bound:
    ``SSEDecoder`` raises :class:`~sse_codec.SSELimitError` while the line is
    still arriving, after returning every earlier event (those completed in the
    same ``feed`` call are in the error's ``events``).  Raises
    :class:`ValueError` for ``size < 1``.
    """
    rng = _rng(seed)
    _need(size >= 1, "insert_oversized_event", "size must be at least 1")
    block = b"data: " + b"x" * size + b"\n\n"
    return _insert(stream, rng.choice(_scan(stream).block_starts()), block)


# -- reordering ------------------------------------------------------------------


def duplicate_event(stream: bytes, *, seed: Seed = 0) -> bytes:
    """Send a random event (not ``[DONE]``) twice in a row, as a replaying proxy might.

    The SSE layer has no duplicate detection: a conforming parser delivers the
    event twice, with the same ``id``.  A consumer that must not apply an event
    twice has to deduplicate by ``id`` itself.  Raises :class:`ValueError` when
    the stream has no event besides ``[DONE]``.
    """
    rng = _rng(seed)
    events = [block for block in _scan(stream).events if not block.is_done]
    _need(bool(events), "duplicate_event", "the stream has no event besides [DONE]")
    block = rng.choice(events)
    return _insert(stream, block.end, stream[block.start : block.end])


def reorder_events(stream: bytes, *, seed: Seed = 0) -> bytes:
    """Swap two neighbouring events (not ``[DONE]``), leaving everything between them.

    A conforming parser delivers the events in the new order (each event's
    ``id`` follows the stream's ID state at its new position).  A consumer that
    relies on order (say, tool-call arguments assembled from fragments) gets a
    wrong result it cannot detect from the SSE layer alone; this fault shows
    whether its own checks notice.  Raises :class:`ValueError` when the stream
    has fewer than two events besides ``[DONE]``.
    """
    rng = _rng(seed)
    events = [block for block in _scan(stream).events if not block.is_done]
    _need(len(events) >= 2, "reorder_events", "the stream has fewer than two events")
    index = rng.randrange(len(events) - 1)
    first, second = events[index], events[index + 1]
    return (
        stream[: first.start]
        + stream[second.start : second.end]
        + stream[first.end : second.start]
        + stream[first.start : first.end]
        + stream[second.end :]
    )


def slow_drip(chunks: bytes | Iterable[bytes], *, seed: Seed = 0) -> Iterator[bytes]:
    """Yield the stream one byte per chunk (``seed`` is unused).

    Takes the whole stream or an iterable of chunks.  A correct consumer yields
    exactly the events it yields for the whole stream in one chunk: nothing
    split across a CRLF, the BOM or a UTF-8 character may change or be lost.
    """
    _rng(seed)
    if isinstance(chunks, bytes | bytearray | memoryview):
        chunks = [bytes(chunks)]
    for chunk in chunks:
        for index in range(len(chunk)):
            yield bytes(chunk[index : index + 1])


# -- registry --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fault:
    """A named stream fault, as listed in :data:`FAULTS`.

    ``name`` is its stable name, ``function`` the fault function and
    ``summary`` the first sentence of its documentation, as plain text.  Calling it returns the
    chunks to send: ``fault(stream, seed=3)``.
    """

    name: str
    function: Callable[..., bytes | Iterator[bytes]]
    summary: str

    def __call__(self, stream: bytes, *, seed: Seed = 0) -> list[bytes]:
        """Apply the fault to ``stream`` and return the chunks to send.

        Raises what the fault function raises (:class:`ValueError` when the
        fault does not apply to this stream).
        """
        result = self.function(stream, seed=seed)
        return [result] if isinstance(result, bytes) else list(result)


def _entry(function: Callable[..., bytes | Iterator[bytes]]) -> tuple[str, Fault]:
    first = (inspect.getdoc(function) or "").split("\n\n")[0]
    summary = first.replace("\n", " ").replace("``", "")  # plain text, for terminals
    return function.__name__, Fault(function.__name__, function, summary)


#: Every fault by its stable name (the function's name), for tools such as
#: ``python -m sse_codec serve --fault NAME``.  Read-only.
FAULTS: Mapping[str, Fault] = MappingProxyType(
    dict(
        _entry(function)
        for function in (
            truncate,
            truncate_mid_event,
            truncate_mid_char,
            truncate_before_done,
            drop_done,
            insert_error_event,
            insert_invalid_utf8,
            insert_comments,
            insert_oversized_event,
            duplicate_event,
            reorder_events,
            slow_drip,
        )
    )
)
