"""Rebuild the final message of an Anthropic Messages stream from its events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Iterable
from dataclasses import replace
from typing import Any

from .._errors import PayloadError
from .._event import ServerSentEvent
from .._jsonevent import JsonLoads, merge_counts
from .._typedstream import afeed_folding, feed_folding, not_an_event_stream, order_error
from ._content import (
    CitationsDelta,
    ContentBlock,
    InputJSONDelta,
    Message,
    ServerToolUseBlock,
    SignatureDelta,
    TextBlock,
    TextDelta,
    ThinkingBlock,
    ThinkingDelta,
    ToolUseBlock,
    UnknownBlock,
)
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
    build_event,
)
from ._reader import stream_error

_PROTOCOL = "Anthropic"

__all__ = ["MessageAccumulator", "ToolInputError", "acollect_message", "collect_message"]


class ToolInputError(PayloadError):
    """The joined ``input_json_delta`` fragments of a tool block are not a JSON object.

    ``data`` is the joined raw text, ``index`` the block's index, ``id`` and
    ``name`` the tool call's; the parser error, if any, is ``__cause__``.
    """

    def __init__(self, message: str, *, data: str, index: int, id: str, name: str) -> None:
        super().__init__(message, data=data)
        self.index = index
        self.id = id
        self.name = name


# Delta class -> (the block class it extends, the attribute holding its text).
_FRAGMENTS: dict[type, tuple[type, str]] = {
    TextDelta: (TextBlock, "text"),
    ThinkingDelta: (ThinkingBlock, "thinking"),
    InputJSONDelta: (ToolUseBlock, "partial_json"),
}


# Start block class -> (the type of the deltas extending it, the delta's text key),
# for the blocks whose fragments MessageAccumulator.fold applies from the JSON.
_FRAGMENT_KEYS: dict[type, tuple[str, str]] = {
    TextBlock: ("text_delta", "text"),
    ThinkingBlock: ("thinking_delta", "thinking"),
    ToolUseBlock: ("input_json_delta", "partial_json"),
    ServerToolUseBlock: ("input_json_delta", "partial_json"),
}


class _Block:
    """One content block being received: its start block and its fragments.

    ``delta_type`` and ``delta_key`` name the delta whose text extends the block
    (``None`` for a block without text fragments), for the accumulator's fold.
    """

    __slots__ = (
        "citations",
        "delta_key",
        "delta_type",
        "final",
        "parts",
        "signature_parts",
        "start",
    )

    def __init__(self, start: ContentBlock) -> None:
        self.start = start
        self.parts: list[str] = []
        self.signature_parts: list[str] = []
        self.citations: list[Any] = []
        self.final: ContentBlock | None = None
        fragment = _FRAGMENT_KEYS.get(type(start))
        self.delta_type: str | None = fragment[0] if fragment else None
        self.delta_key: str | None = fragment[1] if fragment else None

    def takes_input(self) -> bool:
        # mcp_tool_use and other tool-like blocks not modelled here also stream
        # their input as input_json_delta; they have an "input" key to fill.
        start = self.start
        return isinstance(start, ToolUseBlock | ServerToolUseBlock) or (
            isinstance(start, UnknownBlock) and "input" in start.extra
        )

    def build(self, index: int, json_loads: JsonLoads, strict: bool) -> ContentBlock:
        start = self.start
        if isinstance(start, TextBlock):
            if not self.parts and not self.citations:
                return start
            extra = start.extra
            if self.citations:
                before = extra.get("citations")
                extra = {**extra, "citations": [*(before or []), *self.citations]}
            return replace(start, text=start.text + "".join(self.parts), extra=extra)
        if isinstance(start, ThinkingBlock):
            signature = start.signature
            if self.signature_parts:
                signature = (signature or "") + "".join(self.signature_parts)
            return replace(
                start, thinking=start.thinking + "".join(self.parts), signature=signature
            )
        if self.takes_input():
            parsed = self._parse_input(index, json_loads, strict)
            if parsed is None:
                return start
            if isinstance(start, UnknownBlock):
                return replace(start, extra={**start.extra, "input": parsed})
            assert isinstance(start, ToolUseBlock | ServerToolUseBlock)
            return replace(start, input=parsed)
        return start

    def _parse_input(self, index: int, json_loads: JsonLoads, strict: bool) -> Any:
        text = "".join(self.parts)
        if not text:
            # No fragment text: the API sends `{}` at block start and an empty
            # fragment for a call without arguments, so the input is the start's.
            return None
        start = self.start
        call_id = getattr(start, "id", None)
        name = getattr(start, "name", None)
        if not isinstance(start, ToolUseBlock | ServerToolUseBlock):
            call_id = start.extra.get("id")
            name = start.extra.get("name")
        try:
            parsed = json_loads(text)
        except Exception as exc:
            if not strict:
                return None
            raise ToolInputError(
                f"tool input of block {index} ({name!r}) is not valid JSON: {exc}",
                data=text,
                index=index,
                id=str(call_id),
                name=str(name),
            ) from exc
        if not isinstance(parsed, dict):
            if not strict:
                return None
            raise ToolInputError(
                f"tool input of block {index} ({name!r}) must be a JSON object, "
                f"not {type(parsed).__name__}",
                data=text,
                index=index,
                id=str(call_id),
                name=str(name),
            )
        return parsed


class MessageAccumulator:
    """Feed it the events of one stream with :meth:`add`; get the final message.

    The result (:meth:`result`) is the :class:`Message` the non-streaming API would
    have returned: content blocks in index order, each text joined once, each tool
    block's ``input`` parsed from its joined ``input_json_delta`` fragments (no
    fragment text means the start's ``{}``), thinking text with its signature,
    citations appended to their text block, ``stop_reason`` / ``stop_sequence`` from
    ``message_delta``, and ``usage`` = ``message_start``'s usage updated key by key
    with each ``message_delta`` usage (a ``null`` there does not erase a count).
    Other keys of ``message_delta``'s ``delta`` update the message's ``extra``.

    Unknown events and deltas the accumulator cannot apply are kept, in order, in
    :attr:`unhandled`.
    """

    __slots__ = (
        "_blocks",
        "_delta_extra",
        "_done",
        "_json_loads",
        "_start",
        "_stop_reason",
        "_stop_sequence",
        "_unhandled",
        "_usage",
    )

    def __init__(self, *, json_loads: JsonLoads = json.loads) -> None:
        self._json_loads = json_loads
        self._start: Message | None = None
        self._usage: dict[str, Any] = {}
        self._delta_extra: dict[str, Any] = {}
        self._stop_reason: str | None = None
        self._stop_sequence: str | None = None
        self._blocks: dict[int, _Block] = {}
        self._unhandled: list[AnthropicEvent] = []
        self._done = False

    @property
    def done(self) -> bool:
        """Whether ``message_stop`` has been added."""
        return self._done

    @property
    def unhandled(self) -> tuple[AnthropicEvent, ...]:
        """Events kept but not applied: unknown events, unknown deltas, deltas of
        unknown blocks."""
        return tuple(self._unhandled)

    def add(self, event: AnthropicEvent) -> None:
        """Apply one event.

        Raises :class:`~sse_codec.StreamError` for an :class:`ErrorEvent`
        (``received`` is :meth:`snapshot`); :class:`ToolInputError` when a tool block
        stops and its joined input is not a JSON object; :class:`~sse_codec.PayloadError`
        for events out of protocol order (a block event before ``message_start`` or
        for a block not open, a second ``message_start``, a delta of the wrong kind
        for its block).
        """
        if type(event) is ContentBlockDelta:
            # The text fragment of an open block of its kind: most of a stream.
            block = self._blocks.get(event.index)
            delta = event.delta
            if block is not None and block.final is None:
                kind = _FRAGMENTS.get(type(delta))
                if kind is not None and type(block.start) is kind[0]:
                    block.parts.append(getattr(delta, kind[1]))
                    return
            self._add_delta(event)
        elif isinstance(event, ContentBlockDelta):
            self._add_delta(event)
        elif isinstance(event, ContentBlockStart):
            self._require_started(event)
            if event.index in self._blocks:
                raise self._violation(f"block {event.index} started twice", event)
            self._blocks[event.index] = _Block(event.content_block)
        elif isinstance(event, ContentBlockStop):
            block = self._open_block(event)
            block.final = block.build(event.index, self._json_loads, strict=True)
        elif isinstance(event, MessageStart):
            if self._start is not None:
                raise self._violation("a second message_start in one stream", event)
            self._start = event.message
            self._usage = dict(event.message.usage)
            self._stop_reason = event.message.stop_reason
            self._stop_sequence = event.message.stop_sequence
        elif isinstance(event, MessageDelta):
            self._require_started(event)
            if event.stop_reason is not None:
                self._stop_reason = event.stop_reason
            if event.stop_sequence is not None:
                self._stop_sequence = event.stop_sequence
            if event.usage is not None:
                merge_counts(self._usage, event.usage)
            merge_counts(self._delta_extra, event.delta_extra)
        elif isinstance(event, MessageStop):
            self._done = True
        elif isinstance(event, ErrorEvent):
            error = stream_error(event, None)
            error.received = self.snapshot()
            raise error
        elif isinstance(event, Ping):
            pass
        else:
            assert isinstance(event, UnknownEvent)
            self._unhandled.append(event)

    def _fold(self, obj: dict[str, Any]) -> bool:
        """Append the text of a ``content_block_delta`` of exactly the usual shape,
        ``{"type", "index", "delta": {"type", <text key>: str}}``, to its open block
        of the matching kind and return ``True``; else change nothing and return
        ``False``.

        That is most of a stream; :meth:`add` of its typed event would do the same,
        so :func:`collect_message` skips building the event.  Never raises.
        """
        if len(obj) != 3 or obj.get("type") != "content_block_delta":
            return False
        index = obj.get("index")
        delta = obj.get("delta")
        # type() rather than isinstance: a bool is not an index (the typed path
        # rejects it), and only a plain dict is known to have its len() and get().
        if type(index) is not int or type(delta) is not dict or len(delta) != 2:
            return False
        block = self._blocks.get(index)
        if block is None or block.final is not None or delta.get("type") != block.delta_type:
            return False
        # A block without fragments has None for both: a delta without "type" gets
        # this far, and its get(None) is None, not a string.
        text = delta.get(block.delta_key)
        if type(text) is not str:
            return False
        block.parts.append(text)
        return True

    def _violation(self, what: str, event: AnthropicEvent) -> PayloadError:
        return order_error("Anthropic", what, event)

    def _require_started(self, event: AnthropicEvent) -> None:
        if self._start is None:
            raise self._violation(f"{event.type} before message_start", event)

    def _open_block(self, event: ContentBlockDelta | ContentBlockStop) -> _Block:
        self._require_started(event)
        block = self._blocks.get(event.index)
        if block is None:
            raise self._violation(f"{event.type} for block {event.index}, never started", event)
        if block.final is not None:
            raise self._violation(f"{event.type} for block {event.index}, already stopped", event)
        return block

    def _add_delta(self, event: ContentBlockDelta) -> None:
        block = self._open_block(event)
        delta = event.delta
        start = block.start
        if isinstance(start, UnknownBlock) and not (
            isinstance(delta, InputJSONDelta) and block.takes_input()
        ):
            self._unhandled.append(event)
            return
        if isinstance(delta, TextDelta | ThinkingDelta | InputJSONDelta):
            if isinstance(delta, TextDelta):
                fits, piece = isinstance(start, TextBlock), delta.text
            elif isinstance(delta, ThinkingDelta):
                fits, piece = isinstance(start, ThinkingBlock), delta.thinking
            else:
                fits, piece = block.takes_input(), delta.partial_json
            if not fits:
                raise self._violation(f"{delta.type} for a {start.type} block", event)
            block.parts.append(piece)
        elif isinstance(delta, SignatureDelta):
            if not isinstance(start, ThinkingBlock):
                raise self._violation(f"signature_delta for a {start.type} block", event)
            block.signature_parts.append(delta.signature)
        elif isinstance(delta, CitationsDelta):
            if not isinstance(start, TextBlock):
                raise self._violation(f"citations_delta for a {start.type} block", event)
            block.citations.append(dict(delta.citation))
        else:
            self._unhandled.append(event)

    def _message(self, strict: bool) -> Message:
        assert self._start is not None
        content = []
        for index in sorted(self._blocks):
            block = self._blocks[index]
            final = block.final
            if final is None:
                final = block.build(index, self._json_loads, strict)
            content.append(final)
        extra = dict(self._start.extra)
        merge_counts(extra, self._delta_extra)
        return replace(
            self._start,
            content=tuple(content),
            stop_reason=self._stop_reason,
            stop_sequence=self._stop_sequence,
            usage=dict(self._usage),
            extra=extra,
        )

    def snapshot(self) -> Message | None:
        """The message as received so far, or ``None`` before ``message_start``.

        Never raises: a tool block still open whose fragments do not yet parse
        shows its start ``input``.
        """
        if self._start is None:
            return None
        return self._message(strict=False)

    def result(self, *, require_stop: bool = True) -> Message:
        """The final message.

        Raises :class:`~sse_codec.IncompleteStreamError` (``received`` is
        :meth:`snapshot`) when no ``message_start`` was added, or no ``message_stop``
        unless ``require_stop=False``; :class:`ToolInputError` when an open tool
        block's joined input is not a JSON object.
        """
        if self._start is None or (require_stop and not self._done):
            missing = "message_start" if self._start is None else "message_stop"
            raise IncompleteStreamError(
                f"Anthropic stream has no {missing}: the message is truncated",
                received=self.snapshot(),
            )
        return self._message(strict=True)


def collect_message(
    events: Iterable[ServerSentEvent],
    *,
    require_stop: bool = True,
    json_loads: JsonLoads = json.loads,
) -> Message:
    """Read a whole Anthropic stream and return its final :class:`Message`.

    Raises what :func:`parse_event` and :meth:`MessageAccumulator.add` raise (an
    ``error`` event as :class:`~sse_codec.StreamError`, with ``event`` set).  A
    :class:`~sse_codec.StreamError` or :class:`~sse_codec.IncompleteStreamError`
    carries the partial message in ``received``.
    """
    acc = MessageAccumulator(json_loads=json_loads)
    # The accumulator folds the text fragments straight from their JSON; every
    # other event is read as by read_event and added.
    count = feed_folding(
        acc, events, acc._fold, json_loads, protocol=_PROTOCOL, build=build_event, error=StreamError
    )
    if not count and require_stop:
        raise not_an_event_stream(_PROTOCOL, NotAnEventStreamError, acc.snapshot())
    return acc.result(require_stop=require_stop)


async def acollect_message(
    events: AsyncIterable[ServerSentEvent],
    *,
    require_stop: bool = True,
    json_loads: JsonLoads = json.loads,
) -> Message:
    """Async twin of :func:`collect_message`."""
    acc = MessageAccumulator(json_loads=json_loads)
    count = await afeed_folding(
        acc, events, acc._fold, json_loads, protocol=_PROTOCOL, build=build_event, error=StreamError
    )
    if not count and require_stop:
        raise not_an_event_stream(_PROTOCOL, NotAnEventStreamError, acc.snapshot())
    return acc.result(require_stop=require_stop)
