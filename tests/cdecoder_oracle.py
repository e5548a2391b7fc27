"""Run one decoder call and describe everything observable about it, so that the
compiled decoder can be compared with the pure-Python reference call by call.

Shared by the differential test (tests/test_cdecoder_differential.py) and the fuzz
target (tests/fuzz_cdecoder.py).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any

from sse_codec import SSELimitError
from sse_codec._decoder import SSEDecoder as PythonDecoder

__all__ = ["KINDS", "as_kind", "describe_call", "make_pair"]

#: How a chunk is passed: its bytes as bytes, bytearray, memoryview (of bytes, as
#: 32-bit ints, strided).
KINDS = ("bytes", "bytearray", "memoryview", "memoryview-i", "memoryview-strided")


def as_kind(chunk: bytes, kind: str) -> bytes | bytearray | memoryview:
    """``chunk`` passed the way ``kind`` names; a format that does not fit the
    length falls back to a plain memoryview.  Every form holds the same raw bytes."""
    if kind == "bytearray":
        return bytearray(chunk)
    if kind == "memoryview-i" and len(chunk) % 4 == 0:
        return memoryview(array("i", chunk))
    if kind == "memoryview-strided":
        spread = bytearray(2 * len(chunk))
        spread[::2] = chunk
        return memoryview(bytes(spread))[::2]
    if kind == "bytes":
        return chunk
    return memoryview(chunk)


def _item(item: object) -> tuple[str, Any]:
    # The type by name and the value: ``type(ev) is ServerSentEvent`` is part of it.
    return (type(item).__qualname__, item)


def describe_call(dec: Any, call: Callable[[], list[Any]]) -> tuple[Any, ...]:
    """What ``call`` did to ``dec``: its result or exception (type and attributes),
    then the decoder's ``last_event_id`` and ``retry``."""
    try:
        result: tuple[Any, ...] = ("ok", [_item(item) for item in call()])
    except SSELimitError as exc:
        result = (
            "SSELimitError",
            str(exc),
            exc.limit_name,
            exc.limit,
            exc.size,
            [_item(e) for e in exc.events],
            [_item(e) for e in exc.items],
        )
    except Exception as exc:
        result = (type(exc).__name__, str(exc))
    return (*result, dec.last_event_id, dec.retry)


def make_pair(
    compiled: type[Any], **options: Any
) -> tuple[tuple[PythonDecoder, list[str]], tuple[Any, list[str]]]:
    """The reference and the compiled decoder built alike, each with an
    ``on_comment`` that records the texts it is called with."""
    pair = []
    for cls in (PythonDecoder, compiled):
        seen: list[str] = []
        pair.append((cls(on_comment=seen.append, **options), seen))
    return pair[0], pair[1]
