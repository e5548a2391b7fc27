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
from contextlib import suppress
from typing import TYPE_CHECKING

# The reference is always imported; mypy sees it as the one type of both classes
# (the compiled class has exactly its API, see _cdecoder.pyi).
from ._decoder import SSEDecoder

__all__ = ["IMPLEMENTATION", "SSEDecoder"]


def _extensions_allowed() -> bool:
    return os.environ.get("SSE_CODEC_NO_EXTENSIONS", "") in ("", "0")


if not TYPE_CHECKING and _extensions_allowed():
    with suppress(ImportError):  # not built (no C compiler at install): the reference
        from ._cdecoder import SSEDecoder

IMPLEMENTATION: str = SSEDecoder.__module__
"""The module of the decoder in use: ``"sse_codec._cdecoder"`` or ``"sse_codec._decoder"``."""
