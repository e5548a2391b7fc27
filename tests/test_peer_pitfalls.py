"""DESIGN.md section 3: where popular Python parsers disagree with the spec.

Each test is one row of that table and pins the spec's answer.
"""

from __future__ import annotations

import pytest
from decode_helpers import decode, decode_chunks, one_byte_chunks

from sse_codec import ServerSentEvent, SSEDecoder

# Every test here runs against each decoder implementation (tests/decoders.py).
pytestmark = pytest.mark.usefixtures("decoder_class")

E = ServerSentEvent


def test_comment_block_after_event_dispatches_nothing() -> None:
    # httpx-sse, openai, anthropic: 2 events, the second with data="".
    assert decode(b"id: 1\ndata: a\n\n: ping\n\n") == [E(data="a", id="1")]


def test_retry_only_block_dispatches_nothing_but_sets_retry() -> None:
    # httpx-sse, openai, anthropic: 2 events, the first empty.
    events, dec = decode_chunks([b"retry: 1000\n\ndata: x\n\n"])
    assert events == [E(data="x")]
    assert dec.retry == 1000


def test_retry_with_sign_or_extra_space_is_ignored() -> None:
    # httpx-sse & co. take these as 5 and 7; sseclient-py keeps strings.
    events, dec = decode_chunks([b"retry: +5\ndata: a\n\nretry:  7\ndata: b\n\n"])
    assert events == [E(data="a"), E(data="b")]
    assert dec.retry is None


def test_lf_then_crlf_is_two_line_ends() -> None:
    # sseclient-py: one event "a\nb".
    assert decode(b"data: a\n\r\ndata: b\n\n") == [E(data="a"), E(data="b")]


def test_leading_bom_is_dropped() -> None:
    # Every peer: 0 events (the first field name becomes "\ufeffdata").
    stream = b"\xef\xbb\xbfdata: x\n\n"
    assert decode(stream) == [E(data="x")]
    assert decode_chunks(one_byte_chunks(stream))[0] == [E(data="x")]


def test_unterminated_last_event_is_discarded() -> None:
    # sseclient-py: 2 events.
    assert decode(b"data: a\n\ndata: b") == [E(data="a")]


def test_big_event_in_small_chunks_is_one_event() -> None:
    # anthropic's decoder is quadratic here; we only check the result (speed is a benchmark).
    payload = b"x" * (1 << 20)
    stream = b"data: " + payload + b"\n\n"
    dec = SSEDecoder()
    events = []
    for i in range(0, len(stream), 1024):
        events.extend(dec.feed(stream[i : i + 1024]))
    assert events == [E(data=payload.decode())]
