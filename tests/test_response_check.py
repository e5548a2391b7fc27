"""The response checks and their error, and ServerSentEvent.json(), without a network."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sse_codec import PayloadError, ServerSentEvent, SSEError, SSEResponseError, response_error
from sse_codec._response import ERROR_BODY_LIMIT, aread_start, is_event_stream, read_start


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text/event-stream", True),
        ("text/event-stream;charset=utf-8", True),
        (" TEXT/EVENT-STREAM ; x=y", True),
        ("text/event-streams", False),
        ("text/plain", False),
        ("", False),
        (None, False),
    ],
)
def test_is_event_stream_compares_the_mime_essence(value: str | None, expected: bool) -> None:
    assert is_event_stream(value) is expected


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"error": {"message": "Overloaded", "type": "overloaded_error"}}', "Overloaded"),
        (b'{"error": "rate limited"}', "rate limited"),
        (b'{"message": "Not Found"}', "Not Found"),
        (b'{"detail": "Unauthorized"}', "Unauthorized"),
        (b'{"error": {"code": 5}}', '{"error": {"code": 5}}'),
        (b"[1, 2]", "[1, 2]"),
        (b"<html>Bad Gateway</html>", "<html>Bad Gateway</html>"),
        (b"", "empty body"),
    ],
)
def test_the_reason_is_the_apis_message_or_the_body(body: bytes, reason: str) -> None:
    error = response_error(529, [("Content-Type", "application/json")], body, body_truncated=False)
    assert isinstance(error, SSEError)
    assert error.reason == reason
    assert error.status == 529
    assert error.headers == [("content-type", "application/json")]
    assert error.content_type == "application/json"
    assert reason in str(error) and "529" in str(error)


def test_a_truncated_body_is_not_parsed_and_is_marked() -> None:
    error = response_error(500, [], b'{"error": "x"}', body_truncated=True)
    assert error.json is None
    assert error.reason.endswith("...")
    assert error.content_type is None


def test_a_200_with_the_wrong_type_says_so() -> None:
    error = response_error(200, [("content-type", "text/html")], b"<p>", body_truncated=False)
    assert "Content-Type 'text/html'" in str(error)


@given(
    status=st.integers(100, 599),
    headers=st.lists(st.tuples(st.text(max_size=20), st.text(max_size=40)), max_size=5),
    body=st.binary(max_size=300) | st.text(max_size=100).map(str.encode),
    truncated=st.booleans(),
)
def test_any_response_gives_an_error_and_never_raises(
    status: int, headers: list[tuple[str, str]], body: bytes, truncated: bool
) -> None:
    error = response_error(status, headers, body, body_truncated=truncated)
    assert isinstance(error, SSEResponseError)
    assert error.body == body
    assert isinstance(error.reason, str) and error.reason


def test_json_parses_the_data() -> None:
    assert ServerSentEvent(data='{"a": [1, 2]}').json() == {"a": [1, 2]}
    assert ServerSentEvent(data="3").json(loads=lambda s: int(s) * 2) == 6


@pytest.mark.parametrize("data", ["", "{", "[DONE]", "nan?", "[" * 100_000])
def test_json_of_non_json_data_is_a_payload_error(data: str) -> None:
    event = ServerSentEvent(data=data)
    with pytest.raises(PayloadError) as info:
        event.json()
    assert info.value.data == data
    assert info.value.event is event
    assert info.value.__cause__ is not None


def test_read_start_stops_at_the_bound_and_keeps_a_broken_bodys_start() -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 1000

    assert read_start(endless(), (OSError,)) == (b"x" * ERROR_BODY_LIMIT, True)

    def broken() -> Iterator[bytes]:
        yield b"half"
        raise ConnectionResetError

    assert read_start(broken(), (OSError,)) == (b"half", True)
    assert read_start([b"a", b"b"], (OSError,)) == (b"ab", False)


def test_aread_start_is_the_same() -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"{}"
        raise ConnectionResetError

    assert asyncio.run(aread_start(broken(), (OSError,))) == (b"{}", True)
