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

from sse_codec import SSEDecoder, iter_events

__all__ = ["Contender", "EncoderContender", "decoder", "decoders", "encoders"]


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


def _ours() -> Contender:
    def events(chunks: Iterator[bytes]) -> Iterable[Any]:
        return iter_events(chunks)

    return Contender("sse-codec", events, lambda e: (e.event, e.data))


def _unbounded_ours() -> Contender:
    # The size-doubling run goes past the default 32 MiB bounds on purpose.
    def events(chunks: Iterator[bytes]) -> Iterable[Any]:
        return iter_events(chunks, decoder=SSEDecoder(max_line_size=None, max_event_size=None))

    return Contender("sse-codec", events, lambda e: (e.event, e.data))


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
    """Return sse-codec followed by every importable peer, and notes on skipped ones."""
    found = [_unbounded_ours() if unbounded else _ours()]
    notes = []
    for name, make in _PEERS:
        try:
            found.append(make())
        except ImportError as exc:
            notes.append(f"{name}: skipped, not installed ({exc})")
    return found, notes


def decoder(name: str) -> Contender:
    """Return the one decoder named ``name``, importing no other peer.  Raises
    ``KeyError`` for an unknown name and ``ImportError`` for a peer not installed."""
    if name == "sse-codec":
        return _ours()
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
