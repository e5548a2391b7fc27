"""What only the compiled decoder can get wrong: object identity and layout,
reference counts, re-entry, buffers, selection.  (Its behaviour is tested with the
reference's: every decoder test runs against both, see tests/decoders.py, and
tests/test_cdecoder_differential.py compares them call by call.)"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tracemalloc
from array import array
from functools import partial

import leak_check
import pytest
from cdecoder_oracle import describe_call
from decoders import IMPLEMENTATIONS

import sse_codec
from sse_codec import Comment, ServerSentEvent, SSELimitError, iter_events
from sse_codec._decoder import SSEDecoder as PythonDecoder

pytestmark = pytest.mark.skipif(
    "c" not in IMPLEMENTATIONS, reason="the C extension is not built (no C compiler at install)"
)

if "c" in IMPLEMENTATIONS:
    CDecoder = IMPLEMENTATIONS["c"]

STREAM = b"event: e\nid: 1\nretry: 5\ndata: a\ndata: \xff\n\n: note\ndata: b\n\n"


def test_events_are_genuine_server_sent_events() -> None:
    events = CDecoder().feed(STREAM)
    assert [type(ev) for ev in events] == [ServerSentEvent, ServerSentEvent]
    assert events == PythonDecoder().feed(STREAM)
    first = events[0]
    assert first == ServerSentEvent("e", "a\n\ufffd", "1", 5)
    assert hash(first) == hash(ServerSentEvent("e", "a\n\ufffd", "1", 5))
    assert repr(first) == repr(ServerSentEvent("e", "a\n\ufffd", "1", 5))
    with pytest.raises(AttributeError):
        first.data = "x"  # type: ignore[misc]
    assert first.encode() == ServerSentEvent("e", "a\n\ufffd", "1", 5).encode()
    gc.collect()  # the events are tracked, complete objects


def test_the_module_and_type_name_the_implementation() -> None:
    assert CDecoder.__module__ == "sse_codec._cdecoder"
    assert CDecoder.__name__ == "SSEDecoder"
    assert CDecoder.__doc__ and "compiled" in CDecoder.__doc__
    for method in ("feed", "feed_items", "close", "close_items"):
        assert getattr(CDecoder, method).__doc__


def test_the_package_uses_the_compiled_decoder_unless_told_not_to() -> None:
    # Every module that makes decoders (iter_events, the reconnecting clients, inspect,
    # serve's resumption, the ASGI response's keep-alive check) uses the selected one.
    users = [
        "sse_codec",
        "sse_codec._streams",
        "sse_codec._reconnect",
        "sse_codec._cli._inspect",
        "sse_codec._cli._serve",
        "sse_codec._cli._resume",
        "sse_codec.asgi",
    ]
    code = (
        f"import importlib; print(*(importlib.import_module(m).SSEDecoder.__module__ "
        f"for m in {users!r}))"
    )
    for value, expected in (
        ("", "sse_codec._cdecoder"),
        ("0", "sse_codec._cdecoder"),
        ("1", "sse_codec._decoder"),
    ):
        env = {**os.environ, "SSE_CODEC_NO_EXTENSIONS": value}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, env=env, check=True, timeout=60
        )
        assert done.stdout.split() == [expected.encode()] * len(users)
        version = subprocess.run(
            [sys.executable, "-m", "sse_codec", "--version"],
            capture_output=True,
            env=env,
            check=True,
            timeout=60,
        )
        assert version.stdout.decode().strip().endswith(f"(decoder: {expected})")
    # In this process (the variable unset), the compiled one, also for iter_events.
    if os.environ.get("SSE_CODEC_NO_EXTENSIONS", "") in ("", "0"):
        assert sse_codec.SSEDecoder is CDecoder


def test_subclasses_work_with_and_without_calling_init() -> None:
    class Counting(CDecoder):  # type: ignore[misc,valid-type]
        def __init__(self) -> None:
            super().__init__(max_line_size=100)
            self.calls = 0

        def feed(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
            self.calls += 1
            events: list[ServerSentEvent] = super().feed(data)
            return events

    dec = Counting()
    assert list(iter_events([STREAM[:10], STREAM[10:]], decoder=dec)) == PythonDecoder().feed(
        STREAM
    )
    assert dec.calls == 2 and dec.max_line_size == 100

    class NoInit(CDecoder):  # type: ignore[misc,valid-type]
        def __init__(self) -> None:
            pass  # a usable decoder with the defaults all the same

    bare = NoInit()
    assert bare.feed(STREAM) == PythonDecoder().feed(STREAM)
    assert bare.max_line_size == sse_codec.DEFAULT_MAX_LINE_SIZE
    assert bare.last_event_id == "1"
    # Instances of a subclass hold one reference to it each, released once.
    before = sys.getrefcount(NoInit)
    many = [NoInit() for _ in range(100)]
    assert sys.getrefcount(NoInit) == before + 100
    del many
    gc.collect()
    assert sys.getrefcount(NoInit) == before


def test_calling_init_again_resets_and_from_the_callback_is_refused() -> None:
    dec = CDecoder()
    dec.feed(b"id: 3\ndata: half")
    dec.__init__(last_event_id="9")  # type: ignore[misc]
    assert dec.feed(b"data: x\n\n") == [ServerSentEvent(data="x", id="9")]
    errors: list[BaseException] = []

    def again(_text: str) -> None:
        for call in (
            lambda: dec.__init__(),  # type: ignore[misc]
            lambda: dec.feed(b"data: y\n\n"),
            lambda: dec.feed_items(b""),
            lambda: dec.close(),
            lambda: dec.close_items(),
        ):
            try:
                call()
            except RuntimeError as exc:
                errors.append(exc)

    dec.on_comment = again
    assert dec.feed(b"data: a\n: c\ndata: b\n\n") == [ServerSentEvent(data="a\nb", id="9")]
    assert len(errors) == 5
    assert dec.feed(b"data: z\n\n") == [ServerSentEvent(data="z", id="9")]


def test_a_callback_that_rewrites_the_fed_bytearray_in_place() -> None:
    # Under 64 KiB: copied before it is read, so the rewrite is not seen (as the
    # reference); the bytearray itself is the caller's to change.
    for cls in (PythonDecoder, CDecoder):
        chunk = bytearray(b": x\ndata: a\n\n")

        def scribble(_text: str, chunk: bytearray = chunk) -> None:
            chunk[:] = b"\xff" * len(chunk)

        assert cls(on_comment=scribble).feed(chunk) == [ServerSentEvent(data="a")]


def test_a_callback_that_resizes_a_big_fed_bytearray_reads_as_the_reference() -> None:
    big = b": first\n" + b"data: " + b"x" * 70000 + b"\n\n" + b"data: tail\n\n"
    results = []
    for cls in (PythonDecoder, CDecoder):
        chunk = bytearray(big)

        def shrink(_text: str, chunk: bytearray = chunk) -> None:
            del chunk[100:]

        dec = cls(on_comment=shrink)
        results.append((dec.feed(chunk), dec.feed(b"\n\n")))
    assert results[0] == results[1]


@pytest.mark.parametrize("change", ["grow", "shrink"])
def test_a_too_long_line_is_measured_in_the_bytearray_as_the_callback_left_it(
    change: str,
) -> None:
    # The callback reallocates the bytearray while its first window is read; the
    # too-long line at that window's end is then measured in the new bytes.
    big = b": c\n" + b"x" * 70000 + b"\n\n"
    results = []
    for cls in (PythonDecoder, CDecoder):
        chunk = bytearray(big)

        def resize(_text: str, chunk: bytearray = chunk) -> None:
            if change == "grow":
                chunk[-2:] = b"y" * 200000 + b"\n\n"
            else:
                del chunk[66000:]

        dec = cls(on_comment=resize, max_line_size=1000)
        results.append(describe_call(dec, partial(dec.feed, chunk)))
    assert results[0] == results[1]
    assert results[0][0] == "SSELimitError"


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_reference_counts_of_fed_chunks_are_unchanged(kind: type) -> None:
    chunk = kind(STREAM + b": tail\ndata: partial")
    before = sys.getrefcount(chunk)
    dec = CDecoder(on_comment=lambda _t: None)
    for _ in range(3):
        dec.feed_items(chunk) if dec.last_event_id else dec.feed(chunk)
    dec.close()
    failing = CDecoder(max_line_size=3)
    with pytest.raises(SSELimitError):
        failing.feed(chunk)
    with pytest.raises(sse_codec.SSEDecoderClosedError):
        failing.feed(chunk)
    assert sys.getrefcount(chunk) == before


def test_memoryviews_of_any_shape_are_their_raw_bytes() -> None:
    raw = b"data: abcd\n\n" * 4  # 48 bytes
    views = [
        memoryview(array("i", raw)),
        memoryview(array("d", raw)),
        memoryview(raw).cast("B", (6, 8)),
        memoryview(raw + raw)[::2],  # strided: its logical bytes
        memoryview(bytearray(raw)).toreadonly(),
        memoryview(raw)[12:],
    ]
    for view in views:
        expected = PythonDecoder().feed(view.tobytes())
        assert CDecoder().feed(view) == expected
        assert PythonDecoder().feed(view) == expected
    released = memoryview(raw)
    released.release()
    with pytest.raises(ValueError):
        CDecoder().feed(released)


def test_attributes_deleted_or_replaced_behave_as_the_reference() -> None:
    for cls in (PythonDecoder, CDecoder):
        dec = cls()
        del dec.on_comment
        with pytest.raises(AttributeError):
            dec.feed(b": c\n")
        dec = cls(dispatch_on_close=True)
        del dec.dispatch_on_close
        with pytest.raises(AttributeError):
            dec.close()
        dec = cls()
        dec.retry = "anything"  # type: ignore[assignment]  # a plain attribute
        dec.feed(b"retry: 7\n")
        assert dec.retry == 7


def test_limits_past_the_machine_word_and_bools() -> None:
    dec = CDecoder(max_line_size=10**30, max_event_size=2**63)
    assert dec.max_line_size == 10**30
    assert dec.feed(b"data: x\n\n") == [ServerSentEvent(data="x")]
    for bad in (True, -1, 1.0, "3", -(10**30)):
        with pytest.raises(ValueError):
            CDecoder(max_event_size=bad)  # type: ignore[arg-type]


def test_comments_and_events_come_in_stream_order_with_the_same_objects() -> None:
    items = CDecoder().feed_items(STREAM)
    assert items == PythonDecoder().feed_items(STREAM)
    assert [type(item) for item in items] == [ServerSentEvent, Comment, ServerSentEvent]


def test_an_idle_decoder_is_small() -> None:
    count = 1000
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        keep = [CDecoder() for _ in range(count)]
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert (used - sys.getsizeof(keep)) / count <= 200
    # A decoder parked mid-line holds the line's bytes and a small buffer's slack.
    dec = CDecoder()
    dec.feed(b"data: " + b"x" * 100)
    assert sys.getsizeof(dec) <= sys.getsizeof(CDecoder()) + 200


def test_a_big_event_leaves_no_big_buffer_behind() -> None:
    dec = CDecoder()
    for size in (1460, 65536):
        chunks = [b"data: " + b"x" * (4 * 1024 * 1024) + b"\n\n"]
        data = chunks[0]
        events = [ev for i in range(0, len(data), size) for ev in dec.feed(data[i : i + size])]
        assert len(events) == 1 and len(events[0].data) == 4 * 1024 * 1024
    assert sys.getsizeof(dec) <= sys.getsizeof(CDecoder()) + 65536


def test_memory_stays_flat_over_a_long_stream() -> None:
    # The suite's small version of tests/leak_check.py (1 GiB there): after the
    # first sample, resident memory does not grow, and the fed chunks' reference
    # counts are unchanged.
    result = leak_check.run(16 * 1024 * 1024, CDecoder, samples=8)
    assert result.refcounts_kept
    assert result.events > 50_000
    settled = [size for _, size in result.samples[1:]]
    assert max(settled) - settled[0] < 2 * 1024 * 1024
