"""Which ``SSEDecoder`` the package uses: the compiled one when it is built, else the
pure-Python reference.

Everything in the package that makes a decoder imports it from here.  Setting the
environment variable ``SSE_CODEC_NO_EXTENSIONS`` to a non-empty value other than
``0`` before the first import of ``sse_codec`` forces the pure-Python decoder (read
once, at import).  Both implementations stay importable by module:
``sse_codec._decoder.SSEDecoder`` and ``sse_codec._cdecoder.SSEDecoder``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from typing import TYPE_CHECKING

# The reference is always imported; mypy sees it as the one type of both classes
# (the compiled class has exactly its API, see _cdecoder.pyi).
from ._decoder import SSEDecoder
from ._event import ServerSentEvent

__all__ = ["IMPLEMENTATION", "SSEDecoder", "compiled_decoder", "compiled_iter_events"]

_Chunks = Iterable[bytes | bytearray | memoryview]

# When the compiled decoder is in use: its class and its event iterator
# (``_cdecoder.iter_events``, see :func:`sse_codec.iter_events`); else None.
compiled_decoder: type[SSEDecoder] | None = None
compiled_iter_events: Callable[[_Chunks, SSEDecoder], Iterator[ServerSentEvent]] | None = None


def _extensions_allowed() -> bool:
    return os.environ.get("SSE_CODEC_NO_EXTENSIONS", "") in ("", "0")


if not TYPE_CHECKING and _extensions_allowed():
    with suppress(ImportError):  # not built (no C compiler at install): the reference
        from ._cdecoder import SSEDecoder
        from ._cdecoder import iter_events as compiled_iter_events

        compiled_decoder = SSEDecoder

IMPLEMENTATION: str = SSEDecoder.__module__
"""The module of the decoder in use: ``"sse_codec._cdecoder"`` or ``"sse_codec._decoder"``."""
