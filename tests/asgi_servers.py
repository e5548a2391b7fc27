"""The apps the event-stream response tests serve, and real ASGI servers to serve them.

One ASGI app answers under three prefixes: ``/bare/`` (``sse_codec.asgi``'s
response as the server's app), ``/starlette/`` (a Starlette endpoint) and
``/fastapi/`` (a FastAPI endpoint), each followed by a stream name (``mixed``,
``idle``, ``endless``, ``big``).  ``?tag=NAME`` labels a request: its source records
when its ``finally`` ran, and ``on_disconnect`` records the reason, in ``RECORDS``.
Servers run in a thread on 127.0.0.1 with an OS-chosen port.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import fastapi
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from sse_codec import Comment, ServerSentEvent, encode
from sse_codec import asgi as sse_asgi
from sse_codec import starlette as sse_starlette
from sse_codec.asgi import EndReason, Item, Receive, Scope, Send

START_TIMEOUT = 30.0

# What the "mixed" stream sends, and what a spec-conforming reader must see.
MIXED: tuple[Item, ...] = (
    ServerSentEvent(data="first\nsecond line", event="multi", id="1", retry=1500),
    encode("already encoded", event="bytes"),
    "a plain string is data",
    {"data": "from a dict", "event": "dict", "id": "dict-7"},
    Comment("a comment is not an event"),
    ServerSentEvent(data="unicode h\u00e9llo \U0001f389", id=""),
    {"data": "injected?\n\nevent: evil\ndata: no", "event": "safe"},
    ServerSentEvent(data="", event="empty"),
)
MIXED_EVENTS = [
    ServerSentEvent(event="multi", data="first\nsecond line", id="1", retry=1500),
    ServerSentEvent(event="bytes", data="already encoded", id="1"),
    ServerSentEvent(data="a plain string is data", id="1"),
    ServerSentEvent(event="dict", data="from a dict", id="dict-7"),
    ServerSentEvent(data="unicode h\u00e9llo \U0001f389", id=None),
    ServerSentEvent(event="safe", data="injected?\n\nevent: evil\ndata: no"),
    ServerSentEvent(event="empty", data=""),
]


@dataclass
class Record:
    """What happened to one tagged request's stream (written on the server's loop)."""

    cleaned_up: threading.Event = field(default_factory=threading.Event)
    ended: list[EndReason] = field(default_factory=list)
    last_event_id: list[str | None] = field(default_factory=list)


RECORDS: dict[str, Record] = {}


def record(tag: str) -> Record:
    """The record of ``tag``, created on first use."""
    return RECORDS.setdefault(tag, Record())


async def _source(name: str, tag: str) -> AsyncIterator[Item]:
    try:
        if name == "mixed":
            for item in MIXED:
                yield item
        elif name == "idle":
            # Quiet for a while between two events: keep-alives fill the gap.
            yield ServerSentEvent(data="before", id="a")
            await asyncio.sleep(0.6)
            yield ServerSentEvent(data="after", id="b")
        elif name == "endless":
            n = 0
            while True:
                yield ServerSentEvent(data=f"tick {n}", id=str(n))
                n += 1
                await asyncio.sleep(0.005)
        elif name == "big":
            # Never suspends by itself: only a full socket stops it.
            chunk = "x" * 65536
            while True:
                yield chunk
        else:
            raise ValueError(name)
    finally:
        record(tag).cleaned_up.set()


def _options(name: str, tag: str) -> dict[str, Any]:
    async def on_disconnect(reason: EndReason) -> None:
        record(tag).ended.append(reason)

    return {
        "keep_alive": 0.1 if name == "idle" else 15.0,
        "send_timeout": 0.5 if name == "big" else 30.0,
        "on_disconnect": on_disconnect,
        "shutdown_message": ServerSentEvent(data="server going away", event="shutdown"),
    }


async def _starlette_stream(request: Request) -> sse_starlette.EventStreamResponse:
    name = request.path_params["name"]
    tag = request.query_params.get("tag", "")
    record(tag).last_event_id.append(sse_starlette.last_event_id(request))
    return sse_starlette.EventStreamResponse(_source(name, tag), **_options(name, tag))


STARLETTE = Starlette(routes=[Route("/starlette/{name}", _starlette_stream)])

FASTAPI = fastapi.FastAPI()


@FASTAPI.get("/fastapi/{name}", response_class=sse_starlette.EventStreamResponse)
async def _fastapi_stream(name: str, request: Request) -> sse_starlette.EventStreamResponse:
    tag = request.query_params.get("tag", "")
    record(tag).last_event_id.append(sse_starlette.last_event_id(request))
    return sse_starlette.EventStreamResponse(_source(name, tag), **_options(name, tag))


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Dispatch on the first path segment to the bare, Starlette or FastAPI endpoint."""
    if scope["type"] == "lifespan":
        return
    path: str = scope["path"]
    if path.startswith("/bare/"):
        name = path.removeprefix("/bare/")
        query = parse_qs(scope.get("query_string", b"").decode())
        tag = query.get("tag", [""])[0]
        record(tag).last_event_id.append(sse_asgi.last_event_id(scope))
        response = sse_asgi.EventStreamResponse(_source(name, tag), **_options(name, tag))
        await response(scope, receive, send)
    elif path.startswith("/starlette/"):
        await STARLETTE(scope, receive, send)
    else:
        await FASTAPI(scope, receive, send)


FRONTENDS = ("bare", "starlette", "fastapi")


@dataclass
class Running:
    """A server serving in a thread: its base URL, its loop, and how to stop it."""

    url: str
    loop: asyncio.AbstractEventLoop
    stop: Callable[[], None]

    def call(self, make: Callable[[], Awaitable[Any]]) -> Any:
        """Run a coroutine on the server's loop and return its result."""

        async def wrapped() -> Any:
            return await make()

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(30)


@contextmanager
def serve_uvicorn(asgi_app: Any = app, **options: Any) -> Iterator[Running]:
    """Serve ``asgi_app`` with uvicorn on loopback; stops it (gracefully) at the end."""
    config = uvicorn.Config(
        asgi_app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", **options
    )
    server = uvicorn.Server(config)
    loops: list[asyncio.AbstractEventLoop] = []

    def run() -> None:
        async def main() -> None:
            loops.append(asyncio.get_running_loop())
            await server.serve()

        asyncio.run(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    _wait(lambda: server.started, thread, "uvicorn")
    port = server.servers[0].sockets[0].getsockname()[1]

    def stop() -> None:
        server.should_exit = True
        thread.join(30)
        assert not thread.is_alive(), "uvicorn did not stop in 30 s"

    try:
        yield Running(f"http://127.0.0.1:{port}", loops[0], stop)
    finally:
        if thread.is_alive():
            stop()


@contextmanager
def serve_hypercorn(asgi_app: Any = app, graceful_timeout: float = 5.0) -> Iterator[Running]:
    """Serve ``asgi_app`` with hypercorn's asyncio worker on loopback."""
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.listen(128)
    sock.set_inheritable(True)
    config = Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.graceful_timeout = graceful_timeout
    config.accesslog = None
    config.errorlog = None
    loops: list[asyncio.AbstractEventLoop] = []
    stoppers: list[asyncio.Event] = []
    started = threading.Event()

    def run() -> None:
        async def main() -> None:
            loop = asyncio.get_running_loop()
            loops.append(loop)
            stopping = asyncio.Event()
            stoppers.append(stopping)
            loop.call_soon(started.set)
            await serve(asgi_app, config, shutdown_trigger=stopping.wait)

        asyncio.run(main())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    _wait(started.is_set, thread, "hypercorn")
    _wait(lambda: _accepts(port), thread, "hypercorn")

    def stop() -> None:
        loops[0].call_soon_threadsafe(stoppers[0].set)
        thread.join(30)
        assert not thread.is_alive(), "hypercorn did not stop in 30 s"

    try:
        yield Running(f"http://127.0.0.1:{port}", loops[0], stop)
    finally:
        if thread.is_alive():
            stop()
        # hypercorn took the descriptor over and closed it; forget it here.
        sock.detach()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _wait(ready: Callable[[], bool], thread: threading.Thread, name: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        assert thread.is_alive(), f"{name} did not start"
        assert time.monotonic() < deadline, f"{name} did not start in {START_TIMEOUT} s"
        time.sleep(0.02)
