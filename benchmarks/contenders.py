"""The parsers and encoders measured, each through its real public (or documented) API.

A contender is a function from an iterator of byte chunks to an iterable of event
objects, plus a function that reads ``(type, data)`` back from one event, so the
harness can check every peer's output against sse-codec's before timing it.
Peers are imported lazily: one that is not installed is skipped with a note.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sse_codec import iter_events

__all__ = [
    "FLOOR",
    "PYTHON",
    "REFERENCE",
    "C",
    "Contender",
    "EncoderContender",
    "decoder",
    "decoders",
    "encoders",
    "floor",
    "implementations",
    "ours",
]


@dataclass(frozen=True, slots=True)
class Contender:
    """A parser under test: ``events(chunks)`` yields events, ``key(event)`` reads them."""

    name: str
    events: Callable[[Iterator[bytes]], Iterable[Any]]
    key: Callable[[Any], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class EncoderContender:
    """An encoder under test: ``single(data)`` and ``multi(data, event, id)`` give bytes."""

    name: str
    single: Callable[[str], bytes]
    multi: Callable[[str, str, str], bytes] | None


#: sse-codec's two implementations, as the table names them.
PYTHON = "sse-codec (Python)"
C = "sse-codec (C)"
#: The oracle every other contender's output is checked against.
REFERENCE = PYTHON + " iter_events"
#: Not a parser: the least any parser must do (see ``floor``).
FLOOR = "floor"


def implementations() -> tuple[list[tuple[str, type[Any]]], list[str]]:
    """sse-codec's decoder classes, compiled first: ``(label, SSEDecoder class)``.

    The Python decoder (``sse_codec._decoder``) is always there; the compiled one
    (``sse_codec._cdecoder``) when it imports, else a note says it is not built.
    Both are imported by module, whatever ``sse_codec.SSEDecoder`` is bound to.
    """
    from sse_codec._decoder import SSEDecoder as PythonDecoder

    found: list[tuple[str, type[Any]]] = [(PYTHON, PythonDecoder)]
    notes = []
    try:
        compiled = importlib.import_module("sse_codec._cdecoder")
    except ImportError as exc:
        notes.append(f"{C}: not built ({exc}); its columns and targets are left out")
    else:
        found.insert(0, (C, compiled.SSEDecoder))
    return found, notes


def _key(e: Any) -> tuple[str, str]:
    return (e.event, e.data)


def _via_iter_events(label: str, cls: type[Any], unbounded: bool = False) -> Contender:
    # iter_events with the implementation's decoder passed in, as a user who picks
    # one would call it.  The size-doubling run goes past the default 32 MiB bounds.
    def events(chunks: Iterator[bytes]) -> Iterable[Any]:
        if unbounded:
            return iter_events(chunks, decoder=cls(max_line_size=None, max_event_size=None))
        return iter_events(chunks, decoder=cls())

    return Contender(label if unbounded else label + " iter_events", events, _key)


def _via_feed(label: str, cls: type[Any]) -> Contender:
    # The sans-I/O loop: one feed() call per chunk and close() at the end, no
    # generator between the decoder and the caller.
    def events(chunks: Iterator[bytes]) -> Iterable[Any]:
        decoder = cls()
        feed = decoder.feed
        out: list[Any] = []
        extend = out.extend
        for piece in chunks:
            extend(feed(piece))
        extend(decoder.close())
        return out

    return Contender(label + " feed", events, _key)


def floor(chunks: Iterator[bytes]) -> list[tuple[int, int]]:
    """The floor: ``bytes.splitlines()`` over the joined chunks plus one tuple per
    event (per blank line).  It interprets nothing; no parser can be cheaper."""
    lines = b"".join(chunks).splitlines()
    count = len(lines)
    return [(count, i) for i in range(lines.count(b""))]


def ours(*, unbounded: bool = False) -> tuple[list[Contender], list[str]]:
    """sse-codec's contenders, compiled first: each implementation through
    ``iter_events`` and through ``feed`` per chunk (``unbounded``: ``iter_events``
    only, with both limits off, named by the implementation alone)."""
    found, notes = implementations()
    out = []
    for label, cls in found:
        out.append(_via_iter_events(label, cls, unbounded))
        if not unbounded:
            out.append(_via_feed(label, cls))
    return out, notes


def _httpx_sse() -> Contender:
    httpx = importlib.import_module("httpx")
    httpx_sse = importlib.import_module("httpx_sse")
    headers = {"content-type": "text/event-stream"}

    def events(chunks: Iterator[bytes]) -> Iterable[Any]:
        # A real httpx.Response whose body is the chunk iterator: this is the path
        # every httpx-sse user runs (iter_text, then its line decoder).
        response = httpx.Response(200, headers=headers, content=chunks)
        return httpx_sse.EventSource(response).iter_sse()  # type: ignore[no-any-return]

    return Contender("httpx-sse", events, lambda e: (e.event, e.data))


def _sdk(module: str, label: str) -> Contender:
    streaming = importlib.import_module(module + "._streaming")

    def events(chunks: Iterator[bytes]) -> Iterable[Any]:
        return streaming.SSEDecoder().iter_bytes(chunks)  # type: ignore[no-any-return]

    return Contender(label, events, lambda e: (e.event or "message", e.data))


def _sseclient() -> Contender:
    sseclient = importlib.import_module("sseclient")

    def events(chunks: Iterator[bytes]) -> Iterable[Any]:
        return sseclient.SSEClient(chunks).events()  # type: ignore[no-any-return]

    return Contender("sseclient-py", events, lambda e: (e.event, e.data))


class _EndOfBody(Exception):
    """Raised by the fake socket at the end of the body, so requests-sse stops
    instead of sleeping and reconnecting (its reaction to a body that ends)."""


class _FakeRaw:
    # What requests.Response.iter_content reads from: ``raw.stream(n)``.
    __slots__ = ("_chunks",)

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def stream(self, amt: int, decode_content: bool = True) -> Iterator[bytes]:
        yield from self._chunks
        raise _EndOfBody


def _requests_sse() -> Contender:
    requests = importlib.import_module("requests")
    requests_sse = importlib.import_module("requests_sse")
    session = requests.Session()

    def run(chunks: Iterator[bytes]) -> Iterator[Any]:
        response = requests.Response()
        response.status_code = 200
        response.raw = _FakeRaw(chunks)
        source = requests_sse.EventSource("http://bench.invalid/", session=session)
        # What EventSource.connect() sets after its HTTP request succeeds.
        source._response = response
        source._data_generator = response.iter_lines()
        source._origin = "http://bench.invalid"
        try:
            yield from source
        except _EndOfBody:
            return

    return Contender("requests-sse", run, lambda e: (e.type or "message", e.data))


_PEERS: tuple[tuple[str, Callable[[], Contender]], ...] = (
    ("httpx-sse", _httpx_sse),
    ("openai", lambda: _sdk("openai", "openai")),
    ("anthropic", lambda: _sdk("anthropic", "anthropic")),
    ("sseclient-py", _sseclient),
    ("requests-sse", _requests_sse),
)


def decoders(*, unbounded: bool = False) -> tuple[list[Contender], list[str]]:
    """Return sse-codec's contenders (see ``ours``) followed by every importable peer,
    and notes on the skipped ones."""
    found, notes = ours(unbounded=unbounded)
    for name, make in _PEERS:
        try:
            found.append(make())
        except ImportError as exc:
            notes.append(f"{name}: skipped, not installed ({exc})")
    return found, notes


def decoder(name: str) -> Contender:
    """Return the one decoder named ``name``, importing no other peer.  Raises
    ``KeyError`` for an unknown name and ``ImportError`` for a peer not installed."""
    if name == "sse-codec":  # (the name before there were two implementations)
        name = REFERENCE
    if name == FLOOR:
        return Contender(FLOOR, floor, lambda e: ("", ""))
    mine = {c.name: c for c in ours()[0]}
    if name in mine:
        return mine[name]
    return dict(_PEERS)[name]()


def encoders() -> tuple[list[EncoderContender], list[str]]:
    """Return the encoders: sse-codec, sse-starlette (if installed), an f-string baseline."""
    from sse_codec import encode

    def ours_multi(data: str, event: str, id: str) -> bytes:
        return encode(data, event=event, id=id)

    def fstring_single(data: str) -> bytes:
        return f"data: {data}\n\n".encode()

    def fstring_multi(data: str, event: str, id: str) -> bytes:
        # A hand-written writer with no validation at all: the floor.
        lines = "".join([f"data: {line}\n" for line in data.split("\n")])
        return f"event: {event}\nid: {id}\n{lines}\n".encode()

    found = [
        # encode itself, as a user calls it; the others need a function around them.
        EncoderContender("sse-codec", encode, ours_multi),
        EncoderContender("f-string", fstring_single, fstring_multi),
    ]
    notes = []
    try:
        starlette_event = importlib.import_module("sse_starlette.event").ServerSentEvent
    except ImportError as exc:
        notes.append(f"sse-starlette: skipped, not installed ({exc})")
    else:

        def st_single(data: str) -> bytes:
            return starlette_event(data).encode()  # type: ignore[no-any-return]

        def st_multi(data: str, event: str, id: str) -> bytes:
            return starlette_event(data, event=event, id=id).encode()  # type: ignore[no-any-return]

        found.insert(1, EncoderContender("sse-starlette", st_single, st_multi))
    return found, notes
