"""``serve``: a deliberately awkward event-stream server on 127.0.0.1.

Every GET or POST gets the same recorded body as ``text/event-stream``, cut into
chunks (fixed size or random), paced by a delay, and optionally damaged by a
fault, so a client can be tried against the network's worst habits.  Each chunk
is sent as one HTTP/1.1 chunk and flushed at once, so its boundaries reach the
client's socket.  A :class:`Reply` makes it a mock LLM endpoint (one protocol's
path), resume after ``Last-Event-ID``, or answer like a broken server (any status,
content type or error body).

Standard library only (``http.server``, one thread per connection), hardened for
many clients: a listen backlog of 1024, a cap on open connections (past it a
client gets a 503 from the accepting thread, no thread is started), a timeout on
every read and write (a stalled reader or a slowloris is dropped), the body shared
by all connections (never copied per client in the plain and fixed-size modes),
and a pause instead of a busy loop when the process runs out of descriptors.
"""

from __future__ import annotations

import argparse
import errno
import inspect
import json
import random
import re
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .._chunks import rechunk
from .._faults import FAULTS, Fault
from .._impl import SSEDecoder
from ._common import CLIError, human_bytes
from ._llm import detect_mode
from ._resume import resume_offsets
from ._sources import read_all

__all__ = ["PATHS", "Plan", "Reply", "StreamServer", "fault_summary", "run_serve", "serving"]

HOST = "127.0.0.1"

#: The path each protocol is served on (the end of the path: a client's base URL
#: may or may not hold the ``/v1``).
PATHS = {
    "openai": "/chat/completions",
    "anthropic": "/messages",
    "responses": "/responses",
}

# Writes of more than this go out as three sends (size line, the body's own
# bytes, CRLF) rather than one joined copy of the chunk per client.
_JOIN_LIMIT = 16 * 1024
# A request body (a prompt) larger than this is refused with 413.
_MAX_REQUEST_BODY = 8 * 1024 * 1024
KEEP_ALIVE_COMMENT = b": keep-alive\n\n"


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

    def chunks(
        self, request_number: int, start: int = 0
    ) -> tuple[Iterator[bytes | memoryview], bool]:
        """Return the chunks of response ``request_number`` (never an empty one, which
        would end the HTTP body), from byte ``start`` of the body on, and whether to
        drop the connection after them instead of ending the body cleanly.  In one
        write and in fixed-size chunks the pieces are views of the shared body, so
        a client costs no copy of it; faults and random chunking copy it.

        Raises :class:`ValueError` when the fault does not apply to the body.
        """
        rng = random.Random(self.seed + request_number)
        chunk = self.chunk
        body: bytes | memoryview = memoryview(self.body)[start:]
        if (self.fault is not None and self.fault.name != "slow_drip") or chunk == "random":
            body = bytes(body)  # faults and rechunk work on bytes
        pieces: list[bytes | memoryview] = [body]
        if self.fault is not None:
            if self.fault.name == "slow_drip":
                # One byte per chunk: the same as chunk=1, without a list of bytes objects.
                chunk = 1 if chunk is None else chunk
            else:
                assert isinstance(body, bytes)
                damaged = self.fault(body, seed=rng)
                pieces = list(damaged)
                body = b"".join(damaged)
        if chunk == "random":
            assert isinstance(body, bytes)
            pieces = list(rechunk(body, seed=rng))
        elif isinstance(chunk, int):
            return _fixed(memoryview(body), chunk), self.drop
        return (piece for piece in pieces if len(piece)), self.drop


def _fixed(view: memoryview, size: int) -> Iterator[memoryview]:
    for start in range(0, len(view), size):
        yield view[start : start + size]


@dataclass(frozen=True, slots=True)
class Reply:
    """How the server answers, beside the stream itself.

    ``protocol`` (a key of :data:`PATHS`) serves the stream only on requests whose
    path ends with that protocol's path (others get 404 with a JSON error);
    ``status`` and ``content_type`` replace 200 and ``text/event-stream``;
    ``error_body`` replaces the stream with a fixed body (sent whole, for testing
    a client's status and content-type checks); ``keep_alive`` sends a comment
    after that many idle seconds while the stream waits out a delay; ``resume``
    maps a ``Last-Event-ID`` to the body offset to resume from (see
    :func:`~sse_codec._cli._resume.resume_offsets`); an unknown ID gets the
    whole stream.
    """

    protocol: str | None = None
    status: int = 200
    content_type: str | None = None
    error_body: bytes | None = None
    keep_alive: float | None = None
    resume: dict[str, int] = field(default_factory=dict)

    def body_type(self) -> str:
        """The Content-Type to send."""
        if self.content_type is not None:
            return self.content_type
        if self.error_body is None:
            return "text/event-stream; charset=utf-8"
        try:
            json.loads(self.error_body)
        except ValueError:
            return "text/plain; charset=utf-8"
        return "application/json"


def _json_error(message: str) -> bytes:
    return json.dumps({"error": {"type": "not_found_error", "message": message}}).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Chunk boundaries should reach the client as written, not merged by Nagle.
    disable_nagle_algorithm = True
    server: StreamServer

    def setup(self) -> None:
        super().setup()
        # Every read and write gives up after the server's client timeout: a client
        # that stops reading or sends its request a byte at a time is dropped.
        self.connection.settimeout(self.server.client_timeout)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        if not self._discard_request_body():
            return
        self._answer()

    def _discard_request_body(self) -> bool:
        # The prompt is not used, but must be read so the client's send completes.
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._plain(411, b"send the request body with a Content-Length\n")
            return False
        length_header = self.headers.get("Content-Length", "0").strip()
        if not length_header.isdigit():
            self._plain(400, b"bad Content-Length\n")
            return False
        length = int(length_header)
        if length > _MAX_REQUEST_BODY:
            self._plain(413, b"request body too large\n")
            return False
        while length:
            data = self.rfile.read(min(length, 64 * 1024))
            if not data:
                return False
            length -= len(data)
        return True

    def _plain(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        self.wfile.write(body)

    def _answer(self) -> None:
        reply = self.server.reply
        path = self.path.split("?", 1)[0].rstrip("/")
        if reply.protocol is not None and not path.endswith(PATHS[reply.protocol]):
            message = f"this mock serves {reply.protocol} on .../v1{PATHS[reply.protocol]}"
            self._plain(404, _json_error(message), "application/json")
            return
        server = self.server
        number = server.begin_request()
        try:
            if number is None:
                self.send_error(503, "request limit reached")
                return
            self._stream(number)
        finally:
            server.end_request()

    def _start(self, reply: Reply, length: int | None) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.body_type())
        self.send_header("Cache-Control", "no-cache")
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.close_connection = True

    def _write_chunk(self, chunk: bytes | memoryview) -> None:
        size = len(chunk)
        if size <= _JOIN_LIMIT:
            self.wfile.write(b"".join((b"%x\r\n" % size, chunk, b"\r\n")))
        else:
            self.wfile.write(b"%x\r\n" % size)
            self.wfile.write(chunk)
            self.wfile.write(b"\r\n")

    def _pause(self, seconds: float) -> bool:
        """Wait ``seconds``, sending keep-alive comments when asked; return True
        when the server is stopping."""
        keep_alive = self.server.reply.keep_alive
        stopping = self.server.stopping
        while keep_alive is not None and seconds > keep_alive:
            if stopping.wait(keep_alive):
                return True
            self._write_chunk(KEEP_ALIVE_COMMENT)
            seconds -= keep_alive
        return stopping.wait(seconds) if seconds else stopping.is_set()

    def _stream(self, number: int) -> None:
        plan = self.server.plan
        reply = self.server.reply
        if reply.error_body is not None:
            self._start(reply, len(reply.error_body))
            self.wfile.write(reply.error_body)
            self.log_message("%s %s -> %d error body", self.command, self.path, reply.status)
            return
        last_id = self.headers.get("Last-Event-ID")
        start = reply.resume.get(last_id, 0) if last_id is not None else 0
        try:
            chunks, abort = plan.chunks(number, start)
        except ValueError as err:
            self.send_error(500, f"the fault does not apply: {err}")
            return
        self._start(reply, None)
        sent = count = 0
        try:
            for index, chunk in enumerate(chunks):
                count += 1
                if index and plan.delay and self._pause(plan.delay):
                    return
                self._write_chunk(chunk)
                sent += len(chunk)
            if not abort:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.log_message("client went away after %d bytes", sent)
            return
        ending = "then dropped the connection" if abort else "ended cleanly"
        resumed = ""
        if last_id is not None:
            resumed = f" resumed after id {last_id!r}" if start else f" (unknown id {last_id!r})"
        self.log_message(
            "%s %s -> stream %d%s: %s in %d chunk(s), %s",
            self.command,
            self.path,
            number,
            resumed,
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
    """An HTTP server on 127.0.0.1 that answers every GET and POST with ``plan``'s
    stream, the way ``reply`` says.

    ``port=0`` picks a free port (see :attr:`url`).  After ``max_requests``
    streams have been served and finished it shuts itself down; later requests get
    503.  At most ``max_connections`` connections are open at once (past that a
    client gets an immediate 503); a read or write that makes no progress for
    ``client_timeout`` seconds drops its client.  Raises :class:`CLIError` when
    the port cannot be bound.
    """

    daemon_threads = True
    # The default of 5 overflows the kernel's queue when many clients connect at
    # once (measured: 2,330 overflows and client timeouts at 200 clients).
    request_queue_size = 1024

    def __init__(
        self,
        plan: Plan,
        *,
        port: int = 0,
        max_requests: int | None = None,
        quiet: bool = True,
        reply: Reply | None = None,
        max_connections: int = 512,
        client_timeout: float = 30.0,
    ) -> None:
        self.plan = plan
        self.reply = reply if reply is not None else Reply()
        self.max_requests = max_requests
        self.max_connections = max_connections
        self.client_timeout = client_timeout
        self.quiet = quiet
        self._connections = threading.BoundedSemaphore(max_connections)
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

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection; when the process is out of file descriptors, pause
        before failing, so the accept loop does not spin at full CPU."""
        try:
            return super().get_request()
        except OSError as err:
            if err.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                self.stopping.wait(0.1)
            raise

    def process_request(self, request: Any, client_address: Any) -> None:
        """Start a thread for the connection, or refuse it at once when
        ``max_connections`` are open (a 503 from this thread, no new thread)."""
        if not self._connections.acquire(blocking=False):
            try:
                request.setblocking(False)
                request.send(
                    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Handle one connection in its thread; free its place when it ends."""
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._connections.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log an unexpected error in a handler as one line (never a traceback)."""
        err = sys.exc_info()[1]
        if not self.quiet:
            sys.stderr.write(f"{client_address[0]} error: {type(err).__name__}: {err}\n")

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

    @property
    def active_requests(self) -> int:
        """How many streams are being sent now."""
        with self._lock:
            return self._active

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
def serving(
    plan: Plan, *, max_requests: int | None = None, **options: Any
) -> Iterator[StreamServer]:
    """Run a :class:`StreamServer` on a free port in a background thread (for tests);
    ``options`` are its other keyword arguments (``reply``, ``client_timeout``...)."""
    server = StreamServer(plan, max_requests=max_requests, **options)
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


def fault_summary(fault: Fault) -> str:
    """The fault's summary as ``serve`` applies it: a parameter named in the text
    (``an event of size data bytes``) is replaced by the value serve uses, its default."""
    summary = fault.summary
    for name, parameter in inspect.signature(fault.function).parameters.items():
        default = parameter.default
        if name != "seed" and isinstance(default, int) and not isinstance(default, bool):
            summary = re.sub(rf"\b{name}\b", f"{default:,}", summary)
    return summary


def _protocol(args: argparse.Namespace, name: str, body: bytes) -> str | None:
    """The protocol mode asked for, checked against the file (``--auto``: found in it)."""
    asked = next((mode for mode in (*PATHS, "auto") if getattr(args, mode, False)), None)
    if asked is None:
        return None
    decoder = SSEDecoder(max_line_size=None, max_event_size=None)
    found, _ = detect_mode(iter(decoder.feed(body) + decoder.close()))
    if found is None:
        want = "an LLM API" if asked == "auto" else f"an {asked}"
        raise CLIError(
            f"{name} does not look like {want} stream (no message_start, response.* or "
            "chat.completion.chunk in its first events)"
        )
    if asked not in ("auto", found):
        raise CLIError(f"{name} looks like an {found} stream, not {asked}: use --{found}")
    return found


def _read_error_body(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as err:
        raise CLIError(f"--error-body: cannot read {path}: {err.strerror or err}") from None


def run_serve(args: argparse.Namespace) -> int:
    """Serve ``args.file`` until Ctrl-C or ``--max-requests``; return the exit status."""
    if args.fault == "list":
        for fault_name, entry in FAULTS.items():
            print(f"{fault_name:24} {fault_summary(entry)}")
        return 0
    fault = None
    if args.fault is not None:
        fault = FAULTS.get(args.fault)
        if fault is None:
            raise CLIError(f"unknown fault {args.fault!r} (--fault list shows them)")
    if args.file is None and (args.anthropic or args.responses):
        raise CLIError("--anthropic and --responses need a FILE (the bundled example is openai)")
    name, body = read_all(args.file)
    protocol = _protocol(args, name, body)
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
    reply = Reply(
        protocol=protocol,
        status=args.status,
        content_type=args.content_type,
        error_body=None if args.error_body is None else _read_error_body(args.error_body),
        keep_alive=args.keep_alive,
        resume=resume_offsets(body),
    )
    server = StreamServer(
        plan,
        port=args.port,
        max_requests=args.max_requests,
        quiet=args.quiet,
        reply=reply,
        max_connections=args.max_connections,
        client_timeout=args.client_timeout,
    )
    print(server.url, flush=True)
    limit = f", stopping after {args.max_requests} stream(s)" if args.max_requests else ""
    where = server.url
    if protocol is not None:
        where = f"{server.url.rstrip('/')}/v1{PATHS[protocol]} (base URL {server.url}v1)"
    print(
        f"serving {name} ({_describe(plan, args.fault)}) on {where}{limit}; Ctrl-C stops",
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
