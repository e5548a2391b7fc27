"""OpenAI-style chat completion streams: typed chunks, ``[DONE]``, in-band errors,
truncation, a delta accumulator and a byte-exact encoder.

Standard library only.  Read a stream with :func:`iter_chunks` /
:func:`aiter_chunks` over :func:`sse_codec.iter_events`; fold the chunks with
:class:`ChatCompletionAccumulator`; write one with :func:`encode_chunk`,
:data:`DONE` and :func:`encode_text_stream`.  See the README section
"OpenAI-style chat streams".
"""

from __future__ import annotations

from ._accumulate import ChatCompletionAccumulator
from ._completion import (
    ChatCompletion,
    ChatCompletionMessage,
    CompletionChoice,
    FunctionCall,
    ToolArgumentsError,
    ToolCall,
)
from ._encode import (
    DONE,
    aencode_text_stream,
    encode_chunk,
    encode_done,
    encode_text_stream,
    text_stream_chunks,
)
from ._errors import IncompleteStreamError, NotAnEventStreamError, StreamError
from ._parse import JSONLoads, chunk_from_dict, parse_chunk
from ._stream import aiter_chunks, iter_chunks
from ._types import (
    ChatCompletionChunk,
    ChoiceDelta,
    ChunkChoice,
    CompletionTokensDetails,
    FunctionDelta,
    PromptTokensDetails,
    ToolCallDelta,
    Usage,
)

__all__ = [
    "DONE",
    "ChatCompletion",
    "ChatCompletionAccumulator",
    "ChatCompletionChunk",
    "ChatCompletionMessage",
    "ChoiceDelta",
    "ChunkChoice",
    "CompletionChoice",
    "CompletionTokensDetails",
    "FunctionCall",
    "FunctionDelta",
    "IncompleteStreamError",
    "JSONLoads",
    "NotAnEventStreamError",
    "PromptTokensDetails",
    "StreamError",
    "ToolArgumentsError",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "aencode_text_stream",
    "aiter_chunks",
    "chunk_from_dict",
    "encode_chunk",
    "encode_done",
    "encode_text_stream",
    "iter_chunks",
    "parse_chunk",
    "text_stream_chunks",
]
