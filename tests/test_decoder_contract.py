"""The decoder's contract beyond parsing: seeding, memory bounds, misuse, errors.

Memory is measured with tracemalloc, which sees every allocation the Python
decoder makes and those of a compiled decoder that allocates through CPython's
allocators (as ours does); the factors are generous, the point is the order of
magnitude (the old decoder held 14x the event limit and 8x a chunk of CRs).
"""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Callable, Iterable

import pytest

from sse_codec import (
    Comment,
    ServerSentEvent,
    SSEDecoder,
    SSEDecoderClosedError,
    SSELimitError,
    iter_events,
)

# Every test here runs against each decoder implementation (tests/decoders.py).
pytestmark = pytest.mark.usefixtures("decoder_class")

E = ServerSentEvent
MiB = 1024 * 1024


def _peak(run: Callable[[], object]) -> int:
    """Peak traced memory while ``run`` runs, beyond what was held before."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        run()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def _pieces(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


# -- seeding the last event ID ------------------------------------------------------


def test_seeded_id_is_carried_until_the_stream_sets_another() -> None:
    dec = SSEDecoder(last_event_id="41")
    assert dec.last_event_id == "41"
    events = dec.feed(b"data: a\n\nid: 42\ndata: b\n\n")
    assert events == [E(data="a", id="41"), E(data="b", id="42")]


def test_assigning_last_event_id_seeds_the_decoder() -> None:
    dec = SSEDecoder()
    dec.last_event_id = "41"
    assert dec.feed(b"data: x\n\n") == [E(data="x", id="41")]
    dec.last_event_id = ""
    assert dec.feed(b"data: y\n\n") == [E(data="y")]


def test_an_empty_id_line_resets_a_seeded_id() -> None:
    dec = SSEDecoder(last_event_id="41")
    assert dec.feed(b"id\ndata: x\n\n") == [E(data="x")]
    assert dec.last_event_id == ""


@pytest.mark.parametrize("bad", ["a\x00b", "a\nb", "a\rb"])
def test_a_seed_no_stream_could_set_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        SSEDecoder(last_event_id=bad)
    dec = SSEDecoder()
    with pytest.raises(ValueError):
        dec.last_event_id = bad
    assert dec.last_event_id == ""


def test_a_seed_must_be_a_str_and_a_subclass_is_taken_at_its_value() -> None:
    class Sneaky(str):
        def __str__(self) -> str:
            return "a\nb"

    with pytest.raises(TypeError):
        SSEDecoder(last_event_id=41)  # type: ignore[arg-type]
    dec = SSEDecoder(last_event_id=Sneaky("7"))
    assert type(dec.last_event_id) is str and dec.last_event_id == "7"


# -- limits: validation, both lists on the error ------------------------------------


@pytest.mark.parametrize("bad", [-1, 1.5, True, "10"])
def test_limits_are_validated_in_the_constructor_and_the_setters(bad: object) -> None:
    with pytest.raises(ValueError):
        SSEDecoder(max_line_size=bad)  # type: ignore[arg-type]
    dec = SSEDecoder()
    with pytest.raises(ValueError):
        dec.max_event_size = bad  # type: ignore[assignment]
    assert dec.max_event_size is not None


def test_limit_error_keeps_events_and_items_apart() -> None:
    dec = SSEDecoder(max_line_size=20)
    with pytest.raises(SSELimitError) as info:
        dec.feed_items(b": one\ndata: a\n\n: two\n" + b"x" * 30 + b"\n")
    assert info.value.events == [E(data="a")]
    assert info.value.items == [Comment("one"), E(data="a"), Comment("two")]
    assert (info.value.limit_name, info.value.size) == ("max_line_size", 30)


def test_a_too_long_line_in_a_big_chunk_reports_its_whole_length() -> None:
    # The chunk is read in windows; the size is still the whole line's.
    line = b"event: " + b"e" * (200 * 1024)
    for chunk in (line + b"\ndata: x\n\n", line):
        dec = SSEDecoder(max_line_size=1000)
        with pytest.raises(SSELimitError) as info:
            dec.feed(b"data: a\n\n" + chunk)
        assert (info.value.size, info.value.events) == (len(line), [E(data="a")])


def test_lowered_limits_apply_from_the_next_line() -> None:
    dec = SSEDecoder()
    dec.max_line_size = 10
    with pytest.raises(SSELimitError) as info:
        dec.feed(b"data: " + b"x" * 20 + b"\n\n")
    assert info.value.limit_name == "max_line_size"
    dec = SSEDecoder()
    dec.feed(b"data: a\n\n")
    dec.max_event_size = 4
    with pytest.raises(SSELimitError) as info:
        list(iter_events([b"data: 123456\n\n"], decoder=dec))
    assert info.value.limit_name == "max_event_size"


# -- limits bound memory, not only counted bytes ------------------------------------


@pytest.mark.parametrize("chunk_size", [None, 64])
def test_an_event_of_short_lines_holds_about_its_limit(chunk_size: int | None) -> None:
    limit = 1 * MiB
    stream = b"data: xy\n" * (limit // 3 + 1000)  # passes the limit after ~1 MiB of data
    chunks = [stream] if chunk_size is None else _pieces(stream, chunk_size)
    dec = SSEDecoder(max_event_size=limit)

    def run() -> None:
        with pytest.raises(SSELimitError) as info:
            for chunk in chunks:
                dec.feed(chunk)
        assert info.value.limit_name == "max_event_size"

    assert _peak(run) < 2.5 * limit


@pytest.mark.parametrize("feed_size", [None, 1460])
def test_a_big_chunk_of_comments_is_read_in_bounded_memory(feed_size: int | None) -> None:
    stream = (b": " + b"c" * 60 + b"\n") * (8 * MiB // 63)
    chunks = [stream] if feed_size is None else _pieces(stream, feed_size)
    dec = SSEDecoder()
    assert _peak(lambda: [dec.feed(chunk) for chunk in chunks]) < 1 * MiB


def test_a_big_chunk_of_crs_is_read_in_bounded_memory() -> None:
    stream = b"\r" * (2 * MiB)
    dec = SSEDecoder()
    assert _peak(lambda: dec.feed(stream)) < 1 * MiB


@pytest.mark.parametrize("feed_size", [None, 1460, 7])
def test_a_big_event_is_held_about_twice(feed_size: int | None) -> None:
    size = 4 * MiB if feed_size != 7 else MiB
    stream = b"data: " + b"x" * size + b"\n\n"
    chunks = [stream] if feed_size is None else _pieces(stream, feed_size)
    events: list[ServerSentEvent] = []
    peak = _peak(lambda: events.extend(iter_events(chunks, decoder=SSEDecoder())))
    assert len(events) == 1 and len(events[0].data) == size
    assert peak < 2.5 * size


@pytest.mark.parametrize("kind", [bytearray, memoryview])
def test_a_big_chunk_of_another_type_is_not_copied_whole(kind: type) -> None:
    chunk = kind((b": " + b"c" * 60 + b"\n") * (4 * MiB // 63))
    dec = SSEDecoder()
    assert _peak(lambda: dec.feed(chunk)) < 1 * MiB


# -- odd inputs -----------------------------------------------------------------------


def test_memoryviews_of_any_format_are_read_as_their_bytes() -> None:
    raw = b"data: abcd\n\n"
    words = memoryview(bytearray(raw)).cast("H")  # 6 items of 2 bytes
    assert SSEDecoder().feed(words) == [E(data="abcd")]
    strided = memoryview(b"dxaxtxax:x xyx\nx\nx")[::2]  # not contiguous
    assert SSEDecoder().feed(strided) == [E(data="y")]


def test_chunks_of_every_type_mix_in_one_stream() -> None:
    chunks: Iterable[bytes | bytearray | memoryview] = [
        b": c\r\n",
        bytearray(b"data: a\r\n"),
        memoryview(b"data: b\r\n\r\n"),
        b"data: c\r\n\r\n",
    ]
    assert [e.data for e in iter_events(chunks)] == ["a\nb", "c"]


# -- callbacks and misuse -------------------------------------------------------------


def test_an_exception_from_on_comment_propagates_and_fails_the_decoder() -> None:
    def boom(text: str) -> None:
        raise KeyError(text)

    dec = SSEDecoder(on_comment=boom)
    with pytest.raises(KeyError):
        dec.feed(b"data: a\n\n: bad\ndata: b\n\n")
    with pytest.raises(SSEDecoderClosedError):
        dec.feed(b"data: c\n\n")
    assert dec.close() == []


def test_feeding_from_its_own_callback_raises_runtime_error() -> None:
    seen: list[str] = []
    dec = SSEDecoder()

    def reenter(text: str) -> None:
        seen.append(text)
        with pytest.raises(RuntimeError):
            dec.feed(b"data: inner\n\n")
        with pytest.raises(RuntimeError):
            dec.close()

    dec.on_comment = reenter
    assert dec.feed(b": hi\ndata: outer\n\n") == [E(data="outer")]
    assert seen == ["hi"]
    assert dec.feed(b"data: after\n\n") == [E(data="after")]


def test_a_second_thread_feeding_while_a_callback_runs_gets_runtime_error() -> None:
    errors: list[BaseException] = []
    dec = SSEDecoder()

    def other_thread() -> None:
        try:
            dec.feed(b"data: other\n\n")
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    def callback(text: str) -> None:
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()

    dec.on_comment = callback
    assert dec.feed(b": x\ndata: mine\n\n") == [E(data="mine")]
    assert len(errors) == 1 and isinstance(errors[0], RuntimeError)


def test_a_callback_that_mutates_the_fed_bytearray_does_not_change_this_feed() -> None:
    chunk = bytearray(b": x\ndata: a\n\n")
    dec = SSEDecoder(on_comment=lambda _text: chunk.clear())
    assert dec.feed(chunk) == [E(data="a")]


def test_subclasses_keep_the_behaviour() -> None:
    class Counting(SSEDecoder):
        def __init__(self) -> None:
            super().__init__(max_line_size=100)
            self.calls = 0

        def feed(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
            self.calls += 1
            return super().feed(data)

    dec = Counting()
    assert list(iter_events([b"data: a\n", b"\n"], decoder=dec)) == [E(data="a")]
    assert dec.calls == 2 and dec.max_line_size == 100
