"""Iterator adapters: any iterable of byte chunks in, events out."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

from ._event import ServerSentEvent
from ._impl import SSEDecoder

__all__ = ["aiter_events", "iter_events"]


def iter_events(
    chunks: Iterable[bytes | bytearray | memoryview], *, decoder: SSEDecoder | None = None
) -> Iterator[ServerSentEvent]:
    """Return an iterator over the events of a byte stream given as chunks.

    Feeds each chunk to ``decoder`` (a fresh :class:`SSEDecoder` with default
    limits when omitted) as the iterator is advanced, yields the events each chunk
    completes, and closes the decoder when the chunks run out.  Nothing is read
    before the first ``next()``.  Raises what ``feed`` raises, at the same chunk.
    """
    dec = SSEDecoder() if decoder is None else decoder
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
