"""sse_codec.asgi / sse_codec.starlette: the event-stream response.

The first half drives the response with an in-process ASGI harness (exact message
order, no timing luck); the second serves it with uvicorn and hypercorn on
127.0.0.1, as a bare ASGI app, from Starlette and from FastAPI, and reads it with
httpx and aiohttp through sse-codec's decoder.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import aiohttp
import httpx
import pytest
from asgi_servers import (
    FRONTENDS,
    MIXED,
    MIXED_EVENTS,
    Running,
    record,
    serve_hypercorn,
    serve_uvicorn,
)
from hypothesis import given
from hypothesis import strategies as st

from sse_codec import (
    KEEP_ALIVE,
    Comment,
    ServerSentEvent,
    SSEDecoder,
    SSEEncodeError,
    aiter_events,
    encode,
    encode_comment,
    iter_events,
)
from sse_codec.asgi import DEFAULT_HEADERS, EventStreamResponse, encode_item, last_event_id

# Bounds every wait on a server; a healthy run takes a fraction of it.
WAIT = 10.0


# -- an in-process ASGI harness ----------------------------------------------------


class Harness:
    """Calls a response as a server would, recording what it sends.

    ``disconnect()`` makes the pending ``receive()`` return ``http.disconnect``;
    ``block_sends`` makes every body send wait forever (a client that stopped reading).
    """

    def __init__(self, *, http_version: str = "1.1", method: str = "GET") -> None:
        self.scope: dict[str, Any] = {
            "type": "http",
            "http_version": http_version,
            "method": method,
            "path": "/",
            "headers": [],
        }
        self.sent: list[dict[str, Any]] = []
        self.times: list[float] = []
        self._disconnected = asyncio.Event()
        self.block_sends = False

    async def receive(self) -> dict[str, Any]:
        await self._disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Any) -> None:
        if self.block_sends and message["type"] == "http.response.body":
            await asyncio.Event().wait()
        self.sent.append(dict(message))
        self.times.append(time.monotonic())

    def disconnect(self) -> None:
        self._disconnected.set()

    @property
    def bodies(self) -> list[bytes]:
        return [m["body"] for m in self.sent if m["type"] == "http.response.body"]

    @property
    def complete(self) -> bool:
        last = self.sent[-1]
        return last["type"] == "http.response.body" and not last["more_body"]

    def headers(self) -> dict[bytes, bytes]:
        return dict(self.sent[0]["headers"])


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, WAIT))


def decoded(bodies: list[bytes]) -> list[ServerSentEvent | Comment]:
    decoder = SSEDecoder()
    items = decoder.feed_items(b"".join(bodies))
    return [*items, *decoder.close_items()]


async def agen(*items: Any, delay: float = 0.0) -> AsyncIterator[Any]:
    for item in items:
        if delay:
            await asyncio.sleep(delay)
        yield item


def test_every_kind_of_item_is_encoded_and_the_body_ends() -> None:
    h = Harness()
    response = EventStreamResponse(agen(*MIXED))
    run(response(h.scope, h.receive, h.send))
    assert h.sent[0]["type"] == "http.response.start"
    assert h.sent[0]["status"] == 200
    assert h.complete
    events = [i for i in decoded(h.bodies) if isinstance(i, ServerSentEvent)]
    assert events == MIXED_EVENTS
    assert Comment("a comment is not an event") in decoded(h.bodies)
    assert response.ended == "complete"


def test_headers_by_default_and_overridden() -> None:
    h = Harness()
    run(EventStreamResponse([])(h.scope, h.receive, h.send))
    assert h.headers() == {
        b"content-type": b"text/event-stream; charset=utf-8",
        b"cache-control": b"no-cache",
        b"x-accel-buffering": b"no",
        b"connection": b"keep-alive",
    }
    h2 = Harness(http_version="2")
    response = EventStreamResponse([], headers={"Cache-Control": "no-store", "X-Extra": "1"})
    run(response(h2.scope, h2.receive, h2.send))
    # HTTP/2 forbids connection headers; the app's value replaces the default.
    assert h2.headers() == {
        b"content-type": DEFAULT_HEADERS["content-type"].encode(),
        b"cache-control": b"no-store",
        b"x-accel-buffering": b"no",
        b"x-extra": b"1",
    }
    h3 = Harness()
    run(EventStreamResponse([], headers={"Connection": "close"})(h3.scope, h3.receive, h3.send))
    assert h3.headers()[b"connection"] == b"close"
    # The client asked to close: the server says so, and no keep-alive contradicts it.
    h4 = Harness()
    h4.scope["headers"] = [(b"Connection", b"Close")]
    run(EventStreamResponse([])(h4.scope, h4.receive, h4.send))
    assert b"connection" not in h4.headers()
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        EventStreamResponse([], headers={"X-Evil": "a\r\nSet-Cookie: x"})


def test_head_gets_headers_and_an_empty_body_without_reading_the_source() -> None:
    pulled: list[int] = []

    async def source() -> AsyncIterator[str]:
        pulled.append(1)
        yield "never"

    h = Harness(method="HEAD")
    run(EventStreamResponse(source())(h.scope, h.receive, h.send))
    assert h.bodies == [b""]
    assert h.complete
    assert pulled == []


def test_a_sync_source_is_read_in_a_worker_thread() -> None:
    threads: list[int] = []

    def source() -> Iterator[str]:
        for n in range(3):
            threads.append(threading.get_ident())
            yield f"n{n}"

    h = Harness()
    run(EventStreamResponse(source())(h.scope, h.receive, h.send))
    assert [e.data for e in decoded(h.bodies) if isinstance(e, ServerSentEvent)] == [
        "n0",
        "n1",
        "n2",
    ]
    assert threading.get_ident() not in threads


def test_keep_alive_fills_silence_between_events_only() -> None:
    h = Harness()
    response = EventStreamResponse(agen("a", "b", delay=0.35), keep_alive=0.1)
    run(response(h.scope, h.receive, h.send))
    bodies = h.bodies
    assert bodies.count(KEEP_ALIVE) >= 4  # about three in each 0.35 s gap
    # Each write is one whole item: keep-alives sit between events, never inside one.
    assert [b for b in bodies if b != KEEP_ALIVE] == [b"data: a\n\n", b"data: b\n\n", b""]
    assert [e.data for e in decoded(bodies) if isinstance(e, ServerSentEvent)] == ["a", "b"]


def test_keep_alive_comment_is_configurable_and_can_be_off() -> None:
    h = Harness()
    ping = encode_comment("ping")
    run(
        EventStreamResponse(agen("a", delay=0.25), keep_alive=0.1, keep_alive_comment=ping)(
            h.scope, h.receive, h.send
        )
    )
    assert ping in h.bodies
    assert KEEP_ALIVE not in h.bodies
    h2 = Harness()
    run(EventStreamResponse(agen("a", delay=0.25), keep_alive=None)(h2.scope, h2.receive, h2.send))
    assert h2.bodies == [b"data: a\n\n", b""]


@pytest.mark.parametrize(
    "bad",
    [b"data: x\n\n", b": ok\ndata: x\n\n", b"retry: 5\n\n", b": no line end", b"", b"id: 1\n"],
)
def test_a_keep_alive_that_is_not_only_comments_is_refused(bad: bytes) -> None:
    with pytest.raises(SSEEncodeError) as info:
        EventStreamResponse([], keep_alive_comment=bad)
    assert info.value.field == "keep_alive_comment"


def test_bad_timeouts_and_sources_are_refused() -> None:
    with pytest.raises(ValueError, match="keep_alive"):
        EventStreamResponse([], keep_alive=0)
    with pytest.raises(ValueError, match="send_timeout"):
        EventStreamResponse([], send_timeout=-1)
    with pytest.raises(TypeError, match="iterable"):
        EventStreamResponse(42)  # type: ignore[arg-type]
    with pytest.raises(SSEEncodeError):
        EventStreamResponse([], shutdown_message={"id": "a\nb"})


def test_disconnect_interrupts_the_source_runs_its_cleanup_and_calls_back() -> None:
    steps: list[str] = []
    reasons: list[str] = []

    async def source() -> AsyncIterator[str]:
        try:
            yield "one"
            await asyncio.sleep(60)  # an upstream that has nothing yet
            yield "never"
        except asyncio.CancelledError:
            steps.append("cancelled")
            raise
        finally:
            steps.append("finally")

    async def main() -> EventStreamResponse:
        h = Harness()
        response = EventStreamResponse(source(), on_disconnect=reasons.append)
        task = asyncio.create_task(response(h.scope, h.receive, h.send))
        while not h.bodies:
            await asyncio.sleep(0.01)
        h.disconnect()
        await task
        assert h.bodies == [b"data: one\n\n"]
        return response

    response = run(main())
    assert steps == ["cancelled", "finally"]
    assert reasons == ["disconnect"]
    assert response.ended == "disconnect"


def test_a_source_that_swallows_the_cancel_is_still_stopped_and_closed() -> None:
    closed: list[bool] = []

    async def source() -> AsyncIterator[str]:
        try:
            while True:
                with contextlib.suppress(asyncio.CancelledError):  # a badly behaved source
                    await asyncio.sleep(60)
                yield "after the cancel"
        finally:
            closed.append(True)

    async def main() -> None:
        h = Harness()
        response = EventStreamResponse(source())
        task = asyncio.create_task(response(h.scope, h.receive, h.send))
        await asyncio.sleep(0.05)
        h.disconnect()
        await task
        assert h.bodies == []
        assert response.ended == "disconnect"

    run(main())
    assert closed == [True]


def test_a_disconnect_while_a_sync_source_blocks_closes_it_after_its_call() -> None:
    release = threading.Event()
    closed = threading.Event()

    def source() -> Iterator[str]:
        try:
            yield "one"
            release.wait(WAIT)  # blocking, in its worker thread
            yield "two"
        finally:
            closed.set()

    async def main() -> None:
        h = Harness()
        response = EventStreamResponse(source())
        task = asyncio.create_task(response(h.scope, h.receive, h.send))
        while not h.bodies:
            await asyncio.sleep(0.01)
        h.disconnect()
        await task  # returns at once; the generator is still in its call
        assert not closed.is_set()
        release.set()
        await asyncio.get_running_loop().run_in_executor(None, closed.wait, WAIT)
        assert response.ended == "disconnect"

    run(main())
    assert closed.is_set()


def test_send_timeout_ends_a_stream_whose_client_stopped_reading() -> None:
    closed: list[bool] = []
    reasons: list[str] = []

    async def source() -> AsyncIterator[str]:
        try:
            while True:
                yield "x"
        finally:
            closed.append(True)

    async def main() -> EventStreamResponse:
        h = Harness()
        h.block_sends = True
        response = EventStreamResponse(source(), send_timeout=0.2, on_disconnect=reasons.append)
        await response(h.scope, h.receive, h.send)
        return response

    assert run(main()).ended == "send_timeout"
    assert closed == [True]
    assert reasons == ["send_timeout"]


def test_send_timeout_also_bounds_a_keep_alive_write() -> None:
    async def main() -> EventStreamResponse:
        h = Harness()
        h.block_sends = True
        response = EventStreamResponse(agen(delay=60), keep_alive=0.05, send_timeout=0.2)
        await response(h.scope, h.receive, h.send)
        return response

    assert run(main()).ended == "send_timeout"


def test_a_server_cancel_ends_the_body_with_the_shutdown_message() -> None:
    closed: list[bool] = []

    async def source() -> AsyncIterator[str]:
        try:
            yield "one"
            await asyncio.sleep(60)
        finally:
            closed.append(True)

    async def main() -> Harness:
        h = Harness()
        bye = ServerSentEvent(data="come back later", event="shutdown", retry=5000)
        response = EventStreamResponse(source(), shutdown_message=bye)
        task = asyncio.create_task(response(h.scope, h.receive, h.send))
        while not h.bodies:
            await asyncio.sleep(0.01)
        task.cancel()
        await task  # returns normally: no CancelledError escapes to the server
        assert response.ended == "shutdown"
        return h

    h = run(main())
    assert closed == [True]
    assert h.bodies == [
        b"data: one\n\n",
        b"event: shutdown\nretry: 5000\ndata: come back later\n\n",
        b"",
    ]


def test_an_error_in_the_source_propagates_after_closing_it() -> None:
    async def source() -> AsyncIterator[str]:
        yield "one"
        raise RuntimeError("upstream failed")

    h = Harness()
    with pytest.raises(RuntimeError, match="upstream failed"):
        run(EventStreamResponse(source())(h.scope, h.receive, h.send))
    assert not h.complete  # the server aborts it: no clean end for a broken stream


def test_an_item_the_encoder_refuses_stops_the_stream_with_sse_encode_error() -> None:
    closed: list[bool] = []

    async def source() -> AsyncIterator[Any]:
        try:
            yield {"data": "ok", "id": "1"}
            yield {"data": "x", "event": "a\ndata: injected"}
            yield "never"
        finally:
            closed.append(True)

    h = Harness()
    with pytest.raises(SSEEncodeError) as info:
        run(EventStreamResponse(source())(h.scope, h.receive, h.send))
    assert info.value.field == "event"
    assert h.bodies == [b"id: 1\ndata: ok\n\n"]
    assert closed == [True]


def test_the_response_serves_http_only() -> None:
    h = Harness()
    h.scope["type"] = "websocket"
    with pytest.raises(ValueError, match="websocket"):
        run(EventStreamResponse([])(h.scope, h.receive, h.send))


def test_items_ready_together_are_written_together_and_none_waits() -> None:
    async def source() -> AsyncIterator[str]:
        yield "1"
        yield "2"
        yield "3"
        await asyncio.sleep(0.3)
        yield "4"
        yield "5"

    h = Harness()
    start = time.monotonic()
    run(EventStreamResponse(source())(h.scope, h.receive, h.send))
    assert h.bodies == [b"data: 1\n\ndata: 2\n\ndata: 3\n\n", b"data: 4\n\ndata: 5\n\n", b""]
    # The first three were written before the source's wait, not after it.
    assert h.times[1] - start < 0.25


def test_a_write_holds_at_most_32_ready_items() -> None:
    h = Harness()
    run(EventStreamResponse(agen(*(str(n) for n in range(100))))(h.scope, h.receive, h.send))
    counts = [body.count(b"\n\n") for body in h.bodies]
    assert counts == [32, 32, 32, 4, 0]


class FutureIterator:
    """An async iterator whose ``__anext__`` returns a Future (cannot be stepped)."""

    def __init__(self, items: list[str]) -> None:
        self.items = items

    def __aiter__(self) -> FutureIterator:
        return self

    def __anext__(self) -> asyncio.Future[str]:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        if self.items:
            future.set_result(self.items.pop(0))
        else:
            future.set_exception(StopAsyncIteration())
        return future


class CoroutineIterator:
    """An async iterator class with an ``async def __anext__`` that sometimes waits."""

    def __init__(self, n: int) -> None:
        self.n = 0
        self.end = n

    def __aiter__(self) -> CoroutineIterator:
        return self

    async def __anext__(self) -> str:
        if self.n == self.end:
            raise StopAsyncIteration
        self.n += 1
        if self.n % 2:
            await asyncio.sleep(0)
        return f"c{self.n}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (lambda: FutureIterator(["a", "b"]), ["a", "b"]),
        (lambda: CoroutineIterator(4), ["c1", "c2", "c3", "c4"]),
    ],
)
def test_async_iterators_that_are_not_generators(source: Any, expected: list[str]) -> None:
    h = Harness()
    run(EventStreamResponse(source())(h.scope, h.receive, h.send))
    assert [e.data for e in decoded(h.bodies) if isinstance(e, ServerSentEvent)] == expected


def test_a_disconnect_during_a_write_stops_the_waiting_source_so_it_closes() -> None:
    steps: list[str] = []

    async def source() -> AsyncIterator[str]:
        try:
            yield "one"
            await asyncio.sleep(60)  # stepped, waiting, while "one" is being written
            yield "never"
        except asyncio.CancelledError:
            steps.append("cancelled")
            raise
        finally:
            steps.append("finally")

    async def main() -> EventStreamResponse:
        h = Harness()
        h.block_sends = True
        response = EventStreamResponse(source())
        task = asyncio.create_task(response(h.scope, h.receive, h.send))
        await asyncio.sleep(0.05)
        h.disconnect()
        await task
        return response

    assert run(main()).ended == "disconnect"
    assert steps == ["cancelled", "finally"]


def test_items_ready_before_a_source_error_are_written() -> None:
    async def source() -> AsyncIterator[str]:
        yield "a"
        yield "b"
        raise RuntimeError("upstream failed")

    h = Harness()
    with pytest.raises(RuntimeError, match="upstream failed"):
        run(EventStreamResponse(source())(h.scope, h.receive, h.send))
    assert h.bodies == [b"data: a\n\ndata: b\n\n"]


# -- encode_item and last_event_id ---------------------------------------------------


def test_encode_item_rules() -> None:
    assert encode_item(b"data: raw\n\n") == b"data: raw\n\n"
    assert encode_item(bytearray(b": c\n")) == b": c\n"
    assert encode_item(memoryview(b"data: m\n\n")) == b"data: m\n\n"
    assert encode_item("text") == b"data: text\n\n"
    assert encode_item(Comment("hi")) == b": hi\n"
    assert encode_item({"data": "d", "retry": 10}) == encode("d", retry=10)
    assert encode_item(ServerSentEvent(event="e", data="d")) == b"event: e\ndata: d\n\n"

    class Text(str):
        pass

    assert encode_item(Text("sub")) == b"data: sub\n\n"
    with pytest.raises(SSEEncodeError, match="not an event field") as info:
        encode_item({"data": "x", "Event": "y"})
    assert info.value.field == "Event"
    with pytest.raises(SSEEncodeError, match="not int") as info:
        encode_item(42)  # type: ignore[arg-type]
    assert info.value.field == "item"
    with pytest.raises(SSEEncodeError):
        encode_item({"retry": True})


TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["a\nb", "a\rb", "a\r\nb", "\n\ndata: evil", "x\x00y", "event: z"]
)


@given(data=TEXT, event=st.none() | TEXT, id=st.none() | TEXT)
def test_attacker_controlled_fields_never_add_fields_or_events(
    data: str, event: str | None, id: str | None
) -> None:
    try:
        body = encode_item({"data": data, "event": event, "id": id})
    except SSEEncodeError:
        assert any(v is not None and ("\n" in v or "\r" in v) for v in (event, id)) or (
            id is not None and "\x00" in id
        )
        return
    decoder = SSEDecoder()
    events = decoder.feed(body)
    assert len(events) == 1
    expected_data = data.replace("\r\n", "\n").replace("\r", "\n")
    assert events[0] == ServerSentEvent(event=event or "message", data=expected_data, id=id or None)


def test_last_event_id_from_a_scope() -> None:
    def scope(*headers: tuple[bytes, bytes]) -> dict[str, Any]:
        return {"type": "http", "headers": list(headers)}

    assert last_event_id(scope()) is None
    assert last_event_id(scope((b"last-event-id", b""))) is None
    assert last_event_id(scope((b"Last-Event-ID", b"42"))) == "42"
    assert last_event_id(scope((b"last-event-id", "\u00e9t\u00e9".encode()))) == "\u00e9t\u00e9"
    # Not UTF-8: replaced, never an exception from a client's bytes.
    assert last_event_id(scope((b"last-event-id", b"\xff7"))) == "\ufffd7"

    class Request:
        def __init__(self) -> None:
            self.scope = scope((b"last-event-id", b"9"))

    assert last_event_id(Request()) == "9"


# -- real servers, real clients -----------------------------------------------------

SERVERS: dict[str, Callable[..., AbstractContextManager[Running]]] = {
    "uvicorn": serve_uvicorn,
    "hypercorn": serve_hypercorn,
}


@pytest.fixture(scope="module", params=list(SERVERS))
def server(request: pytest.FixtureRequest) -> Iterator[Running]:
    with SERVERS[request.param]() as running:
        yield running


def httpx_items(url: str, headers: dict[str, str] | None = None) -> list[Any]:
    decoder = SSEDecoder()
    with httpx.stream("GET", url, headers=headers, timeout=WAIT) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        assert response.headers["connection"] == "keep-alive"
        items = [i for chunk in response.iter_bytes() for i in decoder.feed_items(chunk)]
    return [*items, *decoder.close_items()]


def aiohttp_events(url: str) -> list[ServerSentEvent]:
    async def main() -> list[ServerSentEvent]:
        timeout = aiohttp.ClientTimeout(total=WAIT)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url) as response,
        ):
            assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
            return [e async for e in aiter_events(response.content.iter_any())]

    return asyncio.run(main())


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_the_same_events_arrive_over_httpx_and_aiohttp(server: Running, frontend: str) -> None:
    url = f"{server.url}/{frontend}/mixed"
    items = httpx_items(url)
    assert [i for i in items if isinstance(i, ServerSentEvent)] == MIXED_EVENTS
    assert Comment("a comment is not an event") in items
    assert aiohttp_events(url) == MIXED_EVENTS


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_keep_alives_arrive_on_an_idle_stream_and_are_not_events(
    server: Running, frontend: str
) -> None:
    items = httpx_items(f"{server.url}/{frontend}/idle")
    events = [i for i in items if isinstance(i, ServerSentEvent)]
    assert events == [ServerSentEvent(data="before", id="a"), ServerSentEvent(data="after", id="b")]
    # 0.6 s of silence with keep_alive=0.1: several keep-alives, all between the events.
    assert items[0] == events[0] and items[-1] == events[1]
    assert items[1:-1].count(Comment("keep-alive")) >= 3
    assert all(i == Comment("keep-alive") for i in items[1:-1])


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_last_event_id_reaches_the_endpoint(server: Running, frontend: str) -> None:
    tag = f"resume-{frontend}-{server.url}"
    httpx_items(f"{server.url}/{frontend}/mixed?tag={tag}", headers={"Last-Event-ID": "41"})
    httpx_items(f"{server.url}/{frontend}/mixed?tag={tag}")
    assert record(tag).last_event_id == ["41", None]


def _server_state(server: Running) -> tuple[int, int]:
    async def count() -> tuple[int, int]:
        gc.collect()
        streams = sum(1 for o in gc.get_objects() if type(o).__name__ == "_Stream")
        return len(asyncio.all_tasks()), streams

    result: tuple[int, int] = server.call(count)
    return result


def _settle(server: Running, baseline: tuple[int, int]) -> tuple[int, int]:
    # Back to where it was: no more tasks than before (connections of earlier
    # tests may close meanwhile), and no more stream objects.
    deadline = time.monotonic() + WAIT
    state = _server_state(server)
    while (state[0] > baseline[0] or state[1] > baseline[1]) and time.monotonic() < deadline:
        time.sleep(0.05)
        state = _server_state(server)
    return state


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_a_client_that_disconnects_mid_stream(server: Running, frontend: str) -> None:
    baseline = _server_state(server)
    tags = [f"gone-{frontend}-{server.url}-{n}" for n in range(5)]
    for tag in tags:
        with (
            httpx.Client(timeout=WAIT) as client,
            client.stream("GET", f"{server.url}/{frontend}/endless?tag={tag}") as response,
        ):
            for n, event in enumerate(iter_events(response.iter_bytes())):
                assert event.data == f"tick {n}"
                if n == 3:
                    break
    for tag in tags:
        assert record(tag).cleaned_up.wait(WAIT), "the source's finally did not run"
    deadline = time.monotonic() + WAIT
    while any(not record(t).ended for t in tags) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(record(t).ended == ["disconnect"] for t in tags)
    # No task and no stream object is left behind.
    tasks, streams = _settle(server, baseline)
    assert tasks <= baseline[0]
    assert streams <= baseline[1]


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_a_client_that_never_reads_is_ended_by_the_send_timeout(
    server: Running, frontend: str
) -> None:
    tag = f"stuck-{frontend}-{server.url}"
    port = int(server.url.rsplit(":", 1)[1])
    with socket.socket() as client:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.connect(("127.0.0.1", port))
        request = f"GET /{frontend}/big?tag={tag} HTTP/1.1\r\nHost: test\r\n\r\n"
        client.sendall(request.encode())
        # The source writes 64 KiB events and never waits; send_timeout is 0.5 s.
        assert record(tag).cleaned_up.wait(WAIT), "the stuck stream was not ended"
    deadline = time.monotonic() + WAIT
    while not record(tag).ended and time.monotonic() < deadline:
        time.sleep(0.02)
    assert record(tag).ended == ["send_timeout"]


@pytest.mark.parametrize("frontend", FRONTENDS)
def test_an_attacker_controlled_field_never_reaches_the_wire(
    server: Running, frontend: str
) -> None:
    # The "mixed" stream carries data with a blank line and a fake "event:" line.
    events = aiohttp_events(f"{server.url}/{frontend}/mixed")
    assert [e.event for e in events].count("evil") == 0
    assert ServerSentEvent(event="safe", data="injected?\n\nevent: evil\ndata: no") in events


@pytest.mark.parametrize("name", list(SERVERS))
@pytest.mark.parametrize("frontend", FRONTENDS)
def test_server_shutdown_ends_open_streams_cleanly(
    name: str, frontend: str, caplog: pytest.LogCaptureFixture
) -> None:
    options: dict[str, Any] = (
        {"timeout_graceful_shutdown": 0.3} if name == "uvicorn" else {"graceful_timeout": 0.3}
    )
    tag = f"shutdown-{name}-{frontend}"
    caplog.set_level(logging.INFO)
    with SERVERS[name](**options) as running:
        events: list[ServerSentEvent] = []
        stopper: threading.Thread | None = None
        with (
            httpx.Client(timeout=WAIT) as client,
            client.stream("GET", f"{running.url}/{frontend}/endless?tag={tag}") as response,
        ):
            # A clean end: iteration stops without a transport error.
            for event in iter_events(response.iter_bytes()):
                events.append(event)
                if len(events) == 3:
                    stopper = threading.Thread(target=running.stop)
                    stopper.start()
        assert stopper is not None
        stopper.join(WAIT)
    assert events[-1] == ServerSentEvent(
        event="shutdown", data="server going away", id=events[-2].id
    )
    assert [e.data for e in events[:-1]] == [f"tick {n}" for n in range(len(events) - 1)]
    assert record(tag).cleaned_up.is_set()
    app_errors = [
        r
        for r in caplog.records
        if "Exception in ASGI application" in r.getMessage()
        or (r.exc_info and any("sse_codec" in str(f) for f in _frames(r.exc_info)))
    ]
    assert app_errors == []
    if name == "uvicorn":
        assert [r for r in caplog.records if r.exc_info] == []


def _frames(exc_info: Any) -> list[str]:
    import traceback

    _, _, tb = exc_info
    return [f.filename for f in traceback.extract_tb(tb)] if tb else []


def test_sse_codec_asgi_imports_no_framework() -> None:
    import subprocess
    import sys

    code = (
        "import sys, sse_codec, sse_codec.asgi; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'starlette', 'fastapi', 'anyio', 'httpx', 'aiohttp', 'uvicorn', 'json'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_an_item_that_arrives_during_a_stuck_keep_alive_ends_with_the_send_timeout() -> None:
    # The keep-alive write blocks; the next event waits for it; the send timeout
    # ends both, and nothing else is raised.
    async def main() -> tuple[EventStreamResponse, Harness]:
        h = Harness()
        h.block_sends = True
        response = EventStreamResponse(agen("late", delay=0.15), keep_alive=0.05, send_timeout=0.3)
        await response(h.scope, h.receive, h.send)
        return response, h

    response, h = run(main())
    assert response.ended == "send_timeout"
    assert h.bodies == []


def test_the_end_of_the_body_waits_for_a_keep_alive_being_written() -> None:
    class SlowKeepAlive(Harness):
        async def send(self, message: Any) -> None:
            if message.get("body") == KEEP_ALIVE:
                await asyncio.sleep(0.2)  # held until the socket drains
            await super().send(message)

    async def source() -> AsyncIterator[str]:
        await asyncio.sleep(0.12)  # the keep-alive starts at 0.1 s
        if False:
            yield ""

    h = SlowKeepAlive()
    run(EventStreamResponse(source(), keep_alive=0.1)(h.scope, h.receive, h.send))
    assert h.bodies == [KEEP_ALIVE, b""]
