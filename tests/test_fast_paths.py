"""The decoder's shortcuts against its reference path, on generated streams.

``_ReferenceDecoder`` is ``SSEDecoder`` with every shortcut switched off (each line
goes through ``_process``).  For any stream, chunking and limits, ``feed``,
``feed_items`` and ``iter_events`` must return what the reference returns, chunk by
chunk, with the same ``last_event_id``/``retry`` state and the same errors.
"""

from __future__ import annotations

import contextlib
import itertools
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import sse_codec._decoder
from sse_codec import Comment, ServerSentEvent, SSEDecoder, SSEError, SSELimitError, iter_events
from sse_codec._decoder import (
    _DATA_LINE,
    _HOLD_CHUNK_MAX,
    _completes_blank_line,
    _event_head,
    _ReferenceDecoder,
)

_TEXT = st.text(
    alphabet=st.sampled_from(list('ab :{}"é日🙂\x00')) | st.characters(codec="utf-8"),
    max_size=12,
).map(lambda t: t.replace("\n", "").replace("\r", ""))
_RAW = st.binary(max_size=6).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b""))


@st.composite
def _block(draw: st.DrawFn) -> bytes:
    value = draw(_TEXT).encode("utf-8") + draw(st.sampled_from([b"", b"\xe6\x97", b"\xff"]))
    shape = draw(st.integers(0, 9))
    if shape <= 3:  # the OpenAI shape, the most common by far
        return b"data: " + value + b"\n\n"
    if shape <= 5:  # the Anthropic shape
        return b"event: " + draw(_RAW) + b"\ndata: " + value + b"\n\n"
    lines = draw(
        st.lists(
            st.sampled_from(
                [
                    b"data: " + value,
                    b"data:" + value,
                    b"data",
                    b"event: " + value,
                    b"id: " + value,
                    b"id",
                    b"retry: 1500",
                    b"retry: x",
                    b": keep-alive",
                    b":",
                    b"other: " + value,
                    b"",
                ]
            ),
            max_size=4,
        )
    )
    end = draw(st.sampled_from([b"\n", b"\n", b"\r\n", b"\r"]))
    # Sometimes a lone line with no blank line after it: the block then goes on in
    # the next piece (a shortcut must see that a block is in progress).
    return b"".join(line + end for line in lines) + (end if shape < 9 else b"")


@st.composite
def _stream(draw: st.DrawFn) -> tuple[bytes, list[bytes]]:
    prefix = draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf", b"\xef\xbb"]))
    body = prefix + b"".join(draw(st.lists(_block(), max_size=12)))
    body += draw(st.sampled_from([b"", b"", b"data: cut", b"data: x\n", b"\r"]))
    mode = draw(st.integers(0, 3))
    if mode == 0:
        cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=10)))
    elif mode == 1:
        step = draw(st.integers(1, 9))
        cuts = list(range(0, len(body), step))
    elif mode == 2:  # one chunk per block where possible, like a flushing server
        cuts = [i + 2 for i in range(len(body)) if body[i : i + 2] == b"\n\n"]
    else:
        cuts = []
    bounds = [0, *cuts, len(body)]
    chunks = [body[a:b] for a, b in itertools.pairwise(bounds)]
    return body, chunks


_LIMITS = st.sampled_from([None, None, 8, 20, 64])

Item = ServerSentEvent | Comment
Outcome = tuple[list[object], str, int | None]


def _drive(
    decoder: SSEDecoder, chunks: list[bytes], step: Callable[[SSEDecoder, bytes], list[Item]]
) -> Outcome:
    trace: list[object] = []
    try:
        for chunk in chunks:
            trace.append(step(decoder, chunk))
            trace.append((decoder.last_event_id, decoder.retry))
        trace.append(decoder.close_items())
    except SSELimitError as exc:
        trace.append(("limit", exc.limit_name, exc.size, exc.events))
    except SSEError as exc:  # pragma: no cover - would be a finding
        trace.append(("error", type(exc).__name__, str(exc)))
    return trace, decoder.last_event_id, decoder.retry


def _collect(
    decoder: SSEDecoder, source: list[bytes] | list[bytearray]
) -> list[tuple[int, object]]:
    """The events ``iter_events`` yields, then the limit error that ended it, if any,
    each with the number of chunks taken from ``source`` by then: an event must
    come out as soon as the chunk that completes it is in, not later."""
    taken = 0

    def counted() -> Iterator[bytes | bytearray]:
        nonlocal taken
        for chunk in source:
            taken += 1
            yield chunk

    got: list[tuple[int, object]] = []
    try:
        for event in iter_events(counted(), decoder=decoder):
            got.append((taken, event))
    except SSELimitError as exc:
        got.append((taken, ("limit", exc.limit_name, exc.size)))
    return got


def _feed(d: SSEDecoder, c: bytes) -> list[Item]:
    return list(d.feed(c))


def _feed_items(d: SSEDecoder, c: bytes) -> list[Item]:
    return d.feed_items(c)


@given(_stream(), _LIMITS, _LIMITS, st.booleans())
# An id line alone in one chunk, then a block the shortcut takes whole.
@example((b"", [b"data: a\n\n", b"id: 5\n", b"data: x\n\n"]), None, None, False)
# A pending "data:" line (no space) completed by a later chunk.
@example((b"", [b"data:abc", b"def\n\n"]), None, None, False)
def test_feed_matches_reference(
    stream: tuple[bytes, list[bytes]], max_line: int | None, max_event: int | None, lenient: bool
) -> None:
    _, chunks = stream
    for step in (_feed, _feed_items):
        fast = SSEDecoder(
            max_line_size=max_line, max_event_size=max_event, dispatch_on_close=lenient
        )
        ref = _ReferenceDecoder(
            max_line_size=max_line, max_event_size=max_event, dispatch_on_close=lenient
        )
        assert _drive(fast, chunks, step) == _drive(ref, chunks, step)


@given(_stream(), _LIMITS)
def test_iter_events_matches_reference(
    stream: tuple[bytes, list[bytes]], limit: int | None
) -> None:
    body, chunks = stream
    ref = _collect(_ReferenceDecoder(max_line_size=limit, max_event_size=limit), chunks)
    assert _collect(SSEDecoder(max_line_size=limit, max_event_size=limit), chunks) == ref
    # bytearray chunks take the general path everywhere; still the same events.
    arrays = [bytearray(c) for c in chunks]
    assert _collect(SSEDecoder(max_line_size=limit, max_event_size=limit), arrays) == ref
    if limit is None:
        assert [item for _, item in _collect(SSEDecoder(), [body])] == [item for _, item in ref]


def test_reference_decoder_really_takes_the_slow_path() -> None:
    # If the switch stopped working, the property tests above would compare the
    # shortcuts with themselves.
    class Tripwire(_ReferenceDecoder):
        __slots__ = ()

        def _plain_blocks(self, head: bytes | bytearray | None, chunk: bytes | bytearray) -> None:
            raise AssertionError("the reference decoder took the plain-blocks shortcut")

    stream = [b"data: x\n\n", b"data: a\n\ndata: b\n\n" * 40, b"event: e\ndata: y\n\n"]
    ref = Tripwire()
    assert [e.data for c in stream for e in ref.feed(c)] == ["x"] + ["a", "b"] * 40 + ["y"]
    assert [e.data for e in iter_events(stream, decoder=Tripwire())] == ["x"] + ["a", "b"] * 40 + [
        "y"
    ]


def test_big_line_completed_in_place_is_exact() -> None:
    payload = bytes(range(32, 127)) * 1000
    chunks = [b"data: " + payload[:1000]] + [
        payload[i : i + 1460] for i in range(1000, len(payload), 1460)
    ]
    chunks.append(b"\r\n\r\n")
    events = list(iter_events(chunks))
    assert events == [ServerSentEvent(data=payload.decode())]


def test_limits_changed_after_construction_still_apply_to_shortcuts() -> None:
    decoder = SSEDecoder()
    decoder.max_line_size = 10
    assert decoder.max_line_size == 10
    try:
        decoder.feed(b"data: " + b"x" * 20 + b"\n\n")
    except SSELimitError as exc:
        assert exc.limit_name == "max_line_size"
    else:  # pragma: no cover
        raise AssertionError("the one-block shortcut ignored a lowered max_line_size")
    decoder = SSEDecoder()
    decoder.feed(b"data: a\n\n")
    decoder.max_event_size = 4
    assert decoder.max_event_size == 4
    try:
        list(iter_events([b"data: 123456\n\n"], decoder=decoder))
    except SSELimitError as exc:
        assert exc.limit_name == "max_event_size"
    else:  # pragma: no cover
        raise AssertionError("the iter_events shortcut ignored a lowered max_event_size")


def test_a_long_event_in_small_chunks_is_held_about_twice() -> None:
    # The long-line path keeps one copy of the line until its value is taken;
    # joining and splitting it would need four.  (Memory, not time: deterministic.)
    size = 1024 * 1024
    stream = b"data: " + b"x" * size + b"\n\n"
    chunks = [stream[i : i + 1460] for i in range(0, len(stream), 1460)]
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        events = list(iter_events(chunks))
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert len(events) == 1 and len(events[0].data) == size
    assert peak < 2.5 * size


def test_one_data_value_then_a_list_gives_the_joined_data() -> None:
    # A block's first data value is held on its own and a list is made only for
    # the second; an empty first value (b"data\n") must still dispatch.  Every
    # mix of up to three empty and non-empty values, across chunkings and paths.
    for count in range(4):
        for values in itertools.product([b"", b"x", b"long value"], repeat=count):
            for line_end in (b"\n", b"\r\n", b"\r"):
                block = b"".join(b"data" + (b": " + v if v else b"") + line_end for v in values)
                stream = b"id: 7" + line_end + block + line_end + b"data: next\n\n"
                expected = (
                    [ServerSentEvent(data="\n".join(v.decode() for v in values), id="7")]
                    if values
                    else []
                ) + [ServerSentEvent(data="next", id="7")]
                for step in (len(stream), 1, 3):
                    chunks = [stream[i : i + step] for i in range(0, len(stream), step)]
                    assert list(iter_events(chunks)) == expected
                    decoder, reference = SSEDecoder(), _ReferenceDecoder()
                    got = [e for c in chunks for e in decoder.feed(c)]
                    assert got == [e for c in chunks for e in reference.feed(c)] == expected


def _same_as_reference(
    chunks: list[bytes], max_line_size: int | None = None, dispatch_on_close: bool = False
) -> list[object]:
    """Feed ``chunks`` to both decoders, by ``feed`` and by ``iter_events``; return
    the ``feed`` trace after checking that the two agree."""

    def make(cls: type[SSEDecoder]) -> SSEDecoder:
        return cls(max_line_size=max_line_size, dispatch_on_close=dispatch_on_close)

    got = _drive(make(SSEDecoder), chunks, _feed)
    assert got == _drive(make(_ReferenceDecoder), chunks, _feed)
    assert _collect(make(SSEDecoder), chunks) == _collect(make(_ReferenceDecoder), chunks)
    return got[0]


def test_read_ahead_event_line_then_a_pending_line_over_the_limit() -> None:
    # The shortcut leaves "event: delta\n" unread in front of the pending data
    # line; the line limit must count the data line only, and still trip on it.
    head = [b"event: a\ndata: a\n\nevent: delta\ndata: 12", b"3456"]
    decoder = SSEDecoder()
    decoder.feed(head[0])
    assert decoder._partial == bytearray(b"event: delta\ndata: 12")  # the case under test
    _same_as_reference([*head, b"789\n\n"], max_line_size=16)
    trace = _same_as_reference([*head, b"789ab", b"cdef\n\n"], max_line_size=16)
    assert ("limit", "max_line_size", 17, []) in trace


def test_read_ahead_event_line_then_a_long_line_and_close() -> None:
    body = b"x" * (3 * 65536)
    chunks = [b"event: big\ndata: " + body[:100]]
    chunks += [body[i : i + 4096] for i in range(100, len(body), 4096)]
    _same_as_reference([*chunks, b"\n\n"])
    _same_as_reference(chunks, dispatch_on_close=True)
    _same_as_reference([b"data: a\n\nevent: e\ndata: b"], dispatch_on_close=True)
    events = list(iter_events([*chunks, b"\n\n"]))
    assert [(e.event, len(e.data)) for e in events] == [("big", len(body))]


def test_read_ahead_of_an_event_line_still_checks_the_line_limit() -> None:
    # The chunk that ends the event line (kept unread) also brings a data line
    # longer than max_line_size: the reference fails on it in that same call.
    chunks = [b"event: a\ndata: 1\n\nevent: ab", b"c\ndata: 0123456789012345", b"\n\n"]
    trace = _same_as_reference(chunks, max_line_size=16)
    assert ("limit", "max_line_size", 22, []) in trace
    # Within the limit, the event line is read ahead and the events are the same.
    trace = _same_as_reference([*chunks[:1], b"c\ndata: 0123", b"456\n\n"], max_line_size=16)
    assert ServerSentEvent(event="abc", data="0123456") in trace[-3]  # type: ignore[operator]


class _Recording(SSEDecoder):
    """Records what ``iter_events`` hands to the general paths (``_read``, then
    ``_plain_blocks``), to show which branch of a shortcut a case took."""

    __slots__ = ("calls",)

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, bytes]] = []

    def _read(
        self, data: bytes | bytearray, out: list[ServerSentEvent | Comment]
    ) -> list[ServerSentEvent | Comment]:
        self.calls.append(("read", bytes(data)))
        return super()._read(data, out)

    def _plain_blocks(
        self, head: bytes | bytearray | None, chunk: bytes | bytearray
    ) -> list[ServerSentEvent] | None:
        self.calls.append(("plain_blocks", bytes(head or b"") + chunk))
        return super()._plain_blocks(head, chunk)


def _iter_recorded(chunks: list[bytes]) -> tuple[list[str], list[tuple[str, bytes]]]:
    """``iter_events``' data values and the general-path calls, after checking the
    events (and the decoder state) against the reference."""
    _same_as_reference(chunks)
    decoder = _Recording()
    values = [event.data for event in iter_events(chunks, decoder=decoder)]
    return values, decoder.calls


def test_network_cut_openai_shape_inline_branches() -> None:
    # iter_events yields the blocks completed after a pending "data: " line itself
    # (no call, no list); its rare branches hand the rest to the reference path.
    # The common case: the pending line, whole blocks, a new pending line.
    assert _iter_recorded([b"data: a", b"1\n\ndata: b\n\ndata: c"]) == (["a1", "b"], [])
    # One more block and its blank line, then a pending line (or none).
    assert _iter_recorded([b"data: a", b"1\n\ndata: b\n\nda", b"ta: c\n\ndata: d\n\n"]) == (
        ["a1", "b", "c", "d"],
        [],  # the second chunk completes "da" + "ta: c": the field name was cut
    )
    # A middle block with two lines: events up to it, the rest read by the reference.
    values, calls = _iter_recorded([b"data: a", b"1\n\ndata: b\ndata: c\n\ndata: d\n\ndata: e"])
    assert values == ["a1", "b\nc", "d"]
    assert calls == [("read", b"data: b\ndata: c\n\ndata: d\n\ndata: e")]
    # The same from the first block (its value includes the pending line's).
    values, calls = _iter_recorded([b"data: a", b"1\nid: 5\n\ndata: b\n\n"])
    assert values == ["a1", "b"]
    assert calls[0] == ("read", b"data: a1\nid: 5\n\ndata: b\n\n")
    # ... and the same when the last piece is not plain either.
    values, calls = _iter_recorded([b"data: a", b"1\n\ndata: b\ndata: c\n\ndata: d\n", b"\n"])
    assert values == ["a1", "b\nc", "d"]
    assert calls[0] == ("read", b"data: b\ndata: c\n\ndata: d\n")
    # The chunk ends inside the separator, after the value's line end.
    values, calls = _iter_recorded([b"data: a", b"1\n\ndata: b\n", b"\ndata: c\n\n"])
    assert values == ["a1", "b", "c"]
    assert calls[0] == ("read", b"data: b\n")
    # An id from an earlier block, and invalid UTF-8, go through unchanged.
    values, calls = _iter_recorded([b"id: 7\n\ndata: a", b"\xff\n\ndata: \xe6\x97\n\ndata: x"])
    assert values == ["a\ufffd", "\ufffd"]
    assert calls == [("plain_blocks", b"id: 7\n\ndata: a"), ("read", b"id: 7\n\ndata: a")]
    assert [e.id for e in iter_events([b"id: 7\n\ndata: a", b"1\n\ndata: b\n\n"])] == ["7", "7"]
    # Not the shape: "data:" without the space, or a named event pending.
    assert _iter_recorded([b"data:a", b"1\n\ndata: b\n\n"])[1][:2] == [
        ("plain_blocks", b"data:a1\n\ndata: b\n\n"),
        ("read", b"data:a1\n\ndata: b\n\n"),
    ]
    assert _iter_recorded([b"event: e\n", b"data: a", b"1\n\ndata: b\n\n"])[0] == ["a1", "b"]
    # Each new pending line is a new bytearray made from a shared prefix, which the
    # next chunk's in-place join must not reach (nor feed()'s shortcut).
    chunks = [b"data: a", b"1\n\ndata: b", b"2\n\ndata: c", b"3\n\ndata: d", b"4\n\n"]
    assert [e.data for e in iter_events(chunks)] == ["a1", "b2", "c3", "d4"]
    decoder = SSEDecoder()
    assert [e.data for c in chunks for e in decoder.feed(c)] == ["a1", "b2", "c3", "d4"]
    assert _DATA_LINE == b"data: "


def test_small_chunks_ending_an_anthropic_block_after_a_read_ahead_event_line() -> None:
    # The pending bytes hold "event: ...\n" (read ahead) and the start of the data
    # line; a small chunk ends the block.  iter_events builds that event itself when
    # what follows the blank line is a pending line, or an event line (kept unread
    # in turn) and a pending line; anything else goes to the general path.  "Taken":
    # the chunks after ``head`` make no general-path call (the events and decoder
    # state are checked against the reference in every case).
    head = [b"event: a\ndata: 1\n\nevent: delta\nda", b'ta: {"x":']
    a, delta = ("a", "1"), ("delta", '{"x":1}')
    cases: list[tuple[list[bytes], list[bytes], list[tuple[str, str]], bool]] = [
        (head, [b"1}\n\neven"], [a, delta], True),
        (head, [b"1}\n\n"], [a, delta], True),
        (head, [b"1}\n\nevent: b\ndata: 2", b"\n\n"], [a, delta, ("b", "2")], True),
        # After the blank line: an event line with its data line complete, an event
        # line ending the chunk, a data line.
        (head, [b"1}\n\nevent: b\ndata: 2\n", b"\n"], [a, delta, ("b", "2")], False),
        (head, [b"1}\n\nevent: b\n", b"data: 2\n\n"], [a, delta, ("b", "2")], False),
        (head, [b"1}\n\ndata: 2\n", b"\n"], [a, delta, ("message", "2")], False),
        # The chunk before cut the data line's field name.
        (head[:1], [b"ta: 1\n\n"], [a, ("delta", "1")], False),
        # An empty event name; invalid UTF-8 in the name and the value; an id.
        ([b"event: a\ndata: 1\n\nevent: \ndata: 1"], [b"2\n\n"], [a, ("message", "12")], True),
        (
            [b"event: a\ndata: 1\n\nevent: \xffz\ndata: \xe6"],
            [b"\x97\n\n"],
            [a, ("\ufffdz", "\ufffd")],
            True,
        ),
        (
            [b"id: 9\n\n", b"event: a\ndata: 1\n\nevent: d\ndata: 1"],
            [b"2\n\n"],
            [a, ("d", "12")],
            True,
        ),
    ]
    for before, chunks, expected, taken in cases:
        events, calls = _iter_recorded_events([*before, *chunks])
        assert events == expected
        assert (calls == _iter_recorded_events(before)[1]) is taken, (chunks, calls)
    ids = [
        e.id
        for e in iter_events([b"id: 9\n\n", b"event: a\ndata: 1\n\nevent: d\ndata: 1", b"2\n\n"])
    ]
    assert ids == ["9", "9"]


def test_small_anthropic_chunks_decode_an_event_line_once_for_the_blocks_like_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # iter_events keeps the last "event: NAME\ndata: " it decoded; a block that starts
    # with the same bytes reuses its type.  Names that extend the kept one, an event
    # line followed by another field, "data:" without the space, an empty name and
    # invalid UTF-8 must all still read as the reference reads them.
    blocks = [
        b"event: delta\ndata: 1\n\n",
        b"event: delta\ndata: 2\n\n",
        b"event: deltas\ndata: 3\n\n",
        b"event: delta\nid: 4\ndata: 4\n\n",
        b"event: delta\ndata: 5\n\n",
        b"event: \ndata: 6\n\n",
        b"event: \xffx\ndata: 7\n\n",
        b"event: delta\ndata:8\n\n",
        b"event: delta\ndata: 9\n\n",
    ]
    stream = b"".join(blocks * 3)
    expected = [(e.event, e.data, e.id) for e in _ReferenceDecoder().feed(stream)]
    assert len(expected) == 27 and expected[6][0] == "\ufffdx"
    for size in range(1, 48):
        chunks = [stream[i : i + size] for i in range(0, len(stream), size)]
        _same_as_reference(chunks)
        assert [(e.event, e.data, e.id) for e in iter_events(chunks)] == expected
    # And it is kept: one decode for a run of blocks with the same event line.
    decoded: list[bytes] = []

    def recording_event_head(pending: bytearray, kept: tuple[bytes, str]) -> tuple[bytes, str]:
        head = _event_head(pending, kept)
        if head is not kept:
            decoded.append(head[0])
        return head

    monkeypatch.setattr(sse_codec._decoder, "_event_head", recording_event_head)
    run = b"".join(b"event: delta\ndata: %d\n\n" % i for i in range(100, 140))
    chunks = [run[i : i + 20] for i in range(0, len(run), 20)]
    assert [e.data for e in iter_events(chunks)] == [str(i) for i in range(100, 140)]
    assert decoded == [b"event: delta\ndata: "]


def _iter_recorded_events(
    chunks: list[bytes],
) -> tuple[list[tuple[str, str]], list[tuple[str, bytes]]]:
    """Like ``_iter_recorded``, with each event's type."""
    _same_as_reference(chunks)
    decoder = _Recording()
    events = [(e.event, e.data) for e in iter_events(chunks, decoder=decoder)]
    return events, decoder.calls


# Holding: iter_events keeps small chunks that end lines but no block unread, and
# reads the whole block in the call that completes its blank line (see _iter).


def _blank_lines(data: bytes) -> int:
    """Empty lines in ``data`` by the spec's line ends (CR LF, LF, CR), counted one
    byte at a time: the plain model _completes_blank_line is checked against."""
    count = 0
    at_line_start = True
    previous = 0
    for byte in data:
        if byte == 10 and previous == 13:
            pass  # the LF of a CR LF: the line end was counted at the CR
        elif byte in (10, 13):
            count += at_line_start
            at_line_start = True
        else:
            at_line_start = False
        previous = byte
    return count


def test_completes_blank_line_matches_a_byte_by_byte_model() -> None:
    # Every chunk of up to five bytes from {a, CR, LF} holding a line end, after
    # a byte that is a line end (LF also standing for a line start), CR or text.
    for size in range(1, 6):
        for chunk in map(bytes, itertools.product(b"a\r\n", repeat=size)):
            if 10 not in chunk and 13 not in chunk:
                continue
            for last in b"a\r\n":
                before = b"a" + bytes([last])
                expected = _blank_lines(before + chunk) > _blank_lines(before)
                assert _completes_blank_line(last, chunk) is expected, (last, chunk)


def _crlf_block(index: int) -> bytes:
    lines = [b": keep-alive", b"event: update", b"id: %d" % index]
    lines += [b"data: line %d of %d" % (n, index) for n in range(3)]
    return b"".join(line + b"\r\n" for line in lines) + b"\r\n"


def test_small_chunks_of_a_many_line_block_are_read_once_per_block() -> None:
    # The CRLF shape with comments, event, id and three data lines, cut in 7-byte
    # chunks: one _read call per block (the one with its blank line), not one per
    # chunk that ends a line; events and state as the reference's.
    stream = b"".join(_crlf_block(i) for i in range(5))
    chunks = [stream[i : i + 7] for i in range(0, len(stream), 7)]
    _same_as_reference(chunks)
    decoder = _Recording()
    events = list(iter_events(chunks, decoder=decoder))
    assert [(e.event, e.id, e.data) for e in events] == [
        ("update", str(i), f"line 0 of {i}\nline 1 of {i}\nline 2 of {i}") for i in range(5)
    ]
    reads = [data for name, data in decoder.calls if name == "read"]
    # Each holds its whole block, up to the blank line's CR at least.
    assert [data[: len(_crlf_block(i)) - 1] for i, data in enumerate(reads)] == [
        _crlf_block(i)[:-1] for i in range(5)
    ]
    # Without holding (chunks bigger than _HOLD_CHUNK_MAX), each line-ending chunk
    # is read when it arrives.
    big = [stream[i : i + _HOLD_CHUNK_MAX + 1] for i in range(0, len(stream), 65)]
    decoder = _Recording()
    assert list(iter_events(big, decoder=decoder)) == events
    assert len(decoder.calls) > 5


def test_holding_keeps_events_errors_and_state_exact_in_every_case() -> None:
    # Each case against the reference (events, limit errors, last_event_id and
    # retry after every chunk with feed(); events and errors with iter_events).
    crlf = _crlf_block(1)
    cases: list[tuple[list[bytes], int | None]] = [
        # A CR LF cut by the chunking, a blank line right after it, lone CRs, LF CR.
        ([b"data: a\r", b"\n", b"\r\n"], None),
        ([b"data: a\r", b"\r", b"data: b\n", b"\r"], None),
        ([b"id: 1\n", b"data: x\n", b"\n"], None),
        ([b"da", b"ta: a\n\r", b"data: b\r\n\r\n"], None),
        # retry in a held block, then the block's end; an empty block.
        ([b"retry: 15", b"00\r\ndata: x\r", b"\n\r\n"], None),
        ([b"retry: 7\r\n", b"\r\n", b"data: y\r\n\r\n"], None),
        # The held bytes outgrow _HOLD_MAX: with line ends, and with a long pending
        # line in chunks without any (read, then the long line goes on).
        ([b": c\r\n"] + [b"data: " + b"x" * 50 + b"\r\n"] * 100 + [b"\r\n"], None),
        ([b": c\r\ndata: "] + [b"y" * 60] * 100 + [b"\r\n\r\n"], None),
        # A line over the line limit, in the held bytes or in the pending line.
        ([b": c\r\n", b"data: 0123456789", b"0123456789\r\n\r\n"], 16),
        ([b": c\r\n", b"data: 0123", b"456789abcdef", b"\r\n\r\n"], 16),
        ([b": c\r\n", b"data: 01234\r\n", b"data: 56789\r\n\r\n"], 20),
        # Small chunks of a block that starts at a line start, cut everywhere.
        ([crlf[i : i + 3] for i in range(0, len(crlf), 3)], None),
        ([crlf[i : i + 1] for i in range(len(crlf))], None),
    ]
    for chunks, limit in cases:
        _same_as_reference(chunks, max_line_size=limit)
        _same_as_reference([b"data: 0\n\n", *chunks], max_line_size=limit)


def test_chunks_of_other_types_and_the_end_of_the_chunks_release_what_is_held() -> None:
    # A bytearray or memoryview chunk while bytes are held: what is held is read
    # first, then the chunk the general way.
    for kind in (bytearray, memoryview):
        chunks: list[bytes | bytearray | memoryview] = [b": c\r\n", b"data: a\r\n"]
        chunks += [kind(b"data: b\r\n\r\n"), b"data: c\r\n\r\n"]
        assert [e.data for e in iter_events(chunks)] == ["a\nb", "c"]
    # The chunks end while bytes are held: dispatch_on_close sees them.
    decoder = SSEDecoder(dispatch_on_close=True)
    assert [e.data for e in iter_events([b": c\r\n", b"data: a\r\n"], decoder=decoder)] == ["a"]
    decoder = SSEDecoder(dispatch_on_close=True)
    assert [e.data for e in iter_events([b"retry: 5\r\n", b"data: a"], decoder=decoder)] == ["a"]
    assert decoder.retry == 5


def test_a_failing_source_leaves_the_decoder_as_if_every_byte_was_fed() -> None:
    # A reconnecting client reads retry (and last_event_id) after the body fails;
    # lines held back when the source raises are read first.
    class Dropped(Exception):
        pass

    def source() -> Iterator[bytes]:
        yield b"id: 4\r\n\r\n"
        yield b"retry: 2500\r\n"
        yield b"data: a\r\n"
        raise Dropped

    decoder = SSEDecoder()
    with contextlib.suppress(Dropped):
        list(iter_events(source(), decoder=decoder))
    reference = _ReferenceDecoder()
    for chunk in (b"id: 4\r\n\r\n", b"retry: 2500\r\n", b"data: a\r\n"):
        reference.feed(chunk)
    assert (decoder.retry, decoder.last_event_id) == (reference.retry, reference.last_event_id)
    assert decoder.retry == 2500
    # The block goes on where it was: the held data line was read, not lost.
    assert decoder.feed(b"data: b\r\n\r\n") == reference.feed(b"data: b\r\n\r\n")
    assert decoder.close() == reference.close() == []


def test_comment_callbacks_still_run_before_the_next_chunk_is_asked_for() -> None:
    # With on_comment set nothing is held: each comment is reported in the call
    # that completes its line, before iter_events pulls the next chunk.
    seen: list[str] = []
    asked: list[list[str]] = []

    def source() -> Iterator[bytes]:
        # Lines at a line start, and completing a pending line.
        for chunk in (b": one\r\n", b": tw", b"o\r\n", b"data: x\r\n", b"\r\n"):
            asked.append(list(seen))
            yield chunk

    decoder = SSEDecoder(on_comment=seen.append)
    assert [e.data for e in iter_events(source(), decoder=decoder)] == ["x"]
    assert asked == [[], ["one"], ["one"], ["one", "two"], ["one", "two"]]
