"""A loopback HTTP server whose answers follow a script, for the reconnection tests.

Each path ``/case/NAME`` has a script: a function of the request's index on that
path and the ``Last-Event-ID`` it carried, returning a :class:`Reply`.  The
server logs every request (path, the headers that matter, when it arrived), so a
test can compare what two clients (sse-codec's and a browser's EventSource) asked
for.  ``/`` serves an optional page and ``POST /result`` stores a JSON result, for
driving a browser; a POST to a case is answered like a GET (its body is read and
dropped).  All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal


@dataclass(frozen=True)
class Reply:
    """One answer: ``status``, ``content_type``, ``chunks`` sent as HTTP chunks
    (flushed one by one), then ``end``: ``"eof"`` sends the final empty chunk,
    ``"drop"`` closes the connection without it (a broken transfer), ``"nothing"``
    closes the connection before sending any response at all."""

    status: int = 200
    content_type: str = "text/event-stream"
    chunks: Sequence[bytes] = ()
    end: Literal["eof", "drop", "nothing"] = "eof"
    headers: Sequence[tuple[str, str]] = ()


NO_CONTENT = Reply(status=204, content_type="text/plain")

#: A script: (index of the request on its path, its Last-Event-ID or None) -> Reply.
Script = Callable[[int, "str | None"], Reply]


def replies(*script: Reply) -> Script:
    """A script that answers the n-th request with ``script[n]``, then 204."""

    def answer(index: int, last_event_id: str | None) -> Reply:
        return script[index] if index < len(script) else NO_CONTENT

    return answer


@dataclass
class Request:
    """A logged request: its path, the headers that matter, its arrival time."""

    path: str
    last_event_id: str | None
    accept: str | None
    cache_control: str | None
    at: float


@dataclass
class _State:
    scripts: dict[str, Script]
    page: bytes | None
    log: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    result: Any = None
    done: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ScriptedServer

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path != "/result":
            self._answer()
            return
        self.server.state.result = json.loads(body.decode("utf-8"))
        self._plain(204, "text/plain", b"")
        self.server.state.done.set()

    def _answer(self) -> None:
        state = self.server.state
        if self.path == "/" and state.page is not None:
            self._plain(200, "text/html; charset=utf-8", state.page)
            return
        name = self.path.removeprefix("/case/")
        script = state.scripts.get(name)
        if script is None:
            self._plain(404, "text/plain", b"no such case")
            return
        raw = self.headers.get("Last-Event-ID")
        # http.server decodes header bytes as Latin-1; the spec sends UTF-8.
        last = None if raw is None else raw.encode("latin-1").decode("utf-8", "replace")
        with state.lock:
            index = sum(1 for r in state.log if r.path == name)
            state.log.append(
                Request(
                    name,
                    last,
                    self.headers.get("Accept"),
                    self.headers.get("Cache-Control"),
                    time.monotonic(),
                )
            )
        reply = script(index, last)
        self.close_connection = True
        if reply.end == "nothing":
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name_, value in reply.headers:
            self.send_header(name_, value)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        if reply.status in (204, 304):
            self.end_headers()
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in reply.chunks:
                if chunk:
                    self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                    self.wfile.flush()
            if reply.end == "eof":
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away first: nothing to finish

    def _plain(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class ScriptedServer(ThreadingHTTPServer):
    """The server; ``url(name)`` is a case's address, ``requests(name)`` its log."""

    daemon_threads = True

    def __init__(self, scripts: dict[str, Script], page: bytes | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = _State(scripts, page)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def url(self, name: str) -> str:
        return f"{self.base}/case/{name}"

    def requests(self, name: str) -> list[Request]:
        with self.state.lock:
            return [r for r in self.state.log if r.path == name]


@contextmanager
def scripted_server(
    scripts: dict[str, Script], page: bytes | None = None
) -> Iterator[ScriptedServer]:
    """Run a :class:`ScriptedServer` in a background thread for the ``with`` block."""
    server = ScriptedServer(scripts, page)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
