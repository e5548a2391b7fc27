"""sse-codec: a spec-exact, incremental Server-Sent Events decoder and encoder.

Pure Python, with an optional C accelerator for the decoder; no runtime
dependencies.  ``SSEDecoder.__module__`` names the decoder in use
(``sse_codec._cdecoder`` compiled, ``sse_codec._decoder`` pure Python); the
environment variable ``SSE_CODEC_NO_EXTENSIONS=1`` forces the pure-Python one.
See the README for a guide; every public name below has a docstring that says
what it does and what it raises.
"""

from __future__ import annotations

from ._constants import DEFAULT_MAX_EVENT_SIZE, DEFAULT_MAX_LINE_SIZE, MAX_RETRY
from ._encoder import KEEP_ALIVE, encode, encode_comment
from ._errors import (
    IncompleteStreamError,
    NotAnEventStreamError,
    PayloadError,
    SSEConnectionError,
    SSEDecodeError,
    SSEDecoderClosedError,
    SSEEncodeError,
    SSEError,
    SSELimitError,
    SSEResponseError,
    StreamError,
)
from ._event import Comment, ServerSentEvent
from ._impl import SSEDecoder
from ._reconnect import TRANSIENT_STATUSES, Reconnector, ReconnectPolicy
from ._response import response_error
from ._streams import aiter_events, iter_events

__all__ = [
    "DEFAULT_MAX_EVENT_SIZE",
    "DEFAULT_MAX_LINE_SIZE",
    "KEEP_ALIVE",
    "MAX_RETRY",
    "TRANSIENT_STATUSES",
    "Comment",
    "IncompleteStreamError",
    "NotAnEventStreamError",
    "PayloadError",
    "ReconnectPolicy",
    "Reconnector",
    "SSEConnectionError",
    "SSEDecodeError",
    "SSEDecoder",
    "SSEDecoderClosedError",
    "SSEEncodeError",
    "SSEError",
    "SSELimitError",
    "SSEResponseError",
    "ServerSentEvent",
    "StreamError",
    "aiter_events",
    "encode",
    "encode_comment",
    "iter_events",
    "response_error",
]

__version__ = "0.1.0.dev0"
