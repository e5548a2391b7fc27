"""``serve``: a deliberately awkward event-stream server on 127.0.0.1.

Every GET gets the same recorded body as ``text/event-stream``, cut into chunks
(fixed size or random), paced by a delay, and optionally damaged by a fault, so a
client can be tried against the network's worst habits.  Each chunk is sent as one
HTTP/1.1 chunk and flushed at once, so its boundaries reach the client's socket.
Standard library only (``http.server``, one thread per connection).
"""

from __future__ import annotations

import argparse
import errno
import random
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .._chunks import rechunk
from .._faults import FAULTS, Fault
from ._common import CLIError, human_bytes
from ._sources import read_all

__all__ = ["Plan", "StreamServer", "run_serve", "serving"]

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Plan:
    """What every response sends: ``body`` damaged by ``fault`` (one of
    ``sse_codec._faults.FAULTS``), cut per ``chunk`` (a size in bytes, ``"random"``,
    or ``None`` to keep the fault's chunks or send the body in one write), with
    ``delay`` seconds before each later chunk; request ``n`` draws its randomness
    from ``seed + n``.  With ``drop`` the connection is closed without the final
    empty HTTP chunk, so the client sees a broken transfer rather than a clean end.
    """

    body: bytes
    chunk: int | str | None = None
    delay: float = 0.0
    fault: Fault | None = None
    seed: int = 0
    drop: bool = False

    def chunks(self, request_number: int) -> tuple[Iterator[bytes], bool]:
        """Return the chunks of response ``request_number`` (never an empty one, which
        would end the HTTP body) and whether to drop the connection after them
        instead of ending the body cleanly.  Fixed-size chunks are cut lazily, so
        ``chunk=1`` on a big body costs no memory.

        Raises :class:`ValueError` when the fault does not apply to the body.
        """
        rng = random.Random(self.seed + request_number)
        chunk = self.chunk
        body = self.body
        pieces: list[bytes] = [body]
        if self.fault is not None:
            if self.fault.name == "slow_drip":
                # One byte per chunk: the same as chunk=1, without a list of bytes objects.
                chunk = 1 if chunk is None else chunk
            else:
                pieces = self.fault(body, seed=rng)
                body = b"".join(pieces)
        if chunk == "random":
            pieces = rechunk(body, seed=rng)
        elif isinstance(chunk, int):
            return _fixed(body, chunk), self.drop
        return (piece for piece in pieces if piece), self.drop


def _fixed(body: bytes, size: int) -> Iterator[bytes]:
    view = memoryview(body)
    for start in range(0, len(body), size):
        yield bytes(view[start : start + size])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StreamServer

    def do_GET(self) -> None:
        server = self.server
        number = server.begin_request()
        try:
            if number is None:
                self.send_error(503, "request limit reached")
                return
            self._stream(number)
        finally:
            server.end_request()

    def _stream(self, number: int) -> None:
        plan = self.server.plan
        try:
            chunks, abort = plan.chunks(number)
        except ValueError as err:
            self.send_error(500, f"the fault does not apply: {err}")
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.close_connection = True
        sent = count = 0
        try:
            for index, chunk in enumerate(chunks):
                count += 1
                if index and plan.delay and self.server.stopping.wait(plan.delay):
                    return
                self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                sent += len(chunk)
            if not abort:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except OSError:
            self.log_message("client went away after %d bytes", sent)
            return
        ending = "then dropped the connection" if abort else "ended cleanly"
        self.log_message(
            "GET %s -> stream %d: %s in %d chunk(s), %s",
            self.path,
            number,
            human_bytes(sent),
            count,
            ending,
        )

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The stream's own summary line (below) says more; errors are still logged.
        pass

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


class StreamServer(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that answers every GET with ``plan``'s stream.

    ``port=0`` picks a free port (see :attr:`url`).  After ``max_requests``
    streams have been served and finished it shuts itself down; later requests get
    503.  Raises :class:`CLIError` when the port cannot be bound.
    """

    daemon_threads = True

    def __init__(
        self, plan: Plan, *, port: int = 0, max_requests: int | None = None, quiet: bool = True
    ) -> None:
        self.plan = plan
        self.max_requests = max_requests
        self.quiet = quiet
        self.stopping = threading.Event()
        #: Set when :meth:`serve_forever` has returned (Ctrl-C, limit or :meth:`stop`).
        self.finished = threading.Event()
        self._lock = threading.Lock()
        self._started = 0
        self._active = 0
        try:
            super().__init__((HOST, port), _Handler)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise CLIError(
                    f"port {port} is already in use: pick another with --port "
                    "(--port 0 picks a free one)"
                ) from None
            raise CLIError(f"cannot listen on {HOST}:{port}: {err.strerror or err}") from None

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        """Serve until :meth:`shutdown`; then set :attr:`finished`."""
        try:
            super().serve_forever(poll_interval)
        finally:
            self.finished.set()

    @property
    def url(self) -> str:
        """The URL the server answers on."""
        return f"http://{HOST}:{self.server_address[1]}/"

    def begin_request(self) -> int | None:
        """Count a request; return its number (from 0), or ``None`` past the limit."""
        with self._lock:
            if self.max_requests is not None and self._started >= self.max_requests:
                return None
            self._started += 1
            self._active += 1
            return self._started - 1

    def end_request(self) -> None:
        """Note that a request finished; shut down once the limit is served."""
        with self._lock:
            self._active = max(0, self._active - 1)
            done = (
                self.max_requests is not None
                and self._started >= self.max_requests
                and self._active == 0
            )
        if done:
            # shutdown() waits for serve_forever, which runs in another thread.
            threading.Thread(target=self.shutdown, daemon=True).start()

    def stop(self) -> None:
        """Stop serving: wake paced responses, end ``serve_forever``, close the socket."""
        self.stopping.set()
        self.shutdown()
        self.server_close()


@contextmanager
def serving(plan: Plan, *, max_requests: int | None = None) -> Iterator[StreamServer]:
    """Run a :class:`StreamServer` on a free port in a background thread (for tests)."""
    server = StreamServer(plan, max_requests=max_requests)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(timeout=10)


def _describe(plan: Plan, fault_name: str | None) -> str:
    if plan.chunk is None:
        chunking = "one write"
    elif plan.chunk == "random":
        chunking = "random chunks"
    else:
        chunking = f"{plan.chunk}-byte chunks"
    parts = [human_bytes(len(plan.body)), chunking]
    if plan.delay:
        parts.append(f"{plan.delay * 1000:g} ms apart")
    if fault_name:
        parts.append(f"fault {fault_name}")
    if plan.drop:
        parts.append("connection dropped at the end")
    return ", ".join(parts)


def run_serve(args: argparse.Namespace) -> int:
    """Serve ``args.file`` until Ctrl-C or ``--max-requests``; return the exit status."""
    if args.fault == "list":
        for fault_name, entry in FAULTS.items():
            print(f"{fault_name:24} {entry.summary}")
        return 0
    fault = None
    if args.fault is not None:
        fault = FAULTS.get(args.fault)
        if fault is None:
            raise CLIError(f"unknown fault {args.fault!r} (--fault list shows them)")
    name, body = read_all(args.file)
    plan = Plan(
        body,
        chunk=args.chunk,
        delay=args.delay / 1000,
        fault=fault,
        seed=args.seed,
        drop=args.drop,
    )
    try:
        plan.chunks(0)
    except ValueError as err:
        raise CLIError(f"--fault {args.fault} cannot damage {name}: {err}") from None
    server = StreamServer(plan, port=args.port, max_requests=args.max_requests, quiet=args.quiet)
    print(server.url, flush=True)
    limit = f", stopping after {args.max_requests} stream(s)" if args.max_requests else ""
    print(
        f"serving {name} ({_describe(plan, args.fault)}) on {server.url}{limit}; Ctrl-C stops",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.stopping.set()
        server.server_close()
    return 0
