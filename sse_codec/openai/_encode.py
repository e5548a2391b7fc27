"""Chunks to OpenAI wire bytes, and whole chat streams from text pieces.

OpenAI writes each chunk as ``data: <json>\\n\\n`` with compact separators
(``,`` and ``:``, no spaces) and non-ASCII text as raw UTF-8, and ends the
stream with ``data: [DONE]\\n\\n``.  Re-encoding a parsed chunk therefore gives
back OpenAI's own bytes.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from typing import Any

from .._encoder import encode
from .._errors import SSEEncodeError
from ._types import ChatCompletionChunk, ChoiceDelta, ChunkChoice, Usage

__all__ = [
    "DONE",
    "aencode_text_stream",
    "encode_chunk",
    "encode_done",
    "encode_text_stream",
    "text_stream_chunks",
]

#: The end-of-stream marker, exactly as OpenAI writes it.
DONE = b"data: [DONE]\n\n"

JSONDumps = Callable[[Any], "str | bytes"]


def _dumps(obj: dict[str, Any]) -> str:
    try:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SSEEncodeError("data", f"the chunk is not JSON-serializable: {exc}") from exc


def encode_chunk(chunk: ChatCompletionChunk, *, json_dumps: JSONDumps | None = None) -> bytes:
    """Return ``data: <compact JSON of chunk.to_dict()>\\n\\n`` as UTF-8 bytes.

    The JSON uses OpenAI's separators and raw UTF-8; text holding a lone
    surrogate (a split emoji some servers send) is written with ``\\u`` escapes,
    since UTF-8 cannot carry it.  ``json_dumps`` replaces the serializer (it may
    return ``str`` or ``bytes``; multi-line output is split over ``data:`` lines).
    Raises :class:`~sse_codec.SSEEncodeError` when the chunk holds values JSON
    cannot represent (NaN, infinities, non-JSON objects in ``extra``).
    """
    obj = chunk.to_dict()
    if json_dumps is not None:
        try:
            out = json_dumps(obj)
        except (TypeError, ValueError) as exc:
            raise SSEEncodeError("data", f"json_dumps failed: {exc}") from exc
        text = out.decode("utf-8") if isinstance(out, bytes | bytearray) else out
        return encode(text)
    text = _dumps(obj)
    try:
        return b"data: " + text.encode("utf-8") + b"\n\n"
    except UnicodeEncodeError:
        return b"data: " + json.dumps(obj, separators=(",", ":")).encode("ascii") + b"\n\n"


def encode_done() -> bytes:
    """Return ``b"data: [DONE]\\n\\n"`` (the :data:`DONE` constant).  Never raises."""
    return DONE


class _StreamBuilder:
    """The fixed parts of a text stream: ids, model and the chunk shapes."""

    __slots__ = ("created", "id", "model", "system_fingerprint")

    def __init__(
        self, model: str, id: str | None, created: int | None, system_fingerprint: str | None
    ) -> None:
        self.model = model
        self.id = "chatcmpl-" + secrets.token_hex(12) if id is None else id
        self.created = int(time.time()) if created is None else created
        self.system_fingerprint = system_fingerprint

    def chunk(
        self, choices: tuple[ChunkChoice, ...], usage: Usage | None = None
    ) -> ChatCompletionChunk:
        return ChatCompletionChunk(
            id=self.id,
            created=self.created,
            model=self.model,
            system_fingerprint=self.system_fingerprint,
            choices=choices,
            usage=usage,
        )

    def role(self) -> ChatCompletionChunk:
        return self.chunk((ChunkChoice(delta=ChoiceDelta(role="assistant", content="")),))

    def content(self, piece: str) -> ChatCompletionChunk:
        return self.chunk((ChunkChoice(delta=ChoiceDelta(content=piece)),))

    def finish(self, finish_reason: str) -> ChatCompletionChunk:
        return self.chunk((ChunkChoice(delta=ChoiceDelta(), finish_reason=finish_reason),))

    def usage(self, usage: Usage | Callable[[], Usage | None] | None) -> ChatCompletionChunk | None:
        value = usage() if callable(usage) else usage
        return None if value is None else self.chunk((), value)


def _check_piece(piece: object) -> str:
    if not isinstance(piece, str):
        raise TypeError(f"text pieces must be str, not {type(piece).__name__}")
    return piece


def text_stream_chunks(
    pieces: Iterable[str],
    *,
    model: str,
    id: str | None = None,
    created: int | None = None,
    system_fingerprint: str | None = None,
    finish_reason: str = "stop",
    usage: Usage | Callable[[], Usage | None] | None = None,
) -> Iterator[ChatCompletionChunk]:
    """Yield the chunks of a one-choice chat stream that says the text ``pieces``.

    First a role chunk (``role: "assistant"``, ``content: ""``), then one chunk per
    non-empty piece, then a chunk with ``finish_reason``, then, when ``usage`` is
    given (a :class:`Usage`, or a callable run after the last piece so the counts
    can be computed at the end), a usage chunk with empty ``choices``.  ``id``
    defaults to a random ``chatcmpl-`` id and ``created`` to the current time.
    Raises :class:`TypeError` for a piece that is not ``str``.
    """
    build = _StreamBuilder(model, id, created, system_fingerprint)
    yield build.role()
    for piece in pieces:
        if _check_piece(piece):
            yield build.content(piece)
    yield build.finish(finish_reason)
    last = build.usage(usage)
    if last is not None:
        yield last


def encode_text_stream(
    pieces: Iterable[str],
    *,
    model: str,
    id: str | None = None,
    created: int | None = None,
    system_fingerprint: str | None = None,
    finish_reason: str = "stop",
    usage: Usage | Callable[[], Usage | None] | None = None,
) -> Iterator[bytes]:
    """Yield the wire bytes of :func:`text_stream_chunks`, one event per item, then
    :data:`DONE`.  Raises what :func:`text_stream_chunks` and :func:`encode_chunk` raise.
    """
    for chunk in text_stream_chunks(
        pieces,
        model=model,
        id=id,
        created=created,
        system_fingerprint=system_fingerprint,
        finish_reason=finish_reason,
        usage=usage,
    ):
        yield encode_chunk(chunk)
    yield DONE


async def aencode_text_stream(
    pieces: AsyncIterable[str] | Iterable[str],
    *,
    model: str,
    id: str | None = None,
    created: int | None = None,
    system_fingerprint: str | None = None,
    finish_reason: str = "stop",
    usage: Usage | Callable[[], Usage | None] | None = None,
) -> AsyncIterator[bytes]:
    """Async twin of :func:`encode_text_stream`: ``pieces`` may be an async or a
    plain iterable of ``str``; yields the same bytes.  Raises the same errors."""
    build = _StreamBuilder(model, id, created, system_fingerprint)
    yield encode_chunk(build.role())
    if isinstance(pieces, AsyncIterable):
        async for piece in pieces:
            if _check_piece(piece):
                yield encode_chunk(build.content(piece))
    else:
        for piece in pieces:
            if _check_piece(piece):
                yield encode_chunk(build.content(piece))
    yield encode_chunk(build.finish(finish_reason))
    last = build.usage(usage)
    if last is not None:
        yield encode_chunk(last)
    yield DONE
