"""Iterator adapters: any iterable of byte chunks in, events out."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

from ._event import ServerSentEvent
from ._impl import SSEDecoder, compiled_decoder, compiled_iter_events

__all__ = ["aiter_events", "iter_events"]


def iter_events(
    chunks: Iterable[bytes | bytearray | memoryview], *, decoder: SSEDecoder | None = None
) -> Iterator[ServerSentEvent]:
    """Return an iterator over the events of a byte stream given as chunks.

    Feeds each chunk to ``decoder`` (a fresh :class:`SSEDecoder` with default
    limits when omitted) as the iterator is advanced, yields the events each chunk
    completes, and closes the decoder when the chunks run out.  Nothing is read
    before the first ``next()``.  Raises what ``feed`` raises, at the same chunk;
    after an exception the iterator is finished.  The iterator has ``close()``, as
    a generator has (it lets go of the chunks; the decoder stays open).
    """
    dec = SSEDecoder() if decoder is None else decoder
    cls = type(dec)
    if (
        compiled_decoder is not None
        and compiled_iter_events is not None
        and cls.feed is compiled_decoder.feed
        and cls.close is compiled_decoder.close
    ):
        # The compiled decoder, feed and close not overridden: the same loop as
        # below, run in C (no Python frame, call and list per chunk).
        return compiled_iter_events(chunks, dec)
    return _iter_events(chunks, dec)


def _iter_events(
    chunks: Iterable[bytes | bytearray | memoryview], dec: SSEDecoder
) -> Iterator[ServerSentEvent]:
    for chunk in chunks:
        yield from dec.feed(chunk)
    yield from dec.close()


async def aiter_events(
    chunks: AsyncIterable[bytes | bytearray | memoryview], *, decoder: SSEDecoder | None = None
) -> AsyncIterator[ServerSentEvent]:
    """Async twin of :func:`iter_events`, for ``AsyncIterable[bytes]`` bodies."""
    dec = SSEDecoder() if decoder is None else decoder
    async for chunk in chunks:
        for event in dec.feed(chunk):
            yield event
    for event in dec.close():
        yield event
