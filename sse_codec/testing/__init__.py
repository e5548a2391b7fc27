"""Test tools for code that reads or writes event streams: strategies, chunkers, faults.

Fuzz-test your own stream consumer (an HTTP client wrapper, an agent loop, a
proxy) with the same tools sse-codec's own test suite uses:

* hypothesis strategies: :func:`events`, :func:`streams` (raw streams with the
  result the spec prescribes), :func:`chunkings`, :func:`chat_chunk_streams`;
* :func:`rechunk`, to split bytes the way a network might, without hypothesis;
* stream faults (:data:`FAULTS`): truncation, a dropped ``[DONE]``, in-band
  errors, invalid UTF-8, keep-alives, oversized, duplicated and reordered
  events, one byte per chunk; each says what a correct consumer does.

Needs hypothesis: install the extra with ``pip install 'sse-codec[testing]'``.
Importing this module without it raises :class:`ImportError` saying so.  The
core package never imports this module.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401
except ImportError as _missing:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "sse_codec.testing needs hypothesis: install it with pip install 'sse-codec[testing]'"
    ) from _missing

from .._chunks import rechunk, tricky_offsets
from .._faults import (
    DEFAULT_ERROR,
    FAULTS,
    INVALID_UTF8,
    Fault,
    drop_done,
    duplicate_event,
    insert_comments,
    insert_error_event,
    insert_invalid_utf8,
    insert_oversized_event,
    reorder_events,
    slow_drip,
    truncate,
    truncate_before_done,
    truncate_mid_char,
    truncate_mid_event,
)
from ._chat import ChatStream, chat_chunk_streams
from ._chunkings import chunkings
from ._events import events, expected_events, field_text
from ._streams import StreamCase, streams

__all__ = [
    "DEFAULT_ERROR",
    "FAULTS",
    "INVALID_UTF8",
    "ChatStream",
    "Fault",
    "StreamCase",
    "chat_chunk_streams",
    "chunkings",
    "drop_done",
    "duplicate_event",
    "events",
    "expected_events",
    "field_text",
    "insert_comments",
    "insert_error_event",
    "insert_invalid_utf8",
    "insert_oversized_event",
    "rechunk",
    "reorder_events",
    "slow_drip",
    "streams",
    "tricky_offsets",
    "truncate",
    "truncate_before_done",
    "truncate_mid_char",
    "truncate_mid_event",
]
