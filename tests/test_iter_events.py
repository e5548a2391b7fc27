"""iter_events' contract, whichever loop runs it.

``sse_codec.iter_events`` runs the compiled decoder's own event iterator
(``sse_codec._cdecoder.iter_events``) when the decoder is the compiled one with
its own ``feed`` and ``close``, and a Python generator otherwise.  Every test here
runs against three ways in: the generator over the reference decoder, the
generator over a compiled decoder (a subclass that overrides ``feed``) and the
compiled iterator; they must not be told apart.  A hypothesis test then compares
the compiled iterator with the generator over the reference event by event.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cdecoder_oracle import describe_call
from decoders import IMPLEMENTATIONS
from hypothesis import given
from hypothesis import strategies as st
from test_cdecoder_differential import LIMITS, bodies

from sse_codec import ServerSentEvent, SSEDecoderClosedError, SSELimitError, iter_events
from sse_codec._decoder import SSEDecoder as PythonDecoder
from sse_codec.testing import chunkings

E = ServerSentEvent
Factory = Callable[..., Any]


def _overriding(base: type[Any]) -> type[Any]:
    class Overriding(base):  # type: ignore[misc]
        def feed(self, data: Any) -> Any:
            return super().feed(data)

    return Overriding


WAYS: dict[str, Factory] = {"generator-python": PythonDecoder}
if "c" in IMPLEMENTATIONS:
    WAYS["generator-c-subclass"] = _overriding(IMPLEMENTATIONS["c"])
    WAYS["compiled"] = IMPLEMENTATIONS["c"]


@pytest.fixture(params=list(WAYS))
def make(request: pytest.FixtureRequest) -> Factory:
    return WAYS[request.param]


def test_the_compiled_iterator_runs_only_for_the_compiled_feed_and_close() -> None:
    if "c" not in IMPLEMENTATIONS:
        pytest.skip("the C extension is not built")
    cdec = IMPLEMENTATIONS["c"]
    assert type(iter_events([], decoder=cdec())).__name__ == "EventIterator"
    assert type(iter_events([], decoder=_overriding(cdec)())).__name__ == "generator"
    assert type(iter_events([], decoder=PythonDecoder())).__name__ == "generator"

    class Plain(cdec):  # type: ignore[misc, valid-type]
        pass

    assert type(iter_events([], decoder=Plain())).__name__ == "EventIterator"
    from sse_codec._cdecoder import iter_events as compiled

    with pytest.raises(TypeError, match="compiled SSEDecoder"):
        compiled([], PythonDecoder())  # type: ignore[arg-type]


def test_nothing_is_read_before_the_first_next(make: Factory) -> None:
    pulled: list[int] = []

    def chunks() -> Iterator[bytes]:
        pulled.append(1)
        yield b"data: a\n\n"

    it = iter_events(chunks(), decoder=make())
    assert pulled == []
    assert next(it) == E(data="a")
    assert pulled == [1]
    # not even iter() of the chunks: a non-iterable fails at the first next()
    bad = iter_events(5, decoder=make())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        next(bad)
    assert list(bad) == []


def test_events_of_one_chunk_come_one_at_a_time_then_close_dispatches(make: Factory) -> None:
    dec = make(dispatch_on_close=True)
    it = iter_events([b"data: a\n\ndata: b\n\nda", b"ta: c\n\ndata: tail"], decoder=dec)
    assert [next(it), next(it)] == [E(data="a"), E(data="b")]
    assert list(it) == [E(data="c"), E(data="tail")]
    assert list(it) == []
    with pytest.raises(SSEDecoderClosedError):
        dec.feed(b"data: x\n\n")  # closed when the chunks ran out


def test_an_error_from_the_chunks_ends_the_iteration(make: Factory) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"data: a\n\ndata: b"
        raise OSError("connection reset")

    dec = make()
    it = iter_events(chunks(), decoder=dec)
    assert next(it) == E(data="a")
    with pytest.raises(OSError, match="connection reset"):
        next(it)
    assert list(it) == []
    # The decoder is left open, holding the partial event, as the generator leaves it.
    assert dec.feed(b"\n\n") == [E(data="b")]


def test_a_limit_error_holds_the_chunks_events_and_ends_the_iteration(make: Factory) -> None:
    dec = make(max_event_size=10)
    it = iter_events(
        [b"data: a\n\n", b"data: b\n\ndata: 0123456789\n\n", b"data: c\n\n"], decoder=dec
    )
    assert next(it) == E(data="a")
    with pytest.raises(SSELimitError) as caught:
        next(it)
    assert caught.value.events == [E(data="b")]
    assert caught.value.items == [E(data="b")]
    assert list(it) == []
    with pytest.raises(SSEDecoderClosedError):
        dec.feed(b"")


def test_str_chunks_are_refused_at_that_chunk(make: Factory) -> None:
    it = iter_events([b"data: a\n\n", "data: b\n\n"], decoder=make())  # type: ignore[list-item]
    assert next(it) == E(data="a")
    with pytest.raises(TypeError, match="not str"):
        next(it)
    assert list(it) == []


def test_next_from_inside_the_iteration_is_refused(make: Factory) -> None:
    holder: list[Iterator[ServerSentEvent]] = []
    errors: list[BaseException] = []

    def chunks() -> Iterator[bytes]:
        yield b"data: a\n\n"
        try:
            next(holder[0])
        except ValueError as exc:  # as a generator refuses it
            errors.append(exc)
        yield b"data: b\n\n"

    holder.append(iter_events(chunks(), decoder=make()))
    assert list(holder[0]) == [E(data="a"), E(data="b")]
    assert len(errors) == 1 and "already executing" in str(errors[0])

    def on_comment(text: str) -> None:
        try:
            next(holder[1])
        except ValueError as exc:
            errors.append(exc)

    holder.append(iter_events([b": hi\ndata: c\n\n"], decoder=make(on_comment=on_comment)))
    assert list(holder[1]) == [E(data="c")]
    assert len(errors) == 2 and "already executing" in str(errors[1])


def test_close_lets_go_of_the_chunks_and_leaves_the_decoder_open(make: Factory) -> None:
    closed: list[str] = []

    def chunks() -> Iterator[bytes]:
        try:
            yield b"data: a\n\ndata: b\n\n"
            yield b"data: c\n\n"
        finally:
            closed.append("chunks")

    dec = make()
    it = iter_events(chunks(), decoder=dec)
    assert next(it) == E(data="a")
    it.close()  # type: ignore[attr-defined]
    assert closed == ["chunks"]
    assert list(it) == []
    assert dec.feed(b"data: d\n\n") == [E(data="d")]


def test_an_abandoned_iterator_in_a_cycle_is_collected(make: Factory) -> None:
    closed: list[str] = []

    class Chunks:
        def __init__(self) -> None:
            self.events: Iterator[ServerSentEvent] | None = None
            self.sent = False

        def __iter__(self) -> Chunks:
            return self

        def __next__(self) -> bytes:
            if self.sent:
                raise StopIteration
            self.sent = True
            return b"data: a\n\ndata: b\n\n"

        def __del__(self) -> None:
            closed.append("chunks")

    chunks = Chunks()
    it = iter_events(chunks, decoder=make())
    chunks.events = it  # a cycle: chunks -> iterator -> chunks
    assert next(it) == E(data="a")
    del chunks, it
    gc.collect()
    assert closed == ["chunks"]


def test_the_decoder_state_is_current_after_each_event(make: Factory) -> None:
    dec = make()
    seen = [
        (ev.data, dec.last_event_id, dec.retry)
        for ev in iter_events([b"id: 1\nretry: 5\ndata: a\n\nid: 2\n", b"data: b\n\n"], decoder=dec)
    ]
    assert seen == [("a", "1", 5), ("b", "2", 5)]


def _drain(it: Iterator[ServerSentEvent]) -> list[Any]:
    """Every event, then the exception that ended the iteration, described."""
    out: list[Any] = []
    while True:
        described = describe_call(_Nothing, lambda: [next(it)])
        if described[0] != "ok":
            if described[0] == "StopIteration":
                return out
            return [*out, described[:-2]]
        out.append(described[1])


class _Nothing:
    last_event_id = retry = None


@pytest.mark.skipif("c" not in IMPLEMENTATIONS, reason="the C extension is not built")
@given(bodies(), st.data(), LIMITS, LIMITS, st.booleans())
def test_the_compiled_iterator_agrees_with_the_generator_over_the_reference(
    body: bytes,
    data: st.DataObject,
    max_line: int | None,
    max_event: int | None,
    lenient: bool,
) -> None:
    chunks = data.draw(chunkings(body))
    options: dict[str, Any] = {
        "max_line_size": max_line,
        "max_event_size": max_event,
        "dispatch_on_close": lenient,
    }
    ref = PythonDecoder(**options)
    c = IMPLEMENTATIONS["c"](**options)
    assert _drain(iter_events(iter(chunks), decoder=c)) == _drain(
        iter_events(iter(chunks), decoder=ref)
    )
    assert (c.last_event_id, c.retry) == (ref.last_event_id, ref.retry)


@pytest.mark.skipif("c" not in IMPLEMENTATIONS, reason="the C extension is not built")
def test_memory_stays_flat_over_many_compiled_iterators() -> None:
    # The suite's small version of `python tests/leak_check.py --iter`: iterators
    # that run out, are closed, are dropped half way or end on a limit error leave
    # resident memory flat and the chunks' reference counts unchanged.
    import leak_check

    result = leak_check.run_iter(16 * 1024 * 1024, IMPLEMENTATIONS["c"], samples=8)
    assert result.refcounts_kept
    assert result.events > 20_000
    if "libasan" in os.environ.get("LD_PRELOAD", ""):
        return  # under AddressSanitizer (.ci/sanitize.sh) freed memory is quarantined
    settled = [size for _, size in result.samples[1:]]
    assert max(settled) - settled[0] < 2 * 1024 * 1024
