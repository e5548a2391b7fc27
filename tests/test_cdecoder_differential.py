"""The compiled decoder against the pure-Python reference, call by call.

Streams from ``sse_codec.testing`` (its stream strategy, every fault, invalid
UTF-8) with NUL, lone CRs, BOMs and field look-alikes spliced in, in random
chunkings, passed as bytes, bytearray or memoryviews of several formats, through
``feed`` and ``feed_items``, with random small limits (also changed mid-stream),
``dispatch_on_close`` and a seeded ``last_event_id``: after EVERY call the two
implementations must agree on the result or the exception (type, message and
attributes), ``last_event_id``, ``retry`` and the comments given to
``on_comment``.
"""

from __future__ import annotations

from contextlib import suppress
from functools import partial
from typing import Any

import pytest
from cdecoder_oracle import KINDS, as_kind, describe_call, make_pair
from decoders import IMPLEMENTATIONS
from hypothesis import given
from hypothesis import strategies as st

from sse_codec.testing import FAULTS, chunkings, insert_oversized_event, streams

pytestmark = pytest.mark.skipif(
    "c" not in IMPLEMENTATIONS, reason="the C extension is not built (no C compiler at install)"
)

# Byte sequences where decoders go wrong: line ends alone and split, BOMs and
# their prefixes, NUL, invalid UTF-8, field names and their look-alikes, retry
# values at and past MAX_RETRY.
TRICKY = [
    b"\r",
    b"\n",
    b"\r\n",
    b"\n\r",
    b"\xef\xbb\xbf",
    b"\xef",
    b"\xef\xbb",
    b"\xef\xbf",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b":",
    b": ",
    b"::",
    b"data",
    b"data:",
    b"data: ",
    b"data:  x",
    b"Data: y",
    b"event:",
    b"event: e",
    b"id:",
    b"id: 7",
    b"id: a\x00b",
    b"retry:",
    b"retry: 10",
    b"retry: 9223372036854775807",
    b"retry: 9223372036854775808",
    b"retry: 00012",
    b"retry: +5",
    b"retry: \xd9\xa1",
]

LIMITS = st.one_of(st.none(), st.integers(0, 80))


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """A stream from sse_codec.testing, maybe with a fault, with tricky bytes spliced in."""
    case = draw(streams(invalid_utf8=True, max_blocks=6))
    body = case.body
    fault = draw(st.sampled_from([None, *sorted(FAULTS)]))
    seed = draw(st.integers(0, 1000))
    if fault == "insert_oversized_event":
        body = insert_oversized_event(body, seed=seed, size=draw(st.integers(1, 120)))
    elif fault is not None:
        with suppress(ValueError):  # (raised when the fault does not apply to this stream)
            body = b"".join(FAULTS[fault](body, seed=seed))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(body)))
        piece = draw(st.one_of(st.sampled_from(TRICKY), st.binary(max_size=6)))
        body = body[:at] + piece + body[at:]
    return body


# One step of a session: feed a chunk (as some kind, through feed or feed_items),
# or change a limit / the last event ID between chunks.
_CHANGES = st.one_of(
    st.tuples(st.just("max_line_size"), LIMITS),
    st.tuples(st.just("max_event_size"), LIMITS),
    st.tuples(st.just("last_event_id"), st.sampled_from(["", "7", "é", "x" * 30])),
)


@st.composite
def sessions(draw: st.DrawFn) -> tuple[dict[str, Any], list[tuple[Any, ...]], bool]:
    body = draw(bodies())
    options = {
        "max_line_size": draw(LIMITS),
        "max_event_size": draw(LIMITS),
        "dispatch_on_close": draw(st.booleans()),
        "last_event_id": draw(st.sampled_from(["", "41", "seed é"])),
    }
    steps: list[tuple[Any, ...]] = []
    for chunk in draw(chunkings(body)):
        if draw(st.integers(0, 9)) == 0:
            steps.append(("set", *draw(_CHANGES)))
        method = draw(st.sampled_from(["feed", "feed_items"]))
        steps.append((method, chunk, draw(st.sampled_from(KINDS))))
    return options, steps, draw(st.booleans())


def _run_step(dec: Any, step: tuple[Any, ...]) -> tuple[Any, ...]:
    if step[0] == "set":
        _, name, value = step

        def change() -> list[Any]:
            setattr(dec, name, value)
            return []

        return describe_call(dec, change)
    method, chunk, kind = step
    return describe_call(dec, lambda: getattr(dec, method)(as_kind(chunk, kind)))


@given(sessions())
def test_the_compiled_decoder_agrees_with_the_reference_after_every_call(
    session: tuple[dict[str, Any], list[tuple[Any, ...]], bool],
) -> None:
    options, steps, close_items = session
    (ref, ref_comments), (c, c_comments) = make_pair(IMPLEMENTATIONS["c"], **options)
    for step in steps:
        assert _run_step(c, step) == _run_step(ref, step), step
        assert c_comments == ref_comments
    close = "close_items" if close_items else "close"
    assert describe_call(c, getattr(c, close)) == describe_call(ref, getattr(ref, close))
    assert c_comments == ref_comments
    # Closed (or failed) now: both refuse the next chunk alike.
    assert _run_step(c, ("feed", b"data: x\n\n", "bytes")) == _run_step(
        ref, ("feed", b"data: x\n\n", "bytes")
    )


@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=8), LIMITS, LIMITS)
def test_arbitrary_bytes_in_arbitrary_chunks_agree(
    body: bytes, cuts: list[int], max_line: int | None, max_event: int | None
) -> None:
    options = {"max_line_size": max_line, "max_event_size": max_event, "dispatch_on_close": True}
    (ref, ref_comments), (c, c_comments) = make_pair(IMPLEMENTATIONS["c"], **options)
    points = sorted(min(cut, len(body)) for cut in cuts)
    for start, end in zip([0, *points], [*points, len(body)], strict=True):
        chunk = body[start:end]
        assert describe_call(c, partial(c.feed_items, chunk)) == describe_call(
            ref, partial(ref.feed_items, chunk)
        )
    assert describe_call(c, c.close_items) == describe_call(ref, ref.close_items)
    assert c_comments == ref_comments


def test_an_exception_from_on_comment_is_the_same_and_fails_both() -> None:
    results = []
    for cls in (IMPLEMENTATIONS["python"], IMPLEMENTATIONS["c"]):

        def boom(text: str) -> None:
            raise KeyError(text)

        dec = cls(on_comment=boom)
        first = describe_call(dec, partial(dec.feed, b"data: a\n\n: x\ndata: b\n\n"))
        second = describe_call(dec, partial(dec.feed, b"data: c\n\n"))
        results.append((first, second, describe_call(dec, dec.close)))
    assert results[0] == results[1]
    assert results[0][0][0] == "KeyError"


# Lines at the edges of the rules, each compared whole and byte by byte (hypothesis
# may not draw an exact boundary such as MAX_RETRY itself).
EDGE_LINES = [
    *TRICKY,
    b"retry: 9223372036854775806",
    b"retry: 00009223372036854775807",
    b"retry: 00009223372036854775808",
    b"retry: 18446744073709551615",
    b"retry: 18446744073709551616",
    b"retry: 99999999999999999999",
    b"retry: 0",
    b"retry:0",
    b"retry",
    b"id",
    b"id: ",
    b"event",
    b"event: ",
    b"data",
    b":x",
    b": x",
    b":  x",
    b"data:\xef\xbb\xbf",
    b"\xef\xbb\xbfdata: x",
]


@pytest.mark.parametrize("line", EDGE_LINES, ids=repr)
@pytest.mark.parametrize("ending", [b"\n", b"\r", b"\r\n"])
def test_edge_lines_agree_whole_and_byte_by_byte(line: bytes, ending: bytes) -> None:
    body = b"data: a" + ending + line + ending + b"data: b" + ending + ending + line
    for size in (len(body), 1):
        chunks = [body[i : i + size] for i in range(0, len(body), size)]
        (ref, ref_comments), (c, c_comments) = make_pair(
            IMPLEMENTATIONS["c"], dispatch_on_close=True, last_event_id="s"
        )
        for chunk in chunks:
            assert describe_call(c, partial(c.feed_items, chunk)) == describe_call(
                ref, partial(ref.feed_items, chunk)
            )
        assert describe_call(c, c.close_items) == describe_call(ref, ref.close_items)
        assert c_comments == ref_comments
