"""The contract of sse_codec.testing's strategies and chunkers.

Each strategy states what a conforming parser must produce; here our decoder is
held to it, in any chunking, and the strategies are checked to cover what they
promise (CR line ends, BOMs, splits inside CRLF and UTF-8 characters...).
"""

from __future__ import annotations

import random

import pytest
from decode_helpers import decode_chunks
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from sse_codec import Comment, ServerSentEvent, SSEDecoder
from sse_codec.testing import (
    StreamCase,
    chunkings,
    events,
    expected_events,
    field_text,
    rechunk,
    streams,
    tricky_offsets,
)

BOM = b"\xef\xbb\xbf"
# tests/test_properties.py runs the same strategies at the profile's full budget;
# here a smaller one keeps the contract checks quick.
budget = settings(max_examples=min(settings().max_examples, 100))


@budget
@given(case=streams(invalid_utf8=True), data=st.data())
def test_decoder_yields_the_stated_events_in_any_chunking(
    case: StreamCase, data: st.DataObject
) -> None:
    chunks = data.draw(chunkings(case.body))
    assert b"".join(chunks) == case.body
    decoded, decoder = decode_chunks(chunks)
    assert decoded == list(case.events)
    assert decoder.last_event_id == case.last_event_id
    assert decoder.retry == case.retry


@budget
@given(case=streams(), data=st.data())
def test_decoder_reports_the_stated_comments(case: StreamCase, data: st.DataObject) -> None:
    decoder = SSEDecoder()
    items: list[ServerSentEvent | Comment] = []
    for chunk in data.draw(chunkings(case.body)):
        items += decoder.feed_items(chunk)
    items += decoder.close_items()
    assert [i.text for i in items if isinstance(i, Comment)] == list(case.comments)
    assert [i for i in items if isinstance(i, ServerSentEvent)] == list(case.events)


@budget
@given(case=streams(invalid_utf8=True), data=st.data())
def test_a_cut_stream_yields_the_events_dispatched_before_the_cut(
    case: StreamCase, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(case.body)))
    decoded, _ = decode_chunks(data.draw(chunkings(case.body[:cut])))
    assert decoded == case.events_before(cut)
    assert len(case.dispatch_offsets) == len(case.events)
    assert list(case.dispatch_offsets) == sorted(case.dispatch_offsets)


@budget
@given(case=streams(), data=st.data())
def test_lenient_decoder_adds_the_stated_tail_event(case: StreamCase, data: st.DataObject) -> None:
    chunks = data.draw(chunkings(case.body))
    decoded, _ = decode_chunks(chunks, SSEDecoder(dispatch_on_close=True))
    tail = [] if case.tail_event is None else [case.tail_event]
    assert decoded == [*case.events, *tail]


@budget
@given(
    sent=st.lists(events(), max_size=8),
    line_ending=st.sampled_from(["\n", "\r\n", "\r"]),
    data=st.data(),
)
def test_encoded_events_decode_to_expected_events(
    sent: list[ServerSentEvent], line_ending: str, data: st.DataObject
) -> None:
    body = b"".join(event.encode(line_ending=line_ending) for event in sent)
    decoded, decoder = decode_chunks(data.draw(chunkings(body)))
    assert decoded == expected_events(sent)
    retries = [event.retry for event in sent if event.retry is not None]
    assert decoder.retry == (retries[-1] if retries else None)


def test_expected_events_models_id_persistence_and_line_ends() -> None:
    sent = [
        ServerSentEvent(data="a\r\nb\rc", id="7"),
        ServerSentEvent(event="", data="x"),
        ServerSentEvent(event="up", data="y", id="", retry=5),
    ]
    assert expected_events(sent) == [
        ServerSentEvent(data="a\nb\nc", id="7"),
        ServerSentEvent(data="x", id="7"),
        ServerSentEvent(event="up", data="y", id=None, retry=5),
    ]


# -- the strategies cover what they promise -------------------------------------


def _collect(strategy: st.SearchStrategy[StreamCase], count: int = 300) -> list[StreamCase]:
    found: list[StreamCase] = []

    @settings(max_examples=count, database=None, derandomize=True, phases=[Phase.generate])
    @given(strategy)
    def gather(case: StreamCase) -> None:
        found.append(case)

    gather()
    return found


def test_streams_cover_the_tricky_shapes() -> None:
    cases = _collect(streams(invalid_utf8=True))
    bodies = [case.body for case in cases]
    assert any(body.startswith(BOM) for body in bodies)
    assert any(b"\r\n" in body for body in bodies)
    assert any(b"\r" in body.replace(b"\r\n", b"") for body in bodies)
    assert any(b"\n" in body.replace(b"\r\n", b"") for body in bodies)
    assert any(b"\ndata:" in body and b"\ndata: " not in body for body in bodies)
    assert any(b"\n:" in body for body in bodies)
    assert any(b"\nretry:" in body for body in bodies)
    assert any(case.retry is not None for case in cases)
    assert any(case.last_event_id for case in cases)
    assert any(case.tail_event is not None for case in cases)
    assert any(len(case.events) >= 3 for case in cases)
    assert any("\ufffd" in event.data for case in cases for event in case.events)
    assert any(any(ord(c) > 0xFFFF for c in event.data) for case in cases for event in case.events)


def test_streams_options_narrow_the_output() -> None:
    for case in _collect(
        streams(line_endings=["\n"], bom=False, comments=False, tail=False, min_events=2), 100
    ):
        assert b"\r" not in case.body
        assert not case.body.startswith(BOM)
        assert not case.comments
        assert case.tail_event is None
        assert len(case.events) >= 2
        assert case.body.decode("utf-8")  # valid UTF-8 unless invalid_utf8=True
    for case in _collect(streams(bom=True), 30):
        assert case.body.startswith(BOM)


@pytest.mark.parametrize(
    "kwargs", [{"line_endings": []}, {"line_endings": ["\n\n"]}, {"min_events": -1}]
)
def test_streams_rejects_bad_options(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        streams(**kwargs)  # type: ignore[arg-type]


@budget
@given(text=field_text(exclude="\r\n"))
def test_field_text_excludes_and_encodes(text: str) -> None:
    assert "\r" not in text and "\n" not in text
    text.encode("utf-8")


# -- chunkers -------------------------------------------------------------------

TRICKY = BOM + "data: caf\u00e9 \U0001f600\r\n\r\n".encode()


@budget
@given(chunks=chunkings(TRICKY))
def test_chunkings_concatenate_to_the_data(chunks: list[bytes]) -> None:
    assert b"".join(chunks) == TRICKY
    decoded, _ = decode_chunks(chunks)
    assert decoded == [ServerSentEvent(data="caf\u00e9 \U0001f600")]


def test_chunkings_reach_every_tricky_split() -> None:
    seen: set[int] = set()
    empty = one_byte = False

    @settings(max_examples=400, database=None, derandomize=True, phases=[Phase.generate])
    @given(chunkings(TRICKY))
    def gather(chunks: list[bytes]) -> None:
        nonlocal empty, one_byte
        offset = 0
        for chunk in chunks[:-1]:
            offset += len(chunk)
            seen.add(offset)
        empty = empty or b"" in chunks
        one_byte = one_byte or len(chunks) == len(TRICKY)

    gather()
    assert set(tricky_offsets(TRICKY)) <= seen
    assert empty and one_byte


def test_tricky_offsets_names_the_hard_splits() -> None:
    body = BOM + "id:\u00e9\r\n\r".encode()
    # BOM interior 1, 2; after ':' 6; inside e-acute 7; after each CR 9 and 11.
    assert tricky_offsets(body) == [1, 2, 6, 7, 9, 11]


def test_rechunk_modes() -> None:
    data = b"data: \xc3\xa9\r\n\r\n"
    assert rechunk(data, size=1) == [data[i : i + 1] for i in range(len(data))]
    assert rechunk(data, size=4)[0] == b"data"
    assert rechunk(data, at=[9, 7, 9]) == [b"data: \xc3", b"\xa9\r", b"", b"\n\r\n"]
    assert rechunk(b"", size=3) == [b""]
    for seed in range(50):
        chunks = rechunk(data, seed=seed)
        assert b"".join(chunks) == data
        assert chunks == rechunk(data, seed=seed)
        assert chunks == rechunk(data, seed=random.Random(seed))


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"size": 1, "seed": 1}, {"size": 0}, {"at": [99]}, {"at": [-1]}],
)
def test_rechunk_rejects_bad_arguments(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        rechunk(b"abc", **kwargs)  # type: ignore[arg-type]


def test_rechunk_docstring_example() -> None:
    import doctest

    import sse_codec._chunks

    assert doctest.testmod(sse_codec._chunks).failed == 0
