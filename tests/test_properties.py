"""Hypothesis properties of the core codec.

1. chunking invariance (and agreement with the literal spec model),
2. round trip through the encoder, in any chunking,
3. fuzz: any bytes in any chunking give events or an SSEError, nothing else,
4. no field's text can make the encoder produce extra fields or events.
"""

from __future__ import annotations

import re

from decode_helpers import decode_chunks, split_at
from hypothesis import given
from hypothesis import strategies as st
from spec_model import spec_parse

from sse_codec import (
    MAX_RETRY,
    Comment,
    ServerSentEvent,
    SSEDecoder,
    SSEEncodeError,
    SSEError,
    encode,
    encode_comment,
)

# -- strategies ------------------------------------------------------------------

_NAMES = [b"data", b"event", b"id", b"retry", b"Data", b"foo", b"", b"dat", b"data "]
_LINE_ENDS = [b"\n", b"\r", b"\r\n"]

field_values = st.one_of(
    st.text(max_size=12).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.binary(max_size=8),
    st.sampled_from([b"", b" ", b"  x", b"1000", b"+5", b"\x00", b"\xef\xbb\xbf", b"[DONE]"]),
    st.integers(min_value=0, max_value=10**6).map(lambda n: str(n).encode()),
)


@st.composite
def sse_lines(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["field", "field", "field", "bare", "comment", "blank"]))
    if kind == "blank":
        return b""
    if kind == "comment":
        return b":" + draw(field_values)
    name = draw(st.sampled_from(_NAMES))
    if kind == "bare":
        return name
    sep = draw(st.sampled_from([b":", b": "]))
    return name + sep + draw(field_values)


@st.composite
def sse_streams(draw: st.DrawFn) -> bytes:
    """Streams of field, comment and blank lines with mixed line ends, BOMs, tails."""
    parts = [draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf", b"\xef\xbb"]))]
    for line in draw(st.lists(sse_lines(), max_size=25)):
        parts.append(line + draw(st.sampled_from(_LINE_ENDS)))
    parts.append(draw(st.sampled_from([b"", b"", b"data: tail", b"\r", b"id: 9"])))
    return b"".join(parts)


any_streams = st.one_of(sse_streams(), st.binary(max_size=200))
split_points = st.lists(st.integers(min_value=0, max_value=400), max_size=30)


def _split(stream: bytes, points: list[int], one_byte: bool) -> list[bytes]:
    if one_byte:
        return [stream[i : i + 1] for i in range(len(stream))]
    return split_at(stream, points)


# -- 1. chunking invariance ----------------------------------------------------------


@given(stream=any_streams, points=split_points, one_byte=st.booleans())
def test_any_chunking_gives_the_spec_result(
    stream: bytes, points: list[int], one_byte: bool
) -> None:
    expected = spec_parse(stream)
    events, dec = decode_chunks(_split(stream, points, one_byte))
    assert events == expected.events
    assert dec.last_event_id == expected.last_event_id
    assert dec.retry == expected.retry


@given(stream=any_streams, points=split_points)
def test_comments_in_any_chunking(stream: bytes, points: list[int]) -> None:
    expected = spec_parse(stream)
    dec = SSEDecoder()
    items: list[ServerSentEvent | Comment] = []
    for chunk in split_at(stream, points):
        items.extend(dec.feed_items(chunk))
    items.extend(dec.close_items())
    assert [i for i in items if isinstance(i, ServerSentEvent)] == expected.events
    assert [i.text for i in items if isinstance(i, Comment)] == expected.comments


@given(stream=any_streams, points=split_points)
def test_dispatch_on_close_in_any_chunking(stream: bytes, points: list[int]) -> None:
    expected = spec_parse(stream, dispatch_on_close=True)
    events, _ = decode_chunks(split_at(stream, points), SSEDecoder(dispatch_on_close=True))
    assert events == expected.events


# -- 2. round trip -------------------------------------------------------------------

# Text the encoder accepts in each field (lone surrogates cannot be UTF-8).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
line_free_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"))

encodable_events = st.builds(
    ServerSentEvent,
    event=st.one_of(st.just("message"), line_free_text.filter(bool)),
    data=any_text,
    id=st.one_of(st.none(), line_free_text.map(lambda s: s.replace("\0", ""))),
    retry=st.one_of(st.none(), st.integers(min_value=0, max_value=MAX_RETRY)),
)


def _as_decoded(events: list[ServerSentEvent]) -> list[ServerSentEvent]:
    """What a parser must give back: line ends as LF and the id carried forward."""
    out = []
    last_id: str | None = None
    for ev in events:
        if ev.id is not None:
            last_id = ev.id or None
        data = re.sub(r"\r\n|\r", "\n", ev.data)
        out.append(ServerSentEvent(event=ev.event, data=data, id=last_id, retry=ev.retry))
    return out


@given(
    events=st.lists(encodable_events, max_size=8),
    points=split_points,
    line_ending=st.sampled_from(["\n", "\r\n", "\r"]),
    one_byte=st.booleans(),
)
def test_round_trip_in_any_chunking(
    events: list[ServerSentEvent], points: list[int], line_ending: str, one_byte: bool
) -> None:
    stream = b"".join(ev.encode(line_ending=line_ending) for ev in events)
    decoded, dec = decode_chunks(_split(stream, points, one_byte))
    assert decoded == _as_decoded(events)
    retries = [ev.retry for ev in events if ev.retry is not None]
    assert dec.retry == (retries[-1] if retries else None)


# -- 3. fuzz ---------------------------------------------------------------------------


@given(
    stream=any_streams,
    points=split_points,
    max_line=st.one_of(st.none(), st.integers(min_value=0, max_value=64)),
    max_event=st.one_of(st.none(), st.integers(min_value=0, max_value=64)),
    lenient=st.booleans(),
)
def test_any_bytes_give_events_or_our_error(
    stream: bytes, points: list[int], max_line: int | None, max_event: int | None, lenient: bool
) -> None:
    dec = SSEDecoder(max_line_size=max_line, max_event_size=max_event, dispatch_on_close=lenient)
    try:
        for chunk in split_at(stream, points):
            for ev in dec.feed(chunk):
                assert isinstance(ev, ServerSentEvent)
        dec.close()
    except SSEError:
        pass


# -- 4. no injection ----------------------------------------------------------------

hostile_text = st.lists(
    st.one_of(st.characters(), st.sampled_from(["\r", "\n", "\r\n", ":", "\0", "\ufeff"])),
    max_size=20,
).map("".join)


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
