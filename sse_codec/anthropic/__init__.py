"""Typed Anthropic Messages streams: events, readers, accumulator, encoder.

::

    from sse_codec import iter_events
    from sse_codec.anthropic import collect_message, iter_stream_events

    message = collect_message(iter_events(response.iter_bytes()))
    print(message.text, message.stop_reason, message.usage)

Every public name has a docstring saying what it does and what it raises.
:class:`StreamError`, :class:`IncompleteStreamError` and
:class:`NotAnEventStreamError` are this layer's subclasses of the package-wide
classes of :mod:`sse_codec`, with ``received`` typed; :class:`PayloadError` is
the package-wide class, re-exported for convenience.
"""

from __future__ import annotations

from .._errors import PayloadError
from ._accumulator import MessageAccumulator, ToolInputError, acollect_message, collect_message
from ._content import (
    CitationsDelta,
    ContentBlock,
    Delta,
    InputJSONDelta,
    Message,
    RedactedThinkingBlock,
    ServerToolUseBlock,
    SignatureDelta,
    TextBlock,
    TextDelta,
    ThinkingBlock,
    ThinkingDelta,
    ToolUseBlock,
    UnknownBlock,
    UnknownDelta,
)
from ._encoder import encode_event, encode_stream
from ._errors import IncompleteStreamError, NotAnEventStreamError, StreamError
from ._events import (
    AnthropicEvent,
    ContentBlockDelta,
    ContentBlockStart,
    ContentBlockStop,
    ErrorEvent,
    MessageDelta,
    MessageStart,
    MessageStop,
    Ping,
    UnknownEvent,
    event_from_dict,
    parse_event,
)
from ._reader import aiter_stream_events, iter_stream_events

__all__ = [
    "AnthropicEvent",
    "CitationsDelta",
    "ContentBlock",
    "ContentBlockDelta",
    "ContentBlockStart",
    "ContentBlockStop",
    "Delta",
    "ErrorEvent",
    "IncompleteStreamError",
    "InputJSONDelta",
    "Message",
    "MessageAccumulator",
    "MessageDelta",
    "MessageStart",
    "MessageStop",
    "NotAnEventStreamError",
    "PayloadError",
    "Ping",
    "RedactedThinkingBlock",
    "ServerToolUseBlock",
    "SignatureDelta",
    "StreamError",
    "TextBlock",
    "TextDelta",
    "ThinkingBlock",
    "ThinkingDelta",
    "ToolInputError",
    "ToolUseBlock",
    "UnknownBlock",
    "UnknownDelta",
    "UnknownEvent",
    "acollect_message",
    "aiter_stream_events",
    "collect_message",
    "encode_event",
    "encode_stream",
    "event_from_dict",
    "iter_stream_events",
    "parse_event",
]
