"""Headless Chromium's native ``EventSource`` reads our encoder's output exactly.

A loopback server gives the browser a page that opens ``EventSource('/stream')``,
records ``(type, data, lastEventId)`` for every event and POSTs the list back when
the closing sentinel event arrives.  The stream is :func:`interop_events.encode_wide`
(multi-line data, CR/LF/CRLF inside data, empty data, ids set, kept and reset,
event names, Unicode, comments, keep-alives, retry), sent whole or one byte per
HTTP chunk.  Expectations come from the spec (``expected_messages``), not from our
decoder.  Skipped when no Chromium is installed; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from interop_events import WIDE, encode_wide, expected_messages

from sse_codec import encode
from sse_codec._chunks import rechunk

END = "__end__"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((path for name in BROWSERS if (path := shutil.which(name))), None)
# Bounds the whole run; a healthy one takes about a second.
RESULT_TIMEOUT = 60.0

pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="Chromium is not installed (Debian: apt-get install chromium); "
    "the browser EventSource interop test needs it",
)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>EventSource interop</title></head>
<body><script>
const types = %(types)s;
const received = [];
const source = new EventSource("/stream");
let sent = false;
function report(extra) {
  if (sent) return;
  sent = true;
  source.close();
  fetch("/result", {method: "POST", body: JSON.stringify(Object.assign({received}, extra))});
}
function record(event) {
  if (event.type === %(end)s) { report({}); return; }
  received.push([event.type, event.data, event.lastEventId]);
}
source.onmessage = record;
for (const type of types) source.addEventListener(type, record);
// A stream that ends before the sentinel makes EventSource reconnect: report it.
source.onerror = () => report({error: "the connection ended before the end event"});
</script></body></html>
"""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _InteropServer

    def do_GET(self) -> None:
        if self.path == "/":
            types = sorted({item.event for item in WIDE if item.event} | {END})
            page = PAGE % {"types": json.dumps(types), "end": json.dumps(END)}
            self._send(200, "text/html; charset=utf-8", page.encode())
        elif self.path == "/stream":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for chunk in self.server.chunks:
                self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        else:
            self._send(404, "text/plain", b"not found")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.server.result = json.loads(self.rfile.read(length).decode("utf-8"))
        self._send(204, "text/plain", b"")
        self.server.done.set()

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _InteropServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, chunks: list[bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.chunks = chunks
        self.done = threading.Event()
        self.result: Any = None


@contextmanager
def _serve(chunks: list[bytes]) -> Iterator[_InteropServer]:
    server = _InteropServer(chunks)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _run_browser(url: str, server: _InteropServer, profile: Path, log: Path) -> Any:
    launch_browser(url, server.done, profile, log)
    return server.result


def launch_browser(url: str, done: threading.Event, profile: Path, log: Path) -> None:
    """Open ``url`` in headless Chromium until ``done`` is set (the page reported).

    Fails the test when no report arrives within ``RESULT_TIMEOUT`` seconds; the
    browser is stopped either way.  Shared with ``test_reconnect_chromium.py``.
    """
    assert BROWSER is not None
    command = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        f"--user-data-dir={profile}",
        url,
    ]
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            arrived = done.wait(RESULT_TIMEOUT)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
    if not arrived:
        tail = log.read_text("utf-8", errors="replace")[-2000:]
        pytest.fail(f"Chromium sent no result within {RESULT_TIMEOUT} s; its log ends:\n{tail}")


@pytest.mark.parametrize("chunking", ["whole", "one byte per chunk", "random"])
def test_chromium_eventsource_receives_exactly_what_we_encoded(
    chunking: str, tmp_path: Path
) -> None:
    body = encode_wide() + encode("", event=END)
    if chunking == "whole":
        chunks = [body]
    elif chunking == "random":
        chunks = [c for c in rechunk(body, seed=7) if c]
    else:
        chunks = rechunk(body, size=1)
    with _serve(chunks) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        result = _run_browser(url, server, tmp_path / "profile", tmp_path / "chromium.log")
    assert result.get("error") is None
    received = [tuple(item) for item in result["received"]]
    assert received == expected_messages()
