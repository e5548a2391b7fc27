"""Anthropic Messages streams to OpenAI chat-completion chunk streams.

For the "OpenAI-compatible endpoint in front of Claude" kind of gateway: read an
Anthropic stream, write the chat stream an OpenAI client expects.

What maps to what (one choice, index 0):

* ``message_start`` → a role chunk (``role: "assistant"``, ``content: ""``); the
  chunk ``id`` is the message id, ``model`` the message's model.
* ``text_delta`` → ``delta.content``; ``thinking_delta`` → ``delta.reasoning_content``
  (the DeepSeek field).
* a ``tool_use`` block → one entry of ``delta.tool_calls``: the first chunk carries
  the call's ``index`` (0, 1, … in block order), ``id``, ``type: "function"``,
  ``function.name`` and ``arguments: ""``; each non-empty ``input_json_delta``
  becomes an ``arguments`` fragment at that index; a call whose fragments were all
  empty gets ``"{}"`` (the JSON of its start input) so the arguments always parse.
* ``message_delta`` → a chunk with ``finish_reason`` (see :data:`FINISH_REASONS`;
  a stop reason not listed there is passed through unchanged).
* ``message_stop`` → a usage chunk (``choices: []``; see :func:`usage_to_chat`),
  then ``data: [DONE]``.
* an ``error`` event → ``data: {"error": <the Anthropic error object>}`` and the end
  of the stream, without ``[DONE]``: :func:`sse_codec.openai.iter_chunks` raises it as
  :class:`~sse_codec.StreamError` with that object as ``payload``.
* a stream that ends before ``message_stop`` ends without ``[DONE]`` too, so the
  client sees :class:`~sse_codec.IncompleteStreamError`, not a short answer.

Not carried, because chat completions have no place for them: thinking
signatures and ``redacted_thinking`` blocks, ``server_tool_use`` blocks and their
results (the API ran those tools itself; a chat client must not run them again),
citations, and ``ping``.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import Any

from ._encoder import encode
from ._errors import StreamError
from ._event import ServerSentEvent
from ._jsonevent import JsonLoads, dumps_compact, merge_counts
from .anthropic import (
    AnthropicEvent,
    ContentBlockDelta,
    ContentBlockStart,
    ContentBlockStop,
    ErrorEvent,
    InputJSONDelta,
    MessageDelta,
    MessageStart,
    MessageStop,
    TextBlock,
    TextDelta,
    ThinkingBlock,
    ThinkingDelta,
    ToolUseBlock,
)
from .anthropic._reader import read_event, stream_error
from .openai import (
    DONE,
    ChatCompletionChunk,
    ChoiceDelta,
    ChunkChoice,
    FunctionDelta,
    PromptTokensDetails,
    ToolCallDelta,
    Usage,
    encode_chunk,
)

__all__ = [
    "FINISH_REASONS",
    "AnthropicToChat",
    "aanthropic_to_chat_sse",
    "anthropic_to_chat_chunks",
    "anthropic_to_chat_sse",
    "finish_reason",
    "usage_to_chat",
]

#: Anthropic ``stop_reason`` → OpenAI ``finish_reason``.
FINISH_REASONS: Mapping[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    # The API paused a long server-tool turn; the message so far is complete.
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def finish_reason(stop_reason: str | None) -> str | None:
    """Map an Anthropic ``stop_reason`` to a chat ``finish_reason``.

    Uses :data:`FINISH_REASONS`; ``None`` stays ``None`` and any other value is
    returned unchanged, so a new reason reaches the client rather than being
    disguised.  Never raises.
    """
    if stop_reason is None:
        return None
    return FINISH_REASONS.get(stop_reason, stop_reason)


def _count(usage: Mapping[str, Any], key: str) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_to_chat(usage: Mapping[str, Any]) -> Usage:
    """Map an Anthropic usage object (merged, as the accumulator gives it) to chat usage.

    Anthropic's ``input_tokens`` leaves out cached tokens; OpenAI's
    ``prompt_tokens`` counts them.  So ``prompt_tokens`` = ``input_tokens`` +
    ``cache_creation_input_tokens`` + ``cache_read_input_tokens``,
    ``prompt_tokens_details.cached_tokens`` = ``cache_read_input_tokens``,
    ``completion_tokens`` = ``output_tokens`` and ``total_tokens`` their sum.
    Missing or null counts are 0.  Never raises.
    """
    cache_read = _count(usage, "cache_read_input_tokens")
    prompt = _count(usage, "input_tokens") + _count(usage, "cache_creation_input_tokens")
    prompt += cache_read
    completion = _count(usage, "output_tokens")
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
        prompt_tokens_details=PromptTokensDetails(cached_tokens=cache_read),
    )


class _Tool:
    """A client tool_use block being converted."""

    __slots__ = ("index", "sent", "start_input")

    def __init__(self, index: int, start_input: str) -> None:
        self.index = index  # the chat tool-call index
        self.sent = False  # whether an arguments fragment went out
        self.start_input = start_input


class AnthropicToChat:
    """Sans-I/O converter: one Anthropic event in, the chat chunks it becomes out.

    ``created`` is the chunks' ``created`` time (default: now, when
    ``message_start`` arrives); ``include_usage=False`` leaves out the final usage
    chunk (as OpenAI does without ``stream_options.include_usage``).
    """

    __slots__ = (
        "_created",
        "_id",
        "_include_usage",
        "_model",
        "_stopped",
        "_tools",
        "_usage",
    )

    def __init__(self, *, created: int | None = None, include_usage: bool = True) -> None:
        self._created = created
        self._include_usage = include_usage
        self._id: str | None = None
        self._model: str | None = None
        self._usage: dict[str, Any] = {}
        self._tools: dict[int, _Tool] = {}  # by Anthropic block index
        self._stopped = False

    @property
    def done(self) -> bool:
        """Whether ``message_stop`` has been converted (the chat stream may end)."""
        return self._stopped

    def _chunk(self, delta: ChoiceDelta, finish: str | None = None) -> ChatCompletionChunk:
        choice = ChunkChoice(delta=delta, finish_reason=finish)
        return ChatCompletionChunk(
            id=self._id, created=self._created, model=self._model, choices=(choice,)
        )

    def _tool_delta(self, index: int, arguments: str) -> ChatCompletionChunk:
        call = ToolCallDelta(index=index, function=FunctionDelta(arguments=arguments))
        return self._chunk(ChoiceDelta(tool_calls=(call,)))

    def convert(self, event: AnthropicEvent) -> list[ChatCompletionChunk]:
        """Return the chunks ``event`` becomes (often one, sometimes none).

        Raises :class:`~sse_codec.StreamError` (``payload`` is the Anthropic error
        object) for an :class:`~sse_codec.anthropic.ErrorEvent`.
        """
        if isinstance(event, ContentBlockDelta):
            return self._delta(event)
        if isinstance(event, MessageStart):
            message = event.message
            self._id, self._model = message.id, message.model
            if self._created is None:
                self._created = int(time.time())
            self._usage = dict(message.usage)
            return [self._chunk(ChoiceDelta(role="assistant", content=""))]
        if isinstance(event, ContentBlockStart):
            return self._block_start(event)
        if isinstance(event, ContentBlockStop):
            tool = self._tools.get(event.index)
            if tool is not None and not tool.sent:
                tool.sent = True
                return [self._tool_delta(tool.index, arguments=tool.start_input)]
            return []
        if isinstance(event, MessageDelta):
            if event.usage is not None:
                merge_counts(self._usage, event.usage)
            reason = finish_reason(event.stop_reason)
            return [] if reason is None else [self._chunk(ChoiceDelta(), reason)]
        if isinstance(event, MessageStop):
            self._stopped = True
            if not self._include_usage:
                return []
            usage = usage_to_chat(self._usage)
            return [
                ChatCompletionChunk(
                    id=self._id, created=self._created, model=self._model, choices=(), usage=usage
                )
            ]
        if isinstance(event, ErrorEvent):
            raise stream_error(event, None)
        return []  # ping, unknown events

    def _block_start(self, event: ContentBlockStart) -> list[ChatCompletionChunk]:
        block = event.content_block
        if isinstance(block, ToolUseBlock):
            index = len(self._tools)
            start_input = dumps_compact(dict(block.input), None, check=False)
            self._tools[event.index] = _Tool(index, start_input)
            call = ToolCallDelta(
                index=index,
                id=block.id,
                type="function",
                function=FunctionDelta(name=block.name, arguments=""),
            )
            return [self._chunk(ChoiceDelta(tool_calls=(call,)))]
        if isinstance(block, TextBlock) and block.text:
            return [self._chunk(ChoiceDelta(content=block.text))]
        if isinstance(block, ThinkingBlock) and block.thinking:
            return [self._chunk(ChoiceDelta(reasoning_content=block.thinking))]
        return []

    def _delta(self, event: ContentBlockDelta) -> list[ChatCompletionChunk]:
        delta = event.delta
        if isinstance(delta, TextDelta):
            return [self._chunk(ChoiceDelta(content=delta.text))] if delta.text else []
        if isinstance(delta, ThinkingDelta):
            if not delta.thinking:
                return []
            return [self._chunk(ChoiceDelta(reasoning_content=delta.thinking))]
        if isinstance(delta, InputJSONDelta):
            tool = self._tools.get(event.index)
            if tool is None or not delta.partial_json:
                return []  # a server tool's input, or an empty fragment
            tool.sent = True
            return [self._tool_delta(tool.index, arguments=delta.partial_json)]
        return []


def anthropic_to_chat_chunks(
    events: Iterable[AnthropicEvent], *, created: int | None = None, include_usage: bool = True
) -> Iterator[ChatCompletionChunk]:
    """Yield the chat chunks of a stream of typed Anthropic events, in order.

    Raises :class:`~sse_codec.StreamError` at an ``error`` event.  It does not
    check for ``message_stop``; :func:`~sse_codec.anthropic.iter_stream_events`
    does (its ``IncompleteStreamError`` passes through).
    """
    converter = AnthropicToChat(created=created, include_usage=include_usage)
    for event in events:
        yield from converter.convert(event)


class _Wire:
    """The state of :func:`anthropic_to_chat_sse`: parse, convert, encode."""

    __slots__ = ("converter", "ended", "json_loads")

    def __init__(self, created: int | None, include_usage: bool, json_loads: JsonLoads) -> None:
        self.converter = AnthropicToChat(created=created, include_usage=include_usage)
        self.json_loads = json_loads
        self.ended = False

    def feed(self, sse: ServerSentEvent) -> list[bytes]:
        try:
            event = read_event(sse, self.json_loads)
        except StreamError as exc:  # an `event: error` whose data is not an error event
            # {"error": null} would read as no error at all; send the text instead.
            return self._error(sse.data if exc.payload is None else exc.payload)
        if isinstance(event, ErrorEvent):
            return self._error(dict(event.error))
        out = [encode_chunk(chunk) for chunk in self.converter.convert(event)]
        if self.converter.done:
            self.ended = True
            out.append(DONE)
        return out

    def _error(self, payload: object) -> list[bytes]:
        self.ended = True
        return [encode(dumps_compact({"error": payload}, None, check=False))]


def anthropic_to_chat_sse(
    events: Iterable[ServerSentEvent],
    *,
    created: int | None = None,
    include_usage: bool = True,
    json_loads: JsonLoads = json.loads,
) -> Iterator[bytes]:
    """Turn the server-sent events of an Anthropic stream into chat-stream bytes.

    Yields ``data: <chunk>`` events as the Anthropic events arrive, then
    ``data: [DONE]`` after ``message_stop``, and stops reading there.  An
    Anthropic ``error`` event becomes ``data: {"error": …}`` and ends the output
    without ``[DONE]``; so does an input that ends before ``message_stop``.
    Raises :class:`~sse_codec.PayloadError` for an Anthropic event that is not
    well-formed (a gateway then closes the response: the client sees a truncation).
    """
    wire = _Wire(created, include_usage, json_loads)
    for sse in events:
        yield from wire.feed(sse)
        if wire.ended:
            return


async def aanthropic_to_chat_sse(
    events: AsyncIterable[ServerSentEvent],
    *,
    created: int | None = None,
    include_usage: bool = True,
    json_loads: JsonLoads = json.loads,
) -> AsyncIterator[bytes]:
    """Async twin of :func:`anthropic_to_chat_sse`, over :func:`sse_codec.aiter_events`."""
    wire = _Wire(created, include_usage, json_loads)
    async for sse in events:
        for item in wire.feed(sse):
            yield item
        if wire.ended:
            return
