"""The server edge: sse-codec's event-stream response beside sse-starlette's, on uvicorn.

Run ``python -m benchmarks.server`` (``--quick`` for a smoke run of a few seconds);
``python -m benchmarks.bench`` runs it as its ``server`` part.  Each response is
served by its own uvicorn process on 127.0.0.1 from the same Starlette app shape,
with both libraries' defaults (keep-alive every 15 s); the client is this process,
a raw asyncio HTTP/1.1 reader, so the server is what is measured.

- **events/s, one connection**: N token events (an OpenAI chat chunk, 200 bytes of
  JSON) from a source that never waits, wall time from connect to the body's end.
- **events/s, 100 connections**: 100 concurrent such streams, N/100 events each.
- **CPU per event**: the server process's user + system CPU time (``/proc/PID/stat``)
  during the one-connection run, divided by N.
- **memory per idle connection**: the server's resident set (``VmRSS`` in
  ``/proc/PID/status``) with 2,000 open idle streams (each has had its headers; its
  source waits forever; keep-alive on), minus the resident set before they were
  opened (after a warm-up of 50 idle streams opened and closed), divided by 2,000.

Rounds alternate the two servers; the tables give medians.  Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SERVERS", "ServerReport", "main", "run"]

#: The responses compared (``make_app`` builds each one's app).
SERVERS = ("sse-codec", "sse-starlette")
# Also measured: the least a Starlette streaming endpoint does (see _LABELS).
_ALL = [*SERVERS, "baseline"]

_PAYLOAD = (
    '{"id":"chatcmpl-AbC123xYz","object":"chat.completion.chunk","created":1732000000,'
    '"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" caf\u00e9"},'
    '"logprobs":null,"finish_reason":null}]}'
)
_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True, slots=True)
class _Config:
    events: int  # one connection
    connections: int
    events_each: int  # per concurrent connection
    idle: int  # idle streams for the memory measurement
    rounds: int


_FULL = _Config(events=20_000, connections=100, events_each=500, idle=2000, rounds=3)
_QUICK = _Config(events=300, connections=10, events_each=30, idle=50, rounds=1)


# -- the server process ------------------------------------------------------------


def make_app(name: str) -> Any:
    """The Starlette app serving ``name``'s response: ``/stream?n=N`` and ``/idle``."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def tokens(n: int) -> AsyncIterator[str]:
        for _ in range(n):
            yield _PAYLOAD

    async def paced(n: int) -> AsyncIterator[str]:
        # Waits (one loop turn) before each event, as a source fed by the network
        # does: no two events are ever ready together.
        for _ in range(n):
            await asyncio.sleep(0)
            yield _PAYLOAD

    async def idle() -> AsyncIterator[str]:
        await asyncio.Event().wait()
        yield "never"

    if name == "sse-codec":
        from sse_codec.starlette import EventStreamResponse

        def respond(source: AsyncIterator[str]) -> Response:
            return EventStreamResponse(source)

    elif name == "sse-starlette":
        # Imported by name, as benchmarks/contenders.py imports peers: the benchmark
        # dependencies are not installed where mypy checks the tree.
        sse_starlette = importlib.import_module("sse_starlette")

        def respond(source: AsyncIterator[str]) -> Response:
            response: Response = sse_starlette.EventSourceResponse(source)
            return response

    elif name == "baseline":
        from starlette.responses import StreamingResponse

        from sse_codec import encode

        async def encoded(source: AsyncIterator[str]) -> AsyncIterator[bytes]:
            async for item in source:
                yield encode(item)

        def respond(source: AsyncIterator[str]) -> Response:
            return StreamingResponse(encoded(source), media_type="text/event-stream")

    else:
        raise ValueError(f"unknown server {name!r}; known: {', '.join(SERVERS)}")

    async def stream(request: Request) -> Response:
        return respond(tokens(int(request.query_params["n"])))

    async def paced_stream(request: Request) -> Response:
        return respond(paced(int(request.query_params["n"])))

    async def idle_stream(request: Request) -> Response:
        return respond(idle())

    return Starlette(
        routes=[
            Route("/stream", stream),
            Route("/paced", paced_stream),
            Route("/idle", idle_stream),
        ]
    )


def _serve(name: str) -> None:
    # Runs in the server process: prints the port, serves until stdin closes.
    import uvicorn

    _raise_fd_limit()
    config = uvicorn.Config(
        make_app(name),
        host="127.0.0.1",
        port=0,
        log_level="error",
        lifespan="off",
        access_log=False,
        backlog=4096,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = loop.create_future()

        def stdin_closed() -> None:
            if not stop.done():
                stop.set_result(None)

        loop.add_reader(sys.stdin.fileno(), stdin_closed)
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        print(server.servers[0].sockets[0].getsockname()[1], flush=True)
        await stop
        server.should_exit = True
        await task

    asyncio.run(main())


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 65536) if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


class _Server:
    """A server process; ``cpu()`` and ``rss()`` read its /proc entries."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server", "--serve", name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.close()
            raise RuntimeError(f"the {name} server did not start")
        self.port = int(line)

    def cpu(self) -> float:
        with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime + stime

    def rss(self) -> int:
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS in /proc/PID/status")

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


# -- the client ----------------------------------------------------------------------


async def _get(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    return reader, writer


async def _read_all(port: int, n: int, path: str = "/stream") -> int:
    # The server closes the connection after the body (Connection: close).
    reader, writer = await _get(port, f"{path}?n={n}")
    total = 0
    while chunk := await reader.read(262144):
        total += len(chunk)
    writer.close()
    return total


async def _check(port: int, n: int) -> None:
    # Before timing: the body decodes to exactly n events carrying the payload.
    from sse_codec import SSEDecoder

    reader, writer = await _get(port, f"/stream?n={n}")
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b" 200 " in head.split(b"\r\n", 1)[0], head
    decoder = SSEDecoder()
    events = decoder.feed(_dechunk(body))
    decoder.close()
    if len(events) != n or any(e.data != _PAYLOAD for e in events):
        raise RuntimeError(f"{port}: the stream did not carry {n} payload events")


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while True:
        end = body.index(b"\r\n", pos)
        size = int(body[pos:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += body[end + 2 : end + 2 + size]
        pos = end + 4 + size


async def _open_idle(port: int, count: int) -> list[asyncio.StreamWriter]:
    async def one() -> asyncio.StreamWriter:
        reader, writer = await _get(port, "/idle")
        await reader.readuntil(b"\r\n\r\n")  # the response has started
        return writer

    writers: list[asyncio.StreamWriter] = []
    for start in range(0, count, 200):  # in batches, inside the listen backlog
        writers += await asyncio.gather(*(one() for _ in range(min(200, count - start))))
    return writers


async def _close_all(writers: list[asyncio.StreamWriter]) -> None:
    for w in writers:
        w.close()
    await asyncio.gather(*(w.wait_closed() for w in writers), return_exceptions=True)


# -- measuring -------------------------------------------------------------------------

# The measurements, in table order: (key, column head, how a median is shown).
_COLUMNS: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("one", "events/s, 1 connection", lambda v: f"{v:,.0f}"),
    ("many", "events/s, concurrent connections", lambda v: f"{v:,.0f}"),
    ("paced", "events/s, 1 connection, source waits before each", lambda v: f"{v:,.0f}"),
    ("cpu", "server CPU µs/event (1 connection)", lambda v: f"{v * 1e6:,.1f}"),
    ("cpu_paced", "server CPU µs/event (source waits)", lambda v: f"{v * 1e6:,.1f}"),
    ("idle", "RSS per idle stream", lambda v: f"{v / 1024:,.1f} KiB"),
)
_LABELS = {
    "sse-codec": "sse-codec `EventStreamResponse`",
    "sse-starlette": "sse-starlette `EventSourceResponse`",
    "baseline": "baseline: Starlette `StreamingResponse` of `encode()` (no keep-alive, "
    "no disconnect handling)",
}


@dataclass(slots=True)
class ServerReport:
    """Samples per server and measurement (see ``_COLUMNS``); ``markdown()`` gives medians."""

    quick: bool
    config: str = ""
    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    targets: list[tuple[bool, str]] = field(default_factory=list)

    def add(self, server: str, key: str, value: float) -> None:
        """Record one sample of measurement ``key`` for ``server``."""
        self.samples.setdefault(server, {}).setdefault(key, []).append(value)

    def median(self, server: str, key: str) -> float:
        """The median of ``server``'s samples of ``key``."""
        return statistics.median(self.samples[server][key])

    def markdown(self) -> str:
        """The table and the targets, as Markdown."""
        out = ["### The server edge: event-stream responses on uvicorn (medians)\n"]
        if self.quick:
            out.append("(--quick: small sizes, one round; a smoke test, not a measurement.)\n")
        out.append(self.config + "\n")
        out.append("| response | " + " | ".join(head for _, head, _ in _COLUMNS) + " |")
        out.append("|" + "---|" * (len(_COLUMNS) + 1))
        for name in self.samples:
            cells = [show(self.median(name, key)) for key, _, show in _COLUMNS]
            out.append(f"| {_LABELS[name]} | " + " | ".join(cells) + " |")
        out.append("")
        out.extend(f"- {'met' if ok else 'MISSED'}: {text}" for ok, text in self.targets)
        out.append("")
        return "\n".join(out)


async def _measure(server: _Server, cfg: _Config, report: ServerReport) -> None:
    name, port = server.name, server.port
    await _check(port, 50)
    await _read_all(port, cfg.events // 10)  # warm-up
    for key, path in (("", "/stream"), ("_paced", "/paced")):
        cpu0, t0 = server.cpu(), time.perf_counter()
        await _read_all(port, cfg.events, path)
        wall, cpu = time.perf_counter() - t0, server.cpu() - cpu0
        report.add(name, "paced" if key else "one", cfg.events / wall)
        report.add(name, "cpu" + key, cpu / cfg.events)
    t0 = time.perf_counter()
    await asyncio.gather(*(_read_all(port, cfg.events_each) for _ in range(cfg.connections)))
    wall = time.perf_counter() - t0
    report.add(name, "many", cfg.connections * cfg.events_each / wall)


async def _measure_idle(server: _Server, cfg: _Config, report: ServerReport) -> None:
    await _close_all(await _open_idle(server.port, 50))  # warm-up
    await asyncio.sleep(0.5)
    before = server.rss()
    writers = await _open_idle(server.port, cfg.idle)
    await asyncio.sleep(0.5)
    after = server.rss()
    await _close_all(writers)
    report.add(server.name, "idle", (after - before) / cfg.idle)


def run(quick: bool = False, *, log: Callable[[str], None] | None = None) -> ServerReport:
    """Measure the responses and return the :class:`ServerReport`.

    Raises ``RuntimeError`` when a server does not start or a response does not
    carry the events it was given, and ``ImportError`` when uvicorn, Starlette or
    sse-starlette is not installed (``pip install -e '.[bench]'``).
    """
    # Fail early, with the name of what is missing.
    for module in ("sse_starlette", "uvicorn"):
        importlib.import_module(module)

    cfg = _QUICK if quick else _FULL
    say = log or (lambda _msg: None)
    _raise_fd_limit()
    report = ServerReport(quick)
    report.config = (
        f"{cfg.events:,} events on one connection; {cfg.connections} concurrent connections "
        f"x {cfg.events_each:,} events; {cfg.idle:,} idle streams; {cfg.rounds} round(s); "
        f"each event a {len(_PAYLOAD.encode())}-byte JSON chat chunk; both libraries' "
        "defaults (keep-alive every 15 s). Command: "
        f"python -m benchmarks.server{' --quick' if quick else ''}"
    )
    for name in _ALL:
        report.samples[name] = {}
    for r in range(cfg.rounds):
        order = _ALL if r % 2 == 0 else _ALL[::-1]
        for name in order:
            # A fresh process per round and server, so one round's memory does not
            # carry into the next.
            server = _Server(name)
            try:
                asyncio.run(_measure_idle(server, cfg, report))
                asyncio.run(_measure(server, cfg, report))
            finally:
                server.close()
            say(f"  server: round {r + 1}/{cfg.rounds} {name} done")
    if not quick:  # a smoke run's numbers are noise, not verdicts (as in bench.py)
        _targets(report)
    return report


def _targets(report: ServerReport) -> None:
    ours, peer = SERVERS
    for key, label in (
        ("one", "1 connection"),
        ("many", "concurrent connections"),
        # One send per event here whatever the response does (no two events are
        # ever ready together), so uvicorn's own cost per send bounds the ratio:
        # see the baseline row.
        ("paced", "1 connection, source waits before each event"),
    ):
        ratio = report.median(ours, key) / report.median(peer, key)
        report.targets.append(
            (ratio >= 2.0, f"events/s, {label}: {ratio:.2f}x sse-starlette's (need >= 2x)")
        )
    ratio = report.median(ours, "idle") / report.median(peer, "idle")
    report.targets.append(
        (ratio <= 0.5, f"memory per idle stream: {ratio:.2f}x sse-starlette's (need <= 0.5x)")
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the tables as Markdown; returns the exit status (0)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.server", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--serve", choices=[*SERVERS, "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve)
        return 0
    report = run(args.quick, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(report.markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
