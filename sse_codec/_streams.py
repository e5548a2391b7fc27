"""Iterator adapters: any iterable of byte chunks in, events out."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

from ._decoder import SSEDecoder
from ._event import ServerSentEvent

__all__ = ["aiter_events", "iter_events"]


def iter_events(
    chunks: Iterable[bytes | bytearray | memoryview], *, decoder: SSEDecoder | None = None
) -> Iterator[ServerSentEvent]:
    """Return an iterator over the events of a byte stream given as chunks.

    Feeds each chunk to ``decoder`` (a fresh :class:`SSEDecoder` with default
    limits when omitted) as the iterator is advanced, yields events as soon as a
    chunk completes them, and closes the decoder when the chunks run out.  Nothing
    is read before the first ``next()``.  Raises what ``feed`` raises, at the same
    chunk.  A block that arrives in small chunks may be read when its blank line
    does (faster): held bytes are read before each event is yielded and when the
    chunks end or their iterator raises, so only the decoder's ``retry``
    attribute, read between two chunks of such a block, can lag behind.
    """
    dec = SSEDecoder() if decoder is None else decoder
    if type(dec).feed is SSEDecoder.feed:
        # The decoder's own generator, which inlines feed()'s cheapest cases (see
        # _decoder.py); returned as it is, not wrapped in another generator.
        return dec._iter(chunks)
    return _feeding(dec, chunks)


def _feeding(
    dec: SSEDecoder, chunks: Iterable[bytes | bytearray | memoryview]
) -> Iterator[ServerSentEvent]:
    # For subclasses that override feed(): call it for every chunk.
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
