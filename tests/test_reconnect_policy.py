"""The sans-I/O reconnection policy, driven by hand (no network, a fake clock)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sse_codec import (
    TRANSIENT_STATUSES,
    Reconnector,
    ReconnectPolicy,
    SSEConnectionError,
    SSEDecoder,
    encode,
)
from sse_codec._chunks import rechunk

STREAM = [("Content-Type", "text/event-stream")]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_request_headers_carry_the_last_event_id_only_when_there_is_one() -> None:
    rec = Reconnector()
    assert rec.request_headers() == {"Accept": "text/event-stream", "Cache-Control": "no-store"}
    assert Reconnector(last_event_id="7").request_headers()["Last-Event-ID"] == "7"


def test_a_stream_connection_feeds_the_last_id_and_retry_back() -> None:
    rec = Reconnector(ReconnectPolicy(retry=3.0))
    assert rec.response(200, STREAM) == "stream"
    decoder = rec.decoder()
    events = decoder.feed(b"retry: 250\nid: 4\ndata: a\n\nid: 5\n\ndata: b")
    assert [e.id for e in events] == ["4"]
    assert (rec.last_event_id, rec.retry, rec.server_retry) == ("5", 0.25, 250)
    # The body ends: wait exactly the reconnection time, no backoff.
    assert rec.connection_lost() == 0.25
    assert rec.request_headers()["Last-Event-ID"] == "5"
    # The next connection's decoder is seeded: an event without id carries "5".
    assert rec.response(200, STREAM) == "stream"
    assert [e.id for e in rec.decoder().feed(b"data: c\n\n")] == ["5"]
    # The server's retry persists across connections.
    assert rec.connection_lost() == 0.25


def test_decoder_options_are_passed_on() -> None:
    comments: list[str] = []
    decoder = Reconnector().decoder(max_line_size=10, on_comment=comments.append)
    assert isinstance(decoder, SSEDecoder)
    decoder.feed(b": hi\n")
    assert comments == ["hi"]
    assert decoder.max_line_size == 10


@pytest.mark.parametrize(
    ("status", "content_type", "verdict"),
    [
        (200, "text/event-stream", "stream"),
        (200, "Text/Event-Stream ; charset=utf-8", "stream"),
        (200, "text/event-stream-x", "fail"),
        (200, None, "fail"),
        (200, "application/json", "fail"),
        (204, None, "done"),
        (201, "text/event-stream", "fail"),
        (301, "text/html", "fail"),
        (401, "application/json", "fail"),
        (503, "text/event-stream", "fail"),
    ],
)
def test_verdicts_follow_the_spec_by_default(
    status: int, content_type: str | None, verdict: str
) -> None:
    headers = [] if content_type is None else [("content-type", content_type)]
    assert Reconnector().response(status, headers) == verdict


@pytest.mark.parametrize("status", sorted(TRANSIENT_STATUSES))
def test_transient_statuses_are_retried_only_when_asked(status: int) -> None:
    assert Reconnector().response(status, []) == "fail"
    policy = ReconnectPolicy(retry_statuses=TRANSIENT_STATUSES)
    assert Reconnector(policy).response(status, []) == "retry"
    assert {429, 502, 503, 504, 529} == TRANSIENT_STATUSES


def test_backoff_grows_with_consecutive_failures_and_is_bounded() -> None:
    policy = ReconnectPolicy(retry=1.0, max_backoff=5.0)
    rec = Reconnector(policy, random=lambda: 1.0)  # the largest jitter
    delays = [rec.connection_lost(OSError()) for _ in range(6)]
    assert delays == [1.0, 2.0, 4.0, 6.0, 6.0, 6.0]
    rec = Reconnector(policy, random=lambda: 0.0)  # the smallest: never below retry
    assert [rec.connection_lost(OSError()) for _ in range(4)] == [1.0] * 4


def test_a_good_connection_resets_the_failures() -> None:
    rec = Reconnector(ReconnectPolicy(retry=1.0), random=lambda: 1.0)
    rec.connection_lost(OSError())
    rec.connection_lost(OSError())
    assert rec.attempts == 2
    assert rec.response(200, STREAM) == "stream"
    assert rec.attempts == 0
    assert rec.connection_lost(OSError()) == 1.0  # broke after a good response


def test_max_attempts_gives_up_with_the_cause() -> None:
    rec = Reconnector(ReconnectPolicy(retry=0.1, max_attempts=2), last_event_id="3")
    cause = ConnectionRefusedError()
    assert rec.connection_lost(cause) == 0.1
    with pytest.raises(SSEConnectionError) as info:
        rec.connection_lost(cause)
    assert (info.value.attempts, info.value.last_event_id) == (2, "3")
    assert info.value.__cause__ is cause


def test_max_elapsed_gives_up_before_a_wait_that_would_exceed_it() -> None:
    clock = Clock()
    rec = Reconnector(ReconnectPolicy(retry=1.0, max_elapsed=2.5), clock=clock)
    for _ in range(2):
        assert rec.response(200, STREAM) == "stream"
        assert rec.connection_lost() == 1.0
        clock.now += 1.0
    assert rec.response(200, STREAM) == "stream"
    with pytest.raises(SSEConnectionError, match=r"exceed 2\.5 s"):
        rec.connection_lost()


def test_retry_after_lengthens_the_wait_of_a_retried_status() -> None:
    policy = ReconnectPolicy(retry=0.5, retry_statuses=frozenset({429}))
    rec = Reconnector(policy)
    assert rec.response(429, [("Retry-After", "7")]) == "retry"
    assert rec.connection_lost() == 7.0
    assert rec.response(429, [("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]) == "retry"
    delay = rec.connection_lost()
    assert delay is not None and delay >= 0.5  # a date is ignored: the backoff applies


def test_close_stops_the_stream() -> None:
    rec = Reconnector()
    rec.close()
    assert rec.closed
    assert rec.connection_lost(OSError()) is None


@pytest.mark.parametrize(
    "options",
    [
        {"retry": -1},
        {"retry": True},
        {"retry": "1"},
        {"max_backoff": -0.1},
        {"max_elapsed": -1},
        {"max_attempts": 0},
        {"max_attempts": 1.5},
        {"retry_statuses": frozenset({200})},
        {"retry_statuses": frozenset({"503"})},
    ],
)
def test_bad_policy_values_raise_value_error(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ReconnectPolicy(**options)  # type: ignore[arg-type]


@given(
    retry=st.floats(0, 100),
    failures=st.integers(1, 200),
    jitter=st.floats(0, 1, exclude_max=True),
)
def test_every_wait_is_at_least_retry_and_at_most_retry_plus_max_backoff(
    retry: float, failures: int, jitter: float
) -> None:
    policy = ReconnectPolicy(retry=retry, max_backoff=30.0)
    rec = Reconnector(policy, random=lambda: jitter)
    for _ in range(failures):
        delay = rec.connection_lost(OSError())
        assert delay is not None
        assert retry <= delay <= retry + 30.0


def test_spaces_and_tabs_around_the_id_are_not_sent() -> None:
    # A server reads the same value either way (HTTP strips them); h11 refuses them.
    assert Reconnector(last_event_id="\t7 8 ").request_headers()["Last-Event-ID"] == "7 8"


def test_a_request_the_client_refuses_is_a_typed_error() -> None:
    rec = Reconnector(last_event_id="a\x0bb")
    cause = ValueError("forbidden character")
    error = rec.unsendable(cause)
    assert isinstance(error, SSEConnectionError)
    assert error.__cause__ is cause
    assert error.last_event_id == "a\x0bb"
    assert "a\\x0bb" in str(error)


# -- exactly once, in order: the policy and a resuming server, simulated without I/O


@given(
    datas=st.lists(st.text(max_size=12), min_size=1, max_size=12),
    endings=st.lists(st.sampled_from(["\n", "\r", "\r\n"]), min_size=1),
    cuts=st.lists(st.integers(0, 10_000), max_size=8),
    chunk_seed=st.integers(0, 2**16),
)
def test_a_resuming_server_and_the_policy_deliver_each_event_once_in_order(
    datas: list[str], endings: list[str], cuts: list[int], chunk_seed: int
) -> None:
    wire = [
        encode(data, id=str(n + 1), line_ending=endings[n % len(endings)]) + b": keep-alive\n"
        for n, data in enumerate(datas)
    ]
    rec = Reconnector(ReconnectPolicy(retry=0.0))
    delivered = []
    for connection in range(len(cuts) + 2):
        last = rec.request_headers().get("Last-Event-ID")
        start = int(last) if last else 0
        if start == len(wire):
            assert rec.response(204, []) == "done"
            break
        assert rec.response(200, STREAM) == "stream"
        body = b"retry: 0\n\n" + b"".join(wire[start:])
        if connection < len(cuts):
            body = body[: cuts[connection] % (len(body) + 1)]  # the connection breaks
        decoder = rec.decoder()
        for chunk in rechunk(body, seed=chunk_seed + connection):
            delivered.extend(decoder.feed(chunk))
        delivered.extend(decoder.close())
        assert rec.connection_lost() == 0.0
    else:  # pragma: no cover - the last connection always sends the rest
        raise AssertionError("the stream did not end")
    assert [event.id for event in delivered] == [str(n + 1) for n in range(len(datas))]
    expected = [d.replace("\r\n", "\n").replace("\r", "\n") for d in datas]
    assert [event.data for event in delivered] == expected
