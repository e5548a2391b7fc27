"""The WHATWG spec's own event-stream examples, each run whole and byte by byte."""

from __future__ import annotations

import pytest
from decode_helpers import decode, decode_chunks, one_byte_chunks
from spec_model import spec_parse

from sse_codec import ServerSentEvent

# Every test here runs against each decoder implementation (tests/decoders.py).
pytestmark = pytest.mark.usefixtures("decoder_class")

E = ServerSentEvent


def both_ways(stream: bytes) -> list[ServerSentEvent]:
    whole = decode(stream)
    assert decode_chunks(one_byte_chunks(stream))[0] == whole
    assert spec_parse(stream).events == whole
    return whole


def test_stock_ticker_three_data_lines() -> None:
    # "data: YHOO / data: +2 / data: 10" is one message whose data joins the lines.
    assert both_ways(b"data: YHOO\ndata: +2\ndata: 10\n\n") == [E(data="YHOO\n+2\n10")]


def test_comment_ids_and_leading_spaces() -> None:
    stream = (
        b": test stream\n\n"
        b"data: first event\nid: 1\n\n"
        b"data:second event\nid\n\n"
        b"data:  third event\n\n"
    )
    assert both_ways(stream) == [
        E(data="first event", id="1"),
        # a bare "id" line resets the last event ID to empty
        E(data="second event", id=None),
        # only one leading space is removed
        E(data=" third event", id=None),
    ]


def test_empty_data_lines_and_unterminated_tail() -> None:
    # Two events: "" and "\n"; the last "data:" has no blank line and is discarded.
    assert both_ways(b"data\n\ndata\ndata\n\ndata:") == [E(data=""), E(data="\n")]


def test_space_after_colon_is_optional() -> None:
    assert both_ways(b"data:test\n\ndata: test\n\n") == [E(data="test"), E(data="test")]


def test_named_events() -> None:
    stream = (
        b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n"
    )
    assert both_ways(stream) == [
        E(event="add", data="73857293"),
        E(event="remove", data="2153"),
        E(event="add", data="113411"),
    ]


def test_first_second_third_messages() -> None:
    stream = (
        b"data: This is the first message.\n\n"
        b"data: This is the second message, it\n"
        b"data: has two lines.\n\n"
        b"data: This is the third message.\n\n"
    )
    assert both_ways(stream) == [
        E(data="This is the first message."),
        E(data="This is the second message, it\nhas two lines."),
        E(data="This is the third message."),
    ]


@pytest.mark.parametrize("line_end", [b"\n", b"\r", b"\r\n"])
def test_each_line_end(line_end: bytes) -> None:
    stream = line_end.join([b"event: x", b"data: 1", b"data: 2", b"", b"data: 3", b"", b""])
    assert both_ways(stream) == [E(event="x", data="1\n2"), E(data="3")]


def test_field_names_are_case_sensitive_and_unknown_fields_ignored() -> None:
    assert both_ways(b"Data: no\nDATA: no\nfoo: bar\ndata: yes\n\n") == [E(data="yes")]


def test_event_type_resets_after_dispatch() -> None:
    assert both_ways(b"event: a\ndata: 1\n\ndata: 2\n\n") == [E(event="a", data="1"), E(data="2")]
