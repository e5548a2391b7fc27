"""Hypothesis properties of the core codec, on sse_codec.testing's strategies.

1. chunking invariance (against the streams() model and the literal spec model),
2. round trip through the encoder, in any chunking,
3. fuzz: any bytes in any chunking give events or an SSEError, nothing else,
4. no field's text can make the encoder produce extra fields or events.
"""

from __future__ import annotations

import re

import pytest
from decode_helpers import decode_chunks
from hypothesis import given
from hypothesis import strategies as st
from spec_model import spec_parse

from sse_codec import (
    Comment,
    ServerSentEvent,
    SSEDecoder,
    SSEEncodeError,
    SSEError,
    encode,
    encode_comment,
)
from sse_codec.testing import (
    StreamCase,
    chunkings,
    events,
    expected_events,
    field_text,
    streams,
)

# Every test here runs against each decoder implementation (tests/decoders.py).
pytestmark = pytest.mark.usefixtures("decoder_class")

# -- strategies ------------------------------------------------------------------
# Streams come from sse_codec.testing: ``streams()`` states the events, comments,
# last event ID and retry a conforming parser must produce (from its own model),
# and each test also checks the literal spec transcription in spec_model agrees.
# ``raw_streams`` damages those streams with arbitrary bytes (partial BOMs,
# binary spliced in anywhere, binary tails) or is pure binary, for the
# properties that must hold for any input; there spec_parse is the oracle.


@st.composite
def _damaged(draw: st.DrawFn) -> bytes:
    body = draw(streams(invalid_utf8=True)).body
    at = draw(st.integers(0, len(body)))
    junk = draw(st.binary(max_size=8))
    head = draw(st.sampled_from([b"", b"\xef", b"\xef\xbb", b"\xef\xbb\xbf\xef\xbb\xbf", b"\r"]))
    tail = draw(st.sampled_from([b"", b"data: tail", b"\r", b"id: 9", b"\xe2\x82"]))
    return head + body[:at] + junk + body[at:] + tail


raw_streams = st.one_of(_damaged(), st.binary(max_size=200))


# -- 1. chunking invariance ----------------------------------------------------------


@given(case=streams(invalid_utf8=True), data=st.data())
def test_any_chunking_gives_the_stated_result(case: StreamCase, data: st.DataObject) -> None:
    events, dec = decode_chunks(data.draw(chunkings(case.body)))
    assert events == list(case.events)
    assert dec.last_event_id == case.last_event_id
    assert dec.retry == case.retry
    # The generator's model and the literal spec transcription agree.
    expected = spec_parse(case.body)
    assert (expected.events, expected.last_event_id, expected.retry) == (
        list(case.events),
        case.last_event_id,
        case.retry,
    )


@given(stream=raw_streams, data=st.data())
def test_any_bytes_in_any_chunking_give_the_spec_result(stream: bytes, data: st.DataObject) -> None:
    expected = spec_parse(stream)
    events, dec = decode_chunks(data.draw(chunkings(stream)))
    assert events == expected.events
    assert dec.last_event_id == expected.last_event_id
    assert dec.retry == expected.retry


def _items(chunks: list[bytes]) -> list[ServerSentEvent | Comment]:
    dec = SSEDecoder()
    items: list[ServerSentEvent | Comment] = []
    for chunk in chunks:
        items.extend(dec.feed_items(chunk))
    items.extend(dec.close_items())
    return items


@given(case=streams(invalid_utf8=True), data=st.data())
def test_comments_in_any_chunking(case: StreamCase, data: st.DataObject) -> None:
    items = _items(data.draw(chunkings(case.body)))
    assert [i for i in items if isinstance(i, ServerSentEvent)] == list(case.events)
    assert [i.text for i in items if isinstance(i, Comment)] == list(case.comments)
    assert spec_parse(case.body).comments == list(case.comments)


@given(stream=raw_streams, data=st.data())
def test_comments_of_any_bytes_in_any_chunking(stream: bytes, data: st.DataObject) -> None:
    expected = spec_parse(stream)
    items = _items(data.draw(chunkings(stream)))
    assert [i for i in items if isinstance(i, ServerSentEvent)] == expected.events
    assert [i.text for i in items if isinstance(i, Comment)] == expected.comments


@given(case=streams(invalid_utf8=True), data=st.data())
def test_dispatch_on_close_in_any_chunking(case: StreamCase, data: st.DataObject) -> None:
    chunks = data.draw(chunkings(case.body))
    events, _ = decode_chunks(chunks, SSEDecoder(dispatch_on_close=True))
    tail = [] if case.tail_event is None else [case.tail_event]
    assert events == [*case.events, *tail]
    assert spec_parse(case.body, dispatch_on_close=True).events == events


@given(stream=raw_streams, data=st.data())
def test_dispatch_on_close_of_any_bytes_in_any_chunking(stream: bytes, data: st.DataObject) -> None:
    expected = spec_parse(stream, dispatch_on_close=True)
    events, _ = decode_chunks(data.draw(chunkings(stream)), SSEDecoder(dispatch_on_close=True))
    assert events == expected.events


@given(case=streams(invalid_utf8=True), data=st.data())
def test_a_cut_stream_gives_the_events_dispatched_before_the_cut(
    case: StreamCase, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(case.body)))
    events, _ = decode_chunks(data.draw(chunkings(case.body[:cut])))
    assert events == case.events_before(cut)


# -- 2. round trip -------------------------------------------------------------------


@given(
    sent=st.lists(events(), max_size=8),
    line_ending=st.sampled_from(["\n", "\r\n", "\r"]),
    data=st.data(),
)
def test_round_trip_in_any_chunking(
    sent: list[ServerSentEvent], line_ending: str, data: st.DataObject
) -> None:
    stream = b"".join(ev.encode(line_ending=line_ending) for ev in sent)
    decoded, dec = decode_chunks(data.draw(chunkings(stream)))
    assert decoded == expected_events(sent)
    assert spec_parse(stream).events == decoded
    retries = [ev.retry for ev in sent if ev.retry is not None]
    assert dec.retry == (retries[-1] if retries else None)


# -- 3. fuzz ---------------------------------------------------------------------------


@given(
    stream=raw_streams,
    data=st.data(),
    max_line=st.one_of(st.none(), st.integers(min_value=0, max_value=64)),
    max_event=st.one_of(st.none(), st.integers(min_value=0, max_value=64)),
    lenient=st.booleans(),
)
def test_any_bytes_give_events_or_our_error(
    stream: bytes,
    data: st.DataObject,
    max_line: int | None,
    max_event: int | None,
    lenient: bool,
) -> None:
    dec = SSEDecoder(max_line_size=max_line, max_event_size=max_event, dispatch_on_close=lenient)
    try:
        for chunk in data.draw(chunkings(stream)):
            for ev in dec.feed(chunk):
                assert isinstance(ev, ServerSentEvent)
        dec.close()
    except SSEError:
        pass


# -- 4. no injection ----------------------------------------------------------------

# field_text() is rich in CR, LF, NUL, BOM and ":"; the second branch adds lone
# surrogates, which the encoder must refuse.
hostile_text = st.one_of(
    field_text(max_size=20),
    st.lists(
        st.one_of(st.characters(), st.sampled_from(["\r", "\n", "\r\n", ":", "\0", "\ufeff"])),
        max_size=20,
    ).map("".join),
)


@given(
    data=st.one_of(st.none(), hostile_text),
    event=st.one_of(st.none(), hostile_text),
    id=st.one_of(st.none(), hostile_text),
    retry=st.one_of(st.none(), st.integers(), st.booleans()),
    comment=st.one_of(st.none(), hostile_text),
)
def test_field_text_never_creates_fields_or_events(
    data: str | None,
    event: str | None,
    id: str | None,
    retry: int | None,
    comment: str | None,
) -> None:
    try:
        wire = encode(data, event=event, id=id, retry=retry, comment=comment)
    except SSEEncodeError:
        return
    result = spec_parse(wire)
    if data is None:
        assert result.events == []
    else:
        assert result.events == [
            ServerSentEvent(
                event=event or "message",
                data=re.sub(r"\r\n|\r", "\n", data),
                id=id or None,
                retry=retry,
            )
        ]
    assert result.last_event_id == (id or "")
    assert result.retry == retry
    expected_comments = [] if comment is None else re.split(r"\r\n|\r|\n", comment)
    assert result.comments == expected_comments


@given(text=hostile_text)
def test_comments_never_create_events(text: str) -> None:
    try:
        wire = encode_comment(text)
    except SSEEncodeError:
        return
    result = spec_parse(wire + b"\n")
    assert result.events == []
    assert result.comments == re.split(r"\r\n|\r|\n", text)
