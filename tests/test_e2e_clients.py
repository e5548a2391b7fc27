"""Real HTTP clients over loopback, through our adapters, against ``serve``'s server.

The server (``sse_codec._cli._serve``, the one ``python -m sse_codec serve`` runs)
sends each chunk as one HTTP/1.1 chunk and flushes it, so 1-byte chunking really
reaches each client's socket one byte at a time.  Every test checks the exact
events: the same as our decoder gives for the whole body at once.
"""

from __future__ import annotations

import asyncio
import http.client
import random
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest
import requests
from interop_events import encode_wide, expected_messages

from sse_codec import (
    ServerSentEvent,
    SSEDecoder,
    SSELimitError,
    aiter_events,
    iter_events,
)
from sse_codec._cli._serve import Plan, serving
from sse_codec._faults import FAULTS
from sse_codec.openai import ChatCompletionAccumulator, aiter_chunks, iter_chunks

FIXTURES = Path(__file__).parent / "fixtures"
CHAT = (FIXTURES / "openai-chat-tool-calls-parallel.sse").read_bytes()
WIDE = encode_wide()
# Has multi-byte UTF-8 characters to cut (CHAT is ASCII).
UTF8_CHAT = (FIXTURES / "openai-chat-json-mode-utf8.sse").read_bytes()
HEADERS = {"Accept": "text/event-stream"}

Sink = Callable[[ServerSentEvent], None]


# Each reader appends events to ``sink`` as they arrive, so a test can see what was
# delivered before a transport error.


def read_httpx(url: str, sink: Sink) -> None:
    with httpx.stream("GET", url, headers=HEADERS) as response:
        response.raise_for_status()
        for event in iter_events(response.iter_bytes()):
            sink(event)


def read_httpx_async(url: str, sink: Sink) -> None:
    async def main() -> None:
        async with httpx.AsyncClient() as client, client.stream("GET", url, headers=HEADERS) as r:
            r.raise_for_status()
            async for event in aiter_events(r.aiter_bytes()):
                sink(event)

    asyncio.run(main())


def read_aiohttp(url: str, sink: Sink) -> None:
    async def main() -> None:
        async with aiohttp.ClientSession() as session, session.get(url, headers=HEADERS) as r:
            r.raise_for_status()
            async for event in aiter_events(r.content.iter_any()):
                sink(event)

    asyncio.run(main())


def read_requests(url: str, sink: Sink) -> None:
    with requests.get(url, headers=HEADERS, stream=True, timeout=30) as response:
        response.raise_for_status()
        for event in iter_events(response.iter_content(chunk_size=None)):
            sink(event)


def read_urllib(url: str, sink: Sink) -> None:
    request = urllib.request.Request(url, headers=HEADERS)
    with urllib.request.urlopen(request, timeout=30) as response:
        for event in iter_events(iter(lambda: response.read1(65536), b"")):
            sink(event)


CLIENTS: dict[str, Callable[[str, Sink], None]] = {
    "httpx": read_httpx,
    "httpx-async": read_httpx_async,
    "aiohttp": read_aiohttp,
    "requests": read_requests,
    "urllib": read_urllib,
}

# What each client raises when the server drops the connection mid-body.
TRANSPORT_ERRORS: dict[str, type[BaseException] | tuple[type[BaseException], ...]] = {
    "httpx": httpx.RemoteProtocolError,
    "httpx-async": httpx.RemoteProtocolError,
    "aiohttp": aiohttp.ClientPayloadError,
    "requests": requests.exceptions.ChunkedEncodingError,
    "urllib": http.client.IncompleteRead,
}


def decode_all(data: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    return decoder.feed(data) + decoder.close()


def fetch(client: str, plan: Plan) -> list[ServerSentEvent]:
    events: list[ServerSentEvent] = []
    with serving(plan) as server:
        CLIENTS[client](server.url, events.append)
    return events


@pytest.mark.parametrize("chunk", [None, 1, 7, "random"])
@pytest.mark.parametrize("client", list(CLIENTS))
def test_client_reads_recorded_stream_exactly(client: str, chunk: int | str | None) -> None:
    assert fetch(client, Plan(CHAT, chunk=chunk, seed=11)) == decode_all(CHAT)


@pytest.mark.parametrize("chunk", [None, 1, "random"])
@pytest.mark.parametrize("client", list(CLIENTS))
def test_client_reads_every_kind_of_encoded_event(client: str, chunk: int | str | None) -> None:
    events = fetch(client, Plan(WIDE, chunk=chunk, seed=3))
    assert [(e.event, e.data, e.id or "") for e in events] == expected_messages()
    assert [e.retry for e in events if e.retry is not None] == [2500]


FAULTED = [
    "truncate",
    "truncate_mid_event",
    "truncate_mid_char",
    "truncate_before_done",
    "drop_done",
    "insert_error_event",
    "insert_invalid_utf8",
    "insert_comments",
    "duplicate_event",
    "reorder_events",
    "slow_drip",
]


@pytest.mark.parametrize("fault", FAULTED)
@pytest.mark.parametrize("client", list(CLIENTS))
def test_client_through_a_fault(client: str, fault: str) -> None:
    seed = 21
    body = UTF8_CHAT if fault == "truncate_mid_char" else CHAT
    pieces = FAULTS[fault](body, seed=random.Random(seed))
    damaged = b"".join(pieces)
    # slow_drip changes only the chunking (one byte each); the others the bytes.
    assert len(pieces) == len(body) if fault == "slow_drip" else damaged != body
    events = fetch(client, Plan(body, fault=FAULTS[fault], seed=seed))
    assert events == decode_all(damaged)


@pytest.mark.parametrize("client", list(CLIENTS))
def test_dropped_connection_raises_after_the_complete_events(client: str) -> None:
    seed = 4
    damaged = b"".join(FAULTS["truncate_mid_event"](CHAT, seed=random.Random(seed)))
    plan = Plan(CHAT, fault=FAULTS["truncate_mid_event"], chunk=64, seed=seed, drop=True)
    events: list[ServerSentEvent] = []
    with serving(plan) as server, pytest.raises(TRANSPORT_ERRORS[client]):
        CLIENTS[client](server.url, events.append)
    # Everything completed before the cut arrived; the cut event never did.
    assert events == decode_all(damaged)
    assert len(events) < len(decode_all(CHAT))


def test_oversized_event_hits_the_limit_over_http() -> None:
    seed = 2
    damaged = b"".join(FAULTS["insert_oversized_event"](CHAT, seed=random.Random(seed)))
    cut = damaged.index(b"data: xxxxxxxx")
    events: list[ServerSentEvent] = []
    plan = Plan(CHAT, fault=FAULTS["insert_oversized_event"], chunk=1 << 20, seed=seed)
    with serving(plan) as server, pytest.raises(SSELimitError) as info:
        read_httpx(server.url, events.append)
    assert info.value.limit_name == "max_line_size"
    assert events + [e for e in info.value.events if isinstance(e, ServerSentEvent)] == (
        decode_all(damaged[:cut])
    )


# -- the OpenAI layer over real clients ------------------------------------------------


def test_chat_stream_over_httpx_with_iter_chunks() -> None:
    accumulator = ChatCompletionAccumulator()
    with serving(Plan(CHAT, chunk=1)) as server, httpx.stream("GET", server.url) as response:
        chunks = list(iter_chunks(iter_events(response.iter_bytes()), accumulator=accumulator))
    assert len(chunks) == 25
    calls = accumulator.result().choices[0].message.tool_calls
    assert [(c.function.name, c.function.arguments) for c in calls] == [
        ("GetWeatherArgs", '{"city": "Edinburgh", "country": "GB", "units": "c"}'),
        ("get_stock_price", '{"ticker": "AAPL", "exchange": "NASDAQ"}'),
    ]


def test_chat_stream_over_aiohttp_with_aiter_chunks() -> None:
    body = (FIXTURES / "openrouter-comments-reasoning.sse").read_bytes()

    async def main(url: str) -> tuple[str | None, str | None]:
        accumulator = ChatCompletionAccumulator()
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            events = aiter_events(response.content.iter_any())
            async for _ in aiter_chunks(events, accumulator=accumulator):
                pass
        message = accumulator.result().choices[0].message
        return message.content, message.reasoning

    with serving(Plan(body, chunk="random", seed=9)) as server:
        content, reasoning = asyncio.run(main(server.url))
    assert content == "2 + 2 = 4"
    assert reasoning == "This is a simple arithmetic question. 2+2 equals 4."


# -- the server itself -------------------------------------------------------------------


def test_server_headers_and_request_limit() -> None:
    with serving(Plan(CHAT), max_requests=2) as server:
        for _ in range(2):
            response = httpx.get(server.url)
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
            assert response.headers["cache-control"] == "no-cache"
            assert response.content == CHAT
        # The limit is reached: the server stops once the last stream is done.
        assert server.finished.wait(10)


def _chunks_seen(url: str) -> Iterator[bytes]:
    with httpx.stream("GET", url) as response:
        yield from response.iter_raw()


def test_every_byte_arrives_with_one_byte_chunks() -> None:
    body = "data: \u00e9\U0001f389\r\n\r\n".encode()
    with serving(Plan(body, chunk=1)) as server:
        received = b"".join(_chunks_seen(server.url))
    assert received == body
