"""Each stream fault: our decoder and OpenAI layer respond as the fault documents.

For every fault: the right typed error or the right events, and nothing that
arrived before the fault is lost.
"""

from __future__ import annotations

import json
import random

import pytest
from decode_helpers import decode_chunks
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sse_codec import (
    DEFAULT_MAX_EVENT_SIZE,
    DEFAULT_MAX_LINE_SIZE,
    IncompleteStreamError,
    PayloadError,
    ServerSentEvent,
    SSEDecoder,
    SSEDecoderClosedError,
    SSEError,
    SSELimitError,
    StreamError,
)
from sse_codec.openai import ChatCompletionAccumulator, ChatCompletionChunk, iter_chunks
from sse_codec.testing import (
    DEFAULT_ERROR,
    FAULTS,
    ChatStream,
    StreamCase,
    chat_chunk_streams,
    chunkings,
    drop_done,
    duplicate_event,
    insert_comments,
    insert_error_event,
    insert_invalid_utf8,
    insert_oversized_event,
    rechunk,
    reorder_events,
    slow_drip,
    streams,
    truncate,
    truncate_before_done,
    truncate_mid_char,
    truncate_mid_event,
)

# Every test here runs against each decoder implementation (tests/decoders.py).
pytestmark = pytest.mark.usefixtures("decoder_class")

DONE_BLOCK = b"data: [DONE]\n\n"
seeds = st.integers(0, 2**32)
# Each of these tests decodes whole generated streams; a smaller example budget
# than the profile's keeps the module quick while still covering every fault.
budget = settings(max_examples=min(settings().max_examples, 100))


def decode(body: bytes) -> list[ServerSentEvent]:
    return decode_chunks(rechunk(body, seed=len(body)))[0]


def with_done(case: StreamCase) -> tuple[bytes, list[ServerSentEvent]]:
    """The case's body with a [DONE] event appended, and the events it then yields."""
    done = ServerSentEvent(data="[DONE]", id=case.last_event_id or None)
    return case.body + DONE_BLOCK, [*case.events, done]


def read_chat(body: bytes) -> tuple[list[ChatCompletionChunk], SSEError | None]:
    """Chunks iter_chunks yields for ``body`` (fed in random chunks), and its error."""
    chunks: list[ChatCompletionChunk] = []
    events = decode_chunks(rechunk(body, seed=len(body)))[0]
    try:
        for chunk in iter_chunks(events):
            chunks.append(chunk)
    except SSEError as exc:
        return chunks, exc
    return chunks, None


def accumulate(chunks: list[ChatCompletionChunk]) -> object:
    accumulator = ChatCompletionAccumulator()
    for chunk in chunks:
        accumulator.add(chunk)
    return accumulator.result()


def complete_events(body: bytes) -> int:
    """Events an encode_chunk stream has completed (its blocks end in a bare LF LF)."""
    return body.count(b"\n\n")


# -- truncation --------------------------------------------------------------------


@pytest.mark.parametrize("fault", [truncate, truncate_mid_event])
@budget
@given(case=streams(min_events=1), seed=seeds)
def test_truncation_keeps_every_event_before_the_cut(
    fault: object, case: StreamCase, seed: int
) -> None:
    assert callable(fault)
    cut = fault(case.body, seed=seed)
    assert case.body.startswith(cut)
    decoded = decode(cut)
    assert decoded == case.events_before(len(cut))
    assert len(decoded) < len(case.events)


@budget
@given(case=streams(min_events=1), seed=seeds)
def test_truncate_mid_char_never_raises_a_unicode_error(case: StreamCase, seed: int) -> None:
    try:
        cut = truncate_mid_char(case.body, seed=seed)
    except ValueError:
        assert all(byte < 0xC0 for byte in case.body.removeprefix(b"\xef\xbb\xbf"))
        return
    last = cut[-1:]
    assert last and last[0] >= 0x80  # the cut ends inside a character
    assert decode(cut) == case.events_before(len(cut))


@pytest.mark.parametrize("fault", [truncate, truncate_mid_event, truncate_mid_char])
@budget
@given(stream=chat_chunk_streams(), seed=seeds)
def test_truncated_chat_stream_raises_incomplete_after_every_whole_chunk(
    fault: object, stream: ChatStream, seed: int
) -> None:
    assert callable(fault)
    try:
        cut = fault(stream.body, seed=seed)
    except ValueError:
        return  # truncate_mid_char: no multi-byte character in this stream
    chunks, error = read_chat(cut)
    assert isinstance(error, IncompleteStreamError)
    whole = complete_events(cut)
    assert chunks == list(stream.chunks[:whole])
    assert error.received == accumulate(chunks)


@pytest.mark.parametrize("fault", [truncate_before_done, drop_done])
@budget
@given(case=streams(tail=False), seed=seeds)
def test_done_faults_keep_every_other_event(fault: object, case: StreamCase, seed: int) -> None:
    assert callable(fault)
    # An event of the generated stream that is itself a [DONE] (data "[DONE]" up to
    # ASCII white space) is one these faults rightly cut or drop.
    assume(all(event.data.strip(" \t\n\r\x0b\x0c") != "[DONE]" for event in case.events))
    body, _ = with_done(case)
    damaged = fault(body, seed=seed)
    assert decode(damaged) == list(case.events)


@pytest.mark.parametrize("fault", [truncate_before_done, drop_done])
@budget
@given(stream=chat_chunk_streams())
def test_chat_stream_without_done_is_incomplete_with_everything_received(
    fault: object, stream: ChatStream
) -> None:
    assert callable(fault)
    chunks, error = read_chat(fault(stream.body))
    assert chunks == list(stream.chunks)
    assert isinstance(error, IncompleteStreamError)
    assert error.received == stream.completion


def test_drop_done_keeps_what_follows_done() -> None:
    body = b"data: a\n\ndata: [DONE]\r\n\r\n: bye\ndata: b\n\n"
    assert drop_done(body) == b"data: a\n\n: bye\ndata: b\n\n"
    assert truncate_before_done(body) == b"data: a\n\n"


# -- insertions ----------------------------------------------------------------------


@budget
@given(case=streams(tail=False), seed=seeds, named=st.none() | st.booleans())
def test_error_event_is_delivered_between_the_others(
    case: StreamCase, seed: int, named: bool | None
) -> None:
    body, expected = with_done(case)
    decoded = decode(insert_error_event(body, seed=seed, named=named))
    payload = json.dumps(DEFAULT_ERROR, separators=(",", ":"))
    errors = [i for i, event in enumerate(decoded) if event.data == payload]
    assert len(errors) == 1
    error = decoded.pop(errors[0])
    if named is not None:
        assert error.event == ("error" if named else "message")
    assert decoded == expected
    assert errors[0] < len(expected)  # before [DONE]


@budget
@given(stream=chat_chunk_streams(), seed=seeds)
def test_chat_error_event_raises_stream_error_after_the_chunks_before_it(
    stream: ChatStream, seed: int
) -> None:
    body = insert_error_event(stream.body, seed=seed)
    chunks, error = read_chat(body)
    assert isinstance(error, StreamError)
    assert error.payload == DEFAULT_ERROR["error"]
    assert chunks == list(stream.chunks[: len(chunks)])
    assert error.received == accumulate(chunks)
    # The chunks before the error are exactly those whose events came before it.
    assert len(chunks) == body[: body.index(b'{"error"')].count(b"\n\n")


def test_error_event_takes_a_custom_payload() -> None:
    body = insert_error_event(b"data: [DONE]\n\n", payload={"error": "x"}, named=True)
    assert body == b'event: error\ndata: {"error":"x"}\n\ndata: [DONE]\n\n'
    chunks, error = read_chat(body)
    assert chunks == [] and isinstance(error, StreamError) and error.payload == "x"


@budget
@given(case=streams(min_events=1), seed=seeds)
def test_invalid_utf8_becomes_replacement_characters_in_one_event(
    case: StreamCase, seed: int
) -> None:
    decoded = decode(insert_invalid_utf8(case.body, seed=seed))
    assert len(decoded) == len(case.events)
    changed = [i for i, (a, b) in enumerate(zip(decoded, case.events, strict=True)) if a != b]
    assert len(changed) == 1
    got, original = decoded[changed[0]], case.events[changed[0]]
    assert got.data.count("\ufffd") > original.data.count("\ufffd")
    assert got.data.replace("\ufffd", "") == original.data.replace("\ufffd", "")
    assert (got.event, got.id, got.retry) == (original.event, original.id, original.retry)


@budget
@given(stream=chat_chunk_streams(), seed=seeds)
def test_chat_invalid_utf8_gives_replacement_text_or_a_payload_error(
    stream: ChatStream, seed: int
) -> None:
    chunks, error = read_chat(insert_invalid_utf8(stream.body, seed=seed))

    def text(value: object) -> str:
        return json.dumps(value, ensure_ascii=False).replace("\ufffd", "")

    if error is None:
        assert len(chunks) == len(stream.chunks)
        assert text([c.to_dict() for c in chunks]) == text([c.to_dict() for c in stream.chunks])
    else:
        assert isinstance(error, PayloadError)
        assert "\ufffd" in error.data
        assert chunks == list(stream.chunks[: len(chunks)])


@budget
@given(case=streams(), seed=seeds, data=st.data())
def test_comments_change_nothing(case: StreamCase, seed: int, data: st.DataObject) -> None:
    body = insert_comments(case.body, seed=seed)
    assert len(body) > len(case.body)
    decoded, decoder = decode_chunks(data.draw(chunkings(body)))
    assert decoded == list(case.events)
    assert decoder.last_event_id == case.last_event_id
    assert decoder.retry == case.retry


@budget
@given(stream=chat_chunk_streams(), seed=seeds)
def test_chat_comments_change_nothing(stream: ChatStream, seed: int) -> None:
    chunks, error = read_chat(insert_comments(stream.body, seed=seed, count=20))
    assert error is None
    assert chunks == list(stream.chunks)
    assert accumulate(chunks) == stream.completion


@budget
@given(case=streams(tail=False), seed=seeds, data=st.data())
def test_oversized_event_raises_limit_error_after_every_earlier_event(
    case: StreamCase, seed: int, data: st.DataObject
) -> None:
    body, expected = with_done(case)
    damaged = insert_oversized_event(body, seed=seed, size=300)
    # Unbounded, it is one more event, so its position is known.
    unbounded = decode_chunks([damaged], SSEDecoder(max_line_size=None, max_event_size=None))[0]
    position = [event.data for event in unbounded].index("x" * 300)
    assert unbounded[:position] + unbounded[position + 1 :] == expected
    limits = data.draw(st.sampled_from([(200, None), (None, 200), (250, 250)]))
    decoder = SSEDecoder(max_line_size=limits[0], max_event_size=limits[1])
    received: list[ServerSentEvent] = []
    chunks = data.draw(chunkings(damaged))
    with pytest.raises(SSELimitError) as info:
        for chunk in chunks:
            received += decoder.feed(chunk)
    received += [e for e in info.value.events if isinstance(e, ServerSentEvent)]
    assert received == expected[:position]
    with pytest.raises(SSEDecoderClosedError):
        decoder.feed(b"\n")


def test_oversized_event_default_size_exceeds_both_default_limits() -> None:
    body = insert_oversized_event(b"data: a\n\ndata: [DONE]\n\n", seed=1)
    assert len(body) > max(DEFAULT_MAX_LINE_SIZE, DEFAULT_MAX_EVENT_SIZE)
    decoder = SSEDecoder()
    received: list[ServerSentEvent] = []
    with pytest.raises(SSELimitError) as info:
        for chunk in rechunk(body, size=1 << 20):
            received += decoder.feed(chunk)
    before = [ServerSentEvent(data="a")] if body.startswith(b"data: a\n\n") else []
    assert received + info.value.events == before
    assert info.value.limit_name == "max_line_size"


# -- duplication, reordering, slow drip ---------------------------------------------


@budget
@given(case=streams(min_events=1), seed=seeds)
def test_duplicate_event_is_delivered_twice(case: StreamCase, seed: int) -> None:
    decoded = decode(duplicate_event(case.body, seed=seed))
    events = list(case.events)
    assert any(
        decoded == [*events[: i + 1], events[i], *events[i + 1 :]] for i in range(len(events))
    )


@budget
@given(case=streams(min_events=2), seed=seeds)
def test_reorder_swaps_two_neighbouring_events(case: StreamCase, seed: int) -> None:
    decoded = decode(reorder_events(case.body, seed=seed))

    def shape(events: list[ServerSentEvent]) -> list[tuple[str, str, int | None]]:
        return [(e.event, e.data, e.retry) for e in events]

    events = shape(list(case.events))
    swapped = [
        [*events[:i], events[i + 1], events[i], *events[i + 2 :]] for i in range(len(events) - 1)
    ]
    assert shape(decoded) in swapped


@budget
@given(case=streams())
def test_slow_drip_changes_nothing(case: StreamCase) -> None:
    drips = list(slow_drip(case.body))
    assert all(len(d) == 1 for d in drips) and b"".join(drips) == case.body
    assert list(slow_drip(rechunk(case.body, seed=3))) == drips
    decoded, decoder = decode_chunks(drips)
    assert decoded == list(case.events)
    assert (decoder.last_event_id, decoder.retry) == (case.last_event_id, case.retry)


@budget
@given(stream=chat_chunk_streams(max_choices=1))
def test_chat_slow_drip_accumulates_the_same(stream: ChatStream) -> None:
    events = decode_chunks(list(slow_drip(stream.body)))[0]
    accumulator = ChatCompletionAccumulator()
    assert list(iter_chunks(events, accumulator=accumulator)) == list(stream.chunks)
    assert accumulator.result() == stream.completion


# -- the registry and seeds ---------------------------------------------------------

SAMPLE = (
    "\ufeffdata: h\u00e9llo \U0001f600\r\n\r\n"
    "id: 1\ndata: a\ndata: b\n\n: ka\ndata: c\n\ndata: [DONE]\n\n"
)


def test_registry_names_are_stable() -> None:
    assert sorted(FAULTS) == sorted(
        [
            "truncate",
            "truncate_mid_event",
            "truncate_mid_char",
            "truncate_before_done",
            "drop_done",
            "insert_error_event",
            "insert_invalid_utf8",
            "insert_comments",
            "insert_oversized_event",
            "duplicate_event",
            "reorder_events",
            "slow_drip",
        ]
    )


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_every_fault_is_reproducible_from_its_seed(name: str) -> None:
    fault = FAULTS[name]
    body = SAMPLE.encode()
    assert fault.name == name and fault.summary and fault.function.__doc__

    def run(seed: int | random.Random) -> list[bytes]:
        if name == "insert_oversized_event":
            return [insert_oversized_event(body, seed=seed, size=100)]
        return fault(body, seed=seed)

    outputs = set()
    for seed in range(20):
        chunks = run(seed)
        assert chunks == run(seed) == run(random.Random(seed))
        outputs.add(b"".join(chunks))
        if name == "slow_drip":
            assert chunks == [bytes([byte]) for byte in body]
    if name not in ("truncate_before_done", "drop_done", "slow_drip"):
        assert len(outputs) > 1  # the seed matters


@pytest.mark.parametrize(
    "name",
    [
        "truncate",
        "truncate_mid_event",
        "truncate_mid_char",
        "truncate_before_done",
        "drop_done",
        "insert_invalid_utf8",
        "duplicate_event",
        "reorder_events",
    ],
)
def test_a_fault_that_cannot_apply_says_so(name: str) -> None:
    with pytest.raises(ValueError, match=name):
        FAULTS[name](b": only a comment\n\nid: 3\n\n")


def test_seed_must_be_an_int_or_random() -> None:
    with pytest.raises(TypeError):
        truncate(b"data: a\n\n", seed="1")  # type: ignore[arg-type]
