"""sse_codec.httpx (sync and async) and sse_codec.aiohttp against real loopback servers.

The server (``scripted_server.py``) sends ids and ``retry``, breaks connections at
chosen points (inside an event, between the CR and LF of a line end, between
events), resumes after the ``Last-Event-ID`` it receives, answers 204 at the end,
and can answer 401 with a JSON body, 500 or ``text/html`` instead.  Every event
must arrive exactly once and in order, each request must carry the right headers,
and the waits must follow ``retry`` (generous bounds: this is not a benchmark).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import pytest
from scripted_server import NO_CONTENT, Reply, Script, replies, scripted_server

from sse_codec import (
    TRANSIENT_STATUSES,
    ReconnectPolicy,
    ServerSentEvent,
    SSEConnectionError,
    SSEResponseError,
    encode,
)
from sse_codec._response import ERROR_BODY_LIMIT
from sse_codec.aiohttp import aconnect_sse as aiohttp_aconnect_sse
from sse_codec.httpx import aconnect_sse, connect_sse


@dataclass
class Run:
    """What one client run gave: the events, the error that ended it, if any."""

    events: list[ServerSentEvent] = field(default_factory=list)
    error: BaseException | None = None
    last_event_id: str = ""
    retry: int | None = None


# A client run: (url, connect_sse keyword arguments, stop after n events or None).
Client = Callable[[str, dict[str, Any], "int | None"], Run]


def run_httpx(url: str, options: dict[str, Any], stop_after: int | None = None) -> Run:
    run = Run()
    with httpx.Client(timeout=10) as client, connect_sse(client, "GET", url, **options) as source:
        try:
            for event in source.iter_sse():
                run.events.append(event)
                if len(run.events) == stop_after:
                    source.close()
        except Exception as exc:
            run.error = exc
        run.last_event_id, run.retry = source.last_event_id, source.retry
    return run


def run_httpx_async(url: str, options: dict[str, Any], stop_after: int | None = None) -> Run:
    async def main() -> Run:
        run = Run()
        async with httpx.AsyncClient(timeout=10) as client, aconnect_sse(
            client, "GET", url, **options
        ) as source:
            try:
                async for event in source.aiter_sse():
                    run.events.append(event)
                    if len(run.events) == stop_after:
                        source.close()
            except Exception as exc:
                run.error = exc
            run.last_event_id, run.retry = source.last_event_id, source.retry
        return run

    return asyncio.run(main())


def run_aiohttp(url: str, options: dict[str, Any], stop_after: int | None = None) -> Run:
    async def main() -> Run:
        run = Run()
        async with aiohttp.ClientSession() as session, aiohttp_aconnect_sse(
            session, "GET", url, **options
        ) as source:
            try:
                async for event in source.aiter_sse():
                    run.events.append(event)
                    if len(run.events) == stop_after:
                        source.close()
            except Exception as exc:
                run.error = exc
            run.last_event_id, run.retry = source.last_event_id, source.retry
        return run

    return asyncio.run(main())


CLIENTS: dict[str, Client] = {
    "httpx": run_httpx,
    "httpx-async": run_httpx_async,
    "aiohttp": run_aiohttp,
}


def run_case(client: str, script: Script, **options: Any) -> tuple[Run, list[Any]]:
    stop_after = options.pop("stop_after", None)
    with scripted_server({"s": script}) as server:
        run = CLIENTS[client](server.url("s"), options, stop_after)
        return run, server.requests("s")


# -- a server that resumes after Last-Event-ID and breaks connections at awkward points

EVENT_COUNT = 24


def _events() -> list[bytes]:
    out = []
    for n in range(1, EVENT_COUNT + 1):
        ending = "\r\n" if n % 2 else "\n"
        data = f"event {n}\nline two ü" if n % 3 else f"event {n}"
        event = "tick" if n % 4 == 0 else None
        out.append(encode(data, event=event, id=str(n), line_ending=ending))
    return out


EVENTS = _events()


def _cut_points(body: bytes, starts: list[int]) -> dict[str, list[int]]:
    inside_crlf = [i + 1 for i in range(len(body) - 1) if body[i : i + 2] == b"\r\n"]
    between = [s for s in starts if 0 < s < len(body)]
    inside = [i for i in range(1, len(body)) if i not in set(between) | set(inside_crlf)]
    return {"inside an event": inside, "inside a CRLF": inside_crlf, "between events": between}


def resuming_server(seed: int, drops: int, retry_ms: int = 60) -> Script:
    """Resumes after the Last-Event-ID; connection n < drops breaks at a random point."""
    rng = random.Random(seed)
    kinds = ["inside an event", "inside a CRLF", "between events"]

    def answer(index: int, last_event_id: str | None) -> Reply:
        start = int(last_event_id) if last_event_id else 0
        if start >= len(EVENTS):
            return NO_CONTENT
        head = b"retry: %d\n\n" % retry_ms if index == 0 else b""
        rest = EVENTS[start:]
        body = b"".join(rest)
        if index >= drops:
            return Reply(chunks=[head, body])
        starts, offset = [], 0
        for event in rest:
            starts.append(offset)
            offset += len(event)
        points = _cut_points(body, starts)
        kind = kinds[index % 3] if points[kinds[index % 3]] else "inside an event"
        cut = rng.choice(points[kind])
        return Reply(chunks=[head, body[:cut]], end="drop")

    return answer


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("client", list(CLIENTS))
def test_every_event_arrives_once_in_order_across_broken_connections(
    client: str, seed: int
) -> None:
    run, requests = run_case(client, resuming_server(seed, drops=6), reconnect=True)
    assert run.error is None
    expected = [event.id for event in (_decode(b"".join(EVENTS)))]
    assert [event.id for event in run.events] == expected
    assert [event.data for event in run.events] == [e.data for e in _decode(b"".join(EVENTS))]
    # 6 broken connections, one that ends normally, then the 204.
    assert len(requests) == 8
    assert requests[0].last_event_id is None
    assert requests[-1].last_event_id == str(EVENT_COUNT)
    for request in requests:
        assert request.accept == "text/event-stream"
        assert request.cache_control == "no-store"
    # The server's retry (60 ms) sets every wait; generous upper bound, no benchmark.
    gaps = [b.at - a.at for a, b in itertools.pairwise(requests)]
    assert all(0.05 <= gap < 5 for gap in gaps), gaps
    assert run.retry == 60
    assert run.last_event_id == str(EVENT_COUNT)


def _decode(body: bytes) -> list[ServerSentEvent]:
    from sse_codec import SSEDecoder

    decoder = SSEDecoder()
    return decoder.feed(body) + decoder.close()


@pytest.mark.parametrize("client", list(CLIENTS))
def test_a_new_retry_value_sets_the_next_waits(client: str) -> None:
    script = replies(
        Reply(chunks=[b"retry: 20\n\nid: 1\ndata: a\n\n"]),
        Reply(chunks=[b"retry: 300\n\nid: 2\ndata: b\n\n"]),
        Reply(chunks=[b"id: 3\ndata: c\n\n"]),
    )
    run, requests = run_case(client, script, reconnect=True)
    assert [e.data for e in run.events] == ["a", "b", "c"]
    assert [r.last_event_id for r in requests] == [None, "1", "2", "3"]
    gaps = [b.at - a.at for a, b in itertools.pairwise(requests)]
    # Lower bounds only (a loaded machine may be slow, never early): 20 ms, then
    # 300 ms once the second connection set it.
    assert 0.015 <= gaps[0] < 5, gaps
    assert all(0.28 <= gap < 5 for gap in gaps[1:]), gaps


# -- responses that are not event streams


def _json_401() -> Reply:
    body = b'{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}'
    return Reply(status=401, content_type="application/json", chunks=[body])


@pytest.mark.parametrize("reconnect", [False, True])
@pytest.mark.parametrize("client", list(CLIENTS))
def test_401_with_json_body_is_a_typed_error_with_the_reason(client: str, reconnect: bool) -> None:
    run, requests = run_case(client, replies(_json_401()), reconnect=reconnect)
    assert run.events == []
    error = run.error
    assert isinstance(error, SSEResponseError)
    assert error.status == 401
    assert error.reason == "Incorrect API key provided"
    assert error.json == {
        "error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}
    }
    assert error.content_type == "application/json"
    assert ("content-type", "application/json") in error.headers
    assert "401" in str(error) and "Incorrect API key provided" in str(error)
    assert len(requests) == 1


@pytest.mark.parametrize(
    ("reply", "status", "reason"),
    [
        (Reply(status=500, content_type="text/plain", chunks=[b"oops"]), 500, "oops"),
        (Reply(content_type="text/html", chunks=[b"<html>404</html>"]), 200, "<html>404</html>"),
        (Reply(status=404, content_type="text/html", chunks=[]), 404, "empty body"),
    ],
)
@pytest.mark.parametrize("client", list(CLIENTS))
def test_other_refusals_end_the_stream_for_good(
    client: str, reply: Reply, status: int, reason: str
) -> None:
    # After a good connection: the refusal ends it, with no further request.
    script = replies(Reply(chunks=[b"retry: 10\nid: 1\ndata: a\n\n"]), reply)
    run, requests = run_case(client, script, reconnect=True)
    assert [e.data for e in run.events] == ["a"]
    assert isinstance(run.error, SSEResponseError)
    assert (run.error.status, run.error.reason) == (status, reason)
    assert run.error.json is None
    assert len(requests) == 2


@pytest.mark.parametrize("client", list(CLIENTS))
def test_a_refused_body_is_read_only_up_to_the_bound(client: str) -> None:
    huge = [b"x" * 65536] * 64  # 4 MiB that must not be read into memory
    run, _ = run_case(client, replies(Reply(status=502, content_type="text/html", chunks=huge)))
    assert isinstance(run.error, SSEResponseError)
    assert run.error.body == b"x" * ERROR_BODY_LIMIT
    assert run.error.body_truncated
    assert run.error.reason.endswith("...")


@pytest.mark.parametrize("reconnect", [False, True])
@pytest.mark.parametrize("client", list(CLIENTS))
def test_204_ends_the_stream_without_error(client: str, reconnect: bool) -> None:
    run, requests = run_case(client, replies(), reconnect=reconnect)
    assert (run.events, run.error, len(requests)) == ([], None, 1)


# -- the policy's options, through the adapters


@pytest.mark.parametrize("client", list(CLIENTS))
def test_transient_statuses_are_retried_when_asked(client: str) -> None:
    script = replies(
        Reply(status=503, content_type="application/json", chunks=[b'{"error": "busy"}']),
        Reply(status=429, content_type="text/plain", headers=[("Retry-After", "0")]),
        Reply(status=529, content_type="application/json", chunks=[b"{}"]),
        Reply(chunks=[b"id: 1\ndata: a\n\n"]),
    )
    policy = ReconnectPolicy(retry=0.02, retry_statuses=TRANSIENT_STATUSES)
    run, requests = run_case(client, script, reconnect=policy)
    assert run.error is None
    assert [e.data for e in run.events] == ["a"]
    assert [r.last_event_id for r in requests] == [None, None, None, None, "1"]
    gaps = [b.at - a.at for a, b in itertools.pairwise(requests)]
    # Backoff: the 2nd and 3rd consecutive failures may add up to 1x and 3x retry.
    assert all(0.015 <= gap < 5 for gap in gaps), gaps


@pytest.mark.parametrize("client", list(CLIENTS))
def test_the_policy_gives_up_after_max_attempts(client: str) -> None:
    busy = Reply(status=503, content_type="text/plain", chunks=[b"busy"])

    def always_busy(index: int, last: str | None) -> Reply:
        return busy

    policy = ReconnectPolicy(
        retry=0.01, retry_statuses=frozenset({503}), max_attempts=3, max_backoff=0.05
    )
    run, requests = run_case(client, always_busy, reconnect=policy)
    assert isinstance(run.error, SSEConnectionError)
    assert run.error.attempts == 3
    assert isinstance(run.error.__cause__, SSEResponseError)
    assert run.error.__cause__.status == 503
    assert len(requests) == 3


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("client", list(CLIENTS))
def test_no_server_at_all_gives_up_with_the_transport_error_as_cause(client: str) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/"
    policy = ReconnectPolicy(retry=0.01, max_attempts=2)
    with pytest.raises(SSEConnectionError) as info:
        CLIENTS[client](url, {"reconnect": policy}, None)
    assert info.value.attempts == 2
    assert isinstance(info.value.__cause__, httpx.ConnectError | aiohttp.ClientConnectionError)


@pytest.mark.parametrize("client", list(CLIENTS))
def test_close_stops_at_the_end_of_the_current_connection(client: str) -> None:
    script = replies(
        Reply(chunks=[b"retry: 10\nid: 1\ndata: a\n\nid: 2\ndata: b\n\n"]),
        Reply(chunks=[b"id: 3\ndata: c\n\n"]),
    )
    run, requests = run_case(client, script, reconnect=True, stop_after=1)
    assert [e.data for e in run.events] == ["a", "b"]
    assert run.error is None
    assert len(requests) == 1


@pytest.mark.parametrize("client", list(CLIENTS))
def test_last_event_id_seeds_the_first_request_and_its_events(client: str) -> None:
    script = replies(Reply(chunks=[b"retry: 10\ndata: a\n\n"]))
    run, requests = run_case(client, script, reconnect=True, last_event_id="41")
    assert [(e.data, e.id) for e in run.events] == [("a", "41")]
    assert [r.last_event_id for r in requests] == ["41", "41"]


@pytest.mark.parametrize("client", list(CLIENTS))
def test_without_reconnect_a_broken_connection_raises_the_clients_error(client: str) -> None:
    script = replies(Reply(chunks=[b"id: 1\ndata: a\n\nid: 2\ndata: b"], end="drop"))
    run, requests = run_case(client, script)
    assert [e.data for e in run.events] == ["a"]
    assert isinstance(run.error, httpx.RemoteProtocolError | aiohttp.ClientPayloadError)
    assert run.last_event_id == "1"
    assert len(requests) == 1


def test_caller_headers_are_sent_and_not_modified() -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, headers={"Content-Type": "text/event-stream"}, content=b"")

    headers = {"Authorization": "Bearer k", "Accept": "application/json"}
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        with connect_sse(client, "GET", "http://test/", headers=headers) as source:
            assert list(source.iter_sse()) == []
        with connect_sse(client, "GET", "http://test/", headers=headers, last_event_id="é") as s:
            assert list(s.iter_sse()) == []
    assert headers == {"Authorization": "Bearer k", "Accept": "application/json"}
    assert seen[0]["authorization"] == "Bearer k"
    assert seen[0]["accept"] == "text/event-stream"
    assert seen[0]["cache-control"] == "no-store"
    assert "last-event-id" not in seen[0]
    assert (b"Last-Event-ID", "é".encode()) in seen[1].raw  # UTF-8, as the spec says


def test_reconnect_must_be_a_bool_or_a_policy() -> None:
    with httpx.Client() as client, pytest.raises(TypeError):  # noqa: SIM117
        with connect_sse(client, "GET", "http://127.0.0.1:1/", reconnect="yes"):  # type: ignore[arg-type]
            pass


@pytest.mark.parametrize("client", list(CLIENTS))
def test_an_id_the_client_cannot_send_ends_with_a_typed_error(client: str) -> None:
    # h11 (under httpx) refuses a vertical tab in a header value, aiohttp any
    # control character: retrying cannot help, so the stream ends, typed.
    script = replies(Reply(chunks=[b"retry: 10\nid: a\x0bb\ndata: a\n\n"]))
    run, requests = run_case(client, script, reconnect=True)
    assert [(e.data, e.id) for e in run.events] == [("a", "a\x0bb")]
    assert isinstance(run.error, SSEConnectionError)
    assert run.error.last_event_id == "a\x0bb"
    assert len(requests) == 1


@pytest.mark.parametrize("client", list(CLIENTS))
def test_last_event_id_seeds_a_stream_without_reconnect_too(client: str) -> None:
    script = replies(Reply(chunks=[b"data: a\n\nid: 2\ndata: b\n\n"]))
    run, requests = run_case(client, script, last_event_id="1")
    assert [(e.data, e.id) for e in run.events] == [("a", "1"), ("b", "2")]
    assert [r.last_event_id for r in requests] == ["1"]
    assert run.last_event_id == "2"


@pytest.mark.parametrize("client", list(CLIENTS))
def test_leaving_the_loop_stops_at_once(client: str) -> None:
    script = replies(Reply(chunks=[b"retry: 10\ndata: a\n\n", b"data: b\n\n"], end="drop"))

    def first_only(url: str) -> list[str]:
        async def amain() -> list[str]:
            if client == "aiohttp":
                async with aiohttp.ClientSession() as session, aiohttp_aconnect_sse(
                    session, "GET", url, reconnect=True
                ) as source:
                    async for event in source.aiter_sse():
                        return [event.data]
            async with httpx.AsyncClient() as aclient, aconnect_sse(
                aclient, "GET", url, reconnect=True
            ) as asource:
                async for event in asource.aiter_sse():
                    return [event.data]
            return []

        if client != "httpx":
            return asyncio.run(amain())
        with httpx.Client() as sclient, connect_sse(sclient, "GET", url, reconnect=True) as s:
            for event in s.iter_sse():
                return [event.data]
        return []

    with scripted_server({"s": script}) as server:
        assert first_only(server.url("s")) == ["a"]
        time.sleep(0.1)  # a reconnection would come after 10 ms
        assert len(server.requests("s")) == 1


def test_close_from_another_thread_ends_a_long_wait() -> None:
    # The server asks for a 30 s wait; close() from another thread cuts it short.
    script = replies(Reply(chunks=[b"retry: 30000\ndata: a\n\n"]))
    with scripted_server({"s": script}) as server, httpx.Client() as client:
        with connect_sse(client, "GET", server.url("s"), reconnect=True) as source:
            timer = threading.Timer(0.2, source.close)
            timer.start()
            started = time.monotonic()
            assert [e.data for e in source.iter_sse()] == ["a"]
            assert time.monotonic() - started < 10
            timer.join()
        assert len(server.requests("s")) == 1
