"""SSEDecoder behaviour: chunk boundaries, state, options, limits and misuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from decode_helpers import decode, decode_chunks, one_byte_chunks, split_at
from spec_model import spec_parse

from sse_codec import (
    Comment,
    ServerSentEvent,
    SSEDecoder,
    SSEDecoderClosedError,
    SSEError,
    SSELimitError,
)

# Every test here runs against each decoder implementation (tests/decoders.py).
pytestmark = pytest.mark.usefixtures("decoder_class")

E = ServerSentEvent
FIXTURES = Path(__file__).parent / "fixtures"


# -- chunk boundaries ------------------------------------------------------------


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    # If the LF after a chunk-final CR counted again, the second data line would
    # be preceded by a blank line and dispatch "a" alone.
    events, _ = decode_chunks([b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"])
    assert events == [E(data="a\nb")]


def test_lone_cr_at_chunk_end_followed_by_text() -> None:
    events, _ = decode_chunks([b"data: a\r", b"data: b\r", b"\r"])
    assert events == [E(data="a\nb")]


def test_cr_then_empty_chunks_then_lf() -> None:
    events, _ = decode_chunks([b"data: a\r", b"", b"", b"\n", b"\n"])
    assert events == [E(data="a")]


def test_bom_split_byte_by_byte() -> None:
    events, _ = decode_chunks([b"\xef", b"", b"\xbb", b"\xbf", b"data: x\n\n"])
    assert events == [E(data="x")]


def test_second_bom_is_data() -> None:
    events = decode(b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\ndata: y\n\n")
    # The second BOM makes the first field name "\ufeffdata", which is ignored.
    assert events == [E(data="y")]


def test_bom_only_at_stream_start_not_at_later_chunk_start() -> None:
    events, _ = decode_chunks([b"data: a\n\n", b"\xef\xbb\xbfdata: b\n\n"])
    assert events == [E(data="a")]


def test_partial_bom_then_other_bytes() -> None:
    # \xef\xbb is not a BOM when followed by "x": it is invalid UTF-8 in a field name.
    events, _ = decode_chunks([b"\xef\xbb", b"xdata: a\n\ndata: b\n\n"])
    assert events == [E(data="b")]


def test_utf8_character_split_across_chunks() -> None:
    stream = "data: °C 😊 ü\n\n".encode()
    for cut in range(len(stream) + 1):
        events, _ = decode_chunks([stream[:cut], stream[cut:]])
        assert events == [E(data="°C 😊 ü")], cut


def test_invalid_utf8_becomes_replacement_character() -> None:
    events = decode(b"data: a\xffb\xe2\x82\n\nevent: \xc0x\ndata: 1\n\n")
    assert events == [E(data="a\ufffdb\ufffd"), E(event="\ufffdx", data="1")]


def test_empty_chunks_anywhere() -> None:
    events, _ = decode_chunks([b"", b"data: a", b"", b"\n", b"", b"\n", b""])
    assert events == [E(data="a")]


def test_feed_returns_only_events_completed_by_that_chunk() -> None:
    dec = SSEDecoder()
    assert dec.feed(b"data: a\n") == []
    assert dec.feed(b"\ndata: b\n\ndata: c") == [E(data="a"), E(data="b")]
    assert dec.feed(b"\n\n") == [E(data="c")]
    assert dec.close() == []


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_accepts_bytes_like(kind: type) -> None:
    dec = SSEDecoder()
    assert dec.feed(kind(b"data: a\n\n")) == [E(data="a")]


def test_bytearray_is_copied_not_aliased() -> None:
    dec = SSEDecoder()
    buf = bytearray(b"data: abc")
    dec.feed(buf)
    buf[:] = b"XXXXXXXXX"
    assert dec.feed(b"\n\n") == [E(data="abc")]


# -- id and retry state ---------------------------------------------------------


def test_id_persists_across_events() -> None:
    events = decode(b"id: 7\ndata: a\n\ndata: b\n\nid:\ndata: c\n\n")
    assert events == [E(data="a", id="7"), E(data="b", id="7"), E(data="c", id=None)]


def test_id_only_block_updates_last_event_id() -> None:
    dec = SSEDecoder()
    assert dec.feed(b"id: 42\n") == []
    # The stream's last event ID changes when the block ends, not before.
    assert dec.last_event_id == ""
    assert dec.feed(b"\n") == []
    assert dec.last_event_id == "42"
    assert dec.feed(b"data: x\n\n") == [E(data="x", id="42")]


def test_id_with_nul_is_ignored() -> None:
    events, dec = decode_chunks([b"id: 1\n\nid: a\x00b\ndata: x\n\n"])
    assert events == [E(data="x", id="1")]
    assert dec.last_event_id == "1"


def test_unterminated_id_does_not_change_last_event_id() -> None:
    _, dec = decode_chunks([b"id: 1\n\nid: 2\ndata: x\n"])
    assert dec.last_event_id == "1"


def test_retry_is_per_block_on_events_and_sticky_on_decoder() -> None:
    events, dec = decode_chunks([b"retry: 250\ndata: a\n\ndata: b\n\nretry: 007\n\n"])
    assert events == [E(data="a", retry=250), E(data="b")]
    assert dec.retry == 7


@pytest.mark.parametrize(
    "value", [b"", b"  5", b"+5", b"-1", b"5 ", b"1e3", b"\xd9\xa3", b"0x10", b"5.0"]
)
def test_invalid_retry_values_are_ignored(value: bytes) -> None:
    _, dec = decode_chunks([b"retry: 1\n\nretry:" + value + b"\n\n"])
    assert dec.retry == 1


def test_retry_beyond_implementation_limit_is_ignored() -> None:
    _, dec = decode_chunks([b"retry: 5\n\nretry: " + b"9" * 5000 + b"\n\n"])
    assert dec.retry == 5
    _, dec = decode_chunks([b"retry: " + b"0" * 100 + b"12\n\n"])
    assert dec.retry == 12


# -- comments --------------------------------------------------------------------


def test_comments_are_not_events_but_observable() -> None:
    seen: list[str] = []
    dec = SSEDecoder(on_comment=seen.append)
    assert dec.feed(b": hello\n:\n:  two spaces\ndata: a\n\n") == [E(data="a")]
    assert seen == ["hello", "", " two spaces"]


def test_feed_items_interleaves_comments_in_order() -> None:
    dec = SSEDecoder()
    items = dec.feed_items(b": first\ndata: a\n\n: keep-alive\n\ndata: b\n\n: tail\n")
    assert items == [
        Comment("first"),
        E(data="a"),
        Comment("keep-alive"),
        E(data="b"),
        Comment("tail"),
    ]
    # feed() after feed_items() is back to events only.
    assert dec.feed(b": x\ndata: c\n\n") == [E(data="c")]


# -- end of stream ---------------------------------------------------------------


def test_close_discards_unterminated_event() -> None:
    dec = SSEDecoder()
    assert dec.feed(b"data: a\n\ndata: b\n") == [E(data="a")]
    assert dec.close() == []


def test_dispatch_on_close_option() -> None:
    for chunks in ([b"data: a\n\ndata: b"], [b"data: a\n\ndata: b\n"], [b"data: a\n\ndata: b\r"]):
        events, _ = decode_chunks(chunks, SSEDecoder(dispatch_on_close=True))
        assert events == [E(data="a"), E(data="b")], chunks
    events, _ = decode_chunks([b"data: a\n\n"], SSEDecoder(dispatch_on_close=True))
    assert events == [E(data="a")]
    events, _ = decode_chunks([b"id: 3\ndata: x"], SSEDecoder(dispatch_on_close=True))
    assert events == [E(data="x", id="3")]


def test_feed_after_close_raises_and_close_is_idempotent() -> None:
    dec = SSEDecoder()
    dec.close()
    assert dec.close() == []
    with pytest.raises(SSEDecoderClosedError):
        dec.feed(b"data: x\n\n")


# -- limits ----------------------------------------------------------------------


def test_default_limits_allow_a_16_mib_event() -> None:
    payload = b"A" * (16 * 1024 * 1024)
    events = decode(b"data: " + payload + b"\n\n")
    assert len(events) == 1 and len(events[0].data) == len(payload)


def test_line_limit_is_checked_on_every_feed() -> None:
    dec = SSEDecoder(max_line_size=1000)
    dec.feed(b"data: " + b"x" * 900)
    with pytest.raises(SSELimitError) as info:
        dec.feed(b"y" * 200)
    err = info.value
    assert (err.limit_name, err.limit, err.size) == ("max_line_size", 1000, 1106)
    assert "max_line_size" in str(err) and "1000" in str(err)
    assert isinstance(err, SSEError)


def test_line_limit_on_a_line_delivered_whole_keeps_earlier_events() -> None:
    dec = SSEDecoder(max_line_size=100)
    with pytest.raises(SSELimitError) as info:
        dec.feed(b"data: ok\n\nevent: " + b"e" * 200 + b"\ndata: x\n\n")
    assert info.value.events == [E(data="ok")]
    assert info.value.limit_name == "max_line_size"


def test_event_limit_counts_data_across_lines() -> None:
    dec = SSEDecoder(max_event_size=10)
    assert dec.feed(b"data: 1234\ndata: 1234\n\n") == [E(data="1234\n1234")]  # 10 bytes
    with pytest.raises(SSELimitError) as info:
        dec.feed(b"data: 1234\ndata: 12345\n\n")
    assert (info.value.limit_name, info.value.size) == ("max_event_size", 11)


def test_decoder_is_failed_after_a_limit_error() -> None:
    dec = SSEDecoder(max_line_size=10)
    with pytest.raises(SSELimitError):
        dec.feed(b"data: 0123456789")
    with pytest.raises(SSEDecoderClosedError):
        dec.feed(b"\n\n")
    assert dec.close() == []


def test_limits_can_be_disabled() -> None:
    dec = SSEDecoder(max_line_size=None, max_event_size=None)
    big = b"z" * (40 * 1024 * 1024)
    for i in range(0, len(big), 1 << 20):
        assert dec.feed(big[i : i + (1 << 20)] if i else b"data: " + big[: 1 << 20]) == []
    events = dec.feed(b"\n\n")
    assert len(events) == 1 and len(events[0].data) == len(big)


def test_limit_errors_do_not_depend_on_chunking() -> None:
    stream = b"data: ok\n\nid: " + b"i" * 50 + b"\ndata: x\n\n"
    outcomes = set()
    for chunks in ([stream], one_byte_chunks(stream), split_at(stream, [13, 40])):
        dec = SSEDecoder(max_line_size=32)
        got: list[ServerSentEvent] = []
        try:
            for chunk in chunks:
                got.extend(dec.feed(chunk))
        except SSELimitError as exc:
            got.extend(e for e in exc.events if isinstance(e, ServerSentEvent))
            outcomes.add((tuple(got), exc.limit_name))
    assert outcomes == {((E(data="ok"),), "max_line_size")}


@pytest.mark.parametrize("bad", [-1, 1.5, "10", True])
def test_bad_limit_arguments(bad: object) -> None:
    with pytest.raises(ValueError):
        SSEDecoder(max_line_size=bad)  # type: ignore[arg-type]


# -- misuse ----------------------------------------------------------------------


def test_str_gets_a_helpful_type_error() -> None:
    with pytest.raises(TypeError, match="not str"):
        SSEDecoder().feed("data: x\n\n")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="int"):
        SSEDecoder().feed(5)  # type: ignore[arg-type]


# -- the recorded streams ---------------------------------------------------------


def _fixture_names() -> list[str]:
    return sorted(p.name for p in FIXTURES.glob("*.sse"))


def _expected_event_counts() -> dict[str, int]:
    expected = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    counts: dict[str, int] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key.endswith(".sse") and isinstance(value, dict):
                    if isinstance(value.get("events"), int):
                        counts[key] = value["events"]
                else:
                    walk(value)

    walk(expected)
    return counts


def test_expected_json_covers_every_fixture() -> None:
    assert set(_expected_event_counts()) == set(_fixture_names())


@pytest.mark.parametrize("name", _fixture_names())
def test_fixture_event_counts_in_every_chunking(name: str) -> None:
    stream = (FIXTURES / name).read_bytes()
    expected_count = _expected_event_counts()[name]
    whole = decode(stream)
    assert len(whole) == expected_count
    assert whole == spec_parse(stream).events
    for chunks in (one_byte_chunks(stream), split_at(stream, range(0, len(stream), 7))):
        assert decode_chunks(chunks)[0] == whole
