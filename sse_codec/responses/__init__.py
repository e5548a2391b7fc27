"""Typed OpenAI Responses API streams (``event: response.*``): events, readers,
accumulator, encoder.

::

    from sse_codec import iter_events
    from sse_codec.responses import collect_response

    result = collect_response(iter_events(response.iter_bytes()))
    print(result.output_text, result.function_calls, result.status, result.usage)

Every public name has a docstring saying what it does and what it raises.
:class:`StreamError`, :class:`IncompleteStreamError` and
:class:`NotAnEventStreamError` are this layer's subclasses of the package-wide
classes of :mod:`sse_codec`, with ``received`` typed; :class:`PayloadError` is
the package-wide class, re-exported for convenience.
"""

from __future__ import annotations

from .._errors import PayloadError
from ._accumulator import (
    FunctionCall,
    ResponseAccumulator,
    ResponseResult,
    acollect_response,
    collect_response,
)
from ._encoder import encode_event, encode_stream
from ._errors import IncompleteStreamError, NotAnEventStreamError, StreamError
from ._events import (
    ContentPartAdded,
    ContentPartDone,
    ErrorEvent,
    FunctionCallArgumentsDelta,
    FunctionCallArgumentsDone,
    OutputItemAdded,
    OutputItemDone,
    OutputTextDelta,
    OutputTextDone,
    ReasoningSummaryPartAdded,
    ReasoningSummaryPartDone,
    ReasoningSummaryTextDelta,
    ReasoningSummaryTextDone,
    RefusalDelta,
    RefusalDone,
    ResponseCompleted,
    ResponseCreated,
    ResponseEvent,
    ResponseFailed,
    ResponseIncomplete,
    ResponseInProgress,
    ResponseQueued,
    UnknownEvent,
    event_from_dict,
    parse_event,
)
from ._reader import aiter_response_events, iter_response_events, stream_error

__all__ = [
    "ContentPartAdded",
    "ContentPartDone",
    "ErrorEvent",
    "FunctionCall",
    "FunctionCallArgumentsDelta",
    "FunctionCallArgumentsDone",
    "IncompleteStreamError",
    "NotAnEventStreamError",
    "OutputItemAdded",
    "OutputItemDone",
    "OutputTextDelta",
    "OutputTextDone",
    "PayloadError",
    "ReasoningSummaryPartAdded",
    "ReasoningSummaryPartDone",
    "ReasoningSummaryTextDelta",
    "ReasoningSummaryTextDone",
    "RefusalDelta",
    "RefusalDone",
    "ResponseAccumulator",
    "ResponseCompleted",
    "ResponseCreated",
    "ResponseEvent",
    "ResponseFailed",
    "ResponseInProgress",
    "ResponseIncomplete",
    "ResponseQueued",
    "ResponseResult",
    "StreamError",
    "UnknownEvent",
    "acollect_response",
    "aiter_response_events",
    "collect_response",
    "encode_event",
    "encode_stream",
    "event_from_dict",
    "iter_response_events",
    "parse_event",
    "stream_error",
]
