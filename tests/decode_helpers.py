"""Small helpers for feeding a decoder in a given chunking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sse_codec import ServerSentEvent, SSEDecoder


def split_at(data: bytes, points: Iterable[int]) -> list[bytes]:
    """Split ``data`` at the given offsets (clamped, sorted, repeats give empty chunks)."""
    cuts = sorted(min(max(p, 0), len(data)) for p in points)
    chunks = []
    start = 0
    for cut in cuts:
        chunks.append(data[start:cut])
        start = cut
    chunks.append(data[start:])
    return chunks


def one_byte_chunks(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def decode_chunks(
    chunks: Sequence[bytes], decoder: SSEDecoder | None = None
) -> tuple[list[ServerSentEvent], SSEDecoder]:
    """Feed every chunk, then close; return the events and the decoder."""
    dec = SSEDecoder() if decoder is None else decoder
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(dec.feed(chunk))
    events.extend(dec.close())
    return events, dec


def decode(data: bytes, decoder: SSEDecoder | None = None) -> list[ServerSentEvent]:
    return decode_chunks([data], decoder)[0]
