"""Folding chunks into a whole completion.

Text arrives as many small fragments; each field keeps a list of them and joins
once in ``result()``, so accumulation is linear in the text received.
"""

from __future__ import annotations

from typing import Any

from ._completion import (
    ChatCompletion,
    ChatCompletionMessage,
    CompletionChoice,
    FunctionCall,
    ToolCall,
)
from ._types import ChatCompletionChunk, ChoiceDelta, ChunkChoice, ToolCallDelta, Usage

__all__ = ["ChatCompletionAccumulator"]


def _join(parts: list[str] | None) -> str | None:
    return None if parts is None else "".join(parts)


class _ToolCallState:
    __slots__ = ("arguments", "id", "index", "name", "type")

    def __init__(self, index: int) -> None:
        self.index = index
        self.id: str | None = None
        self.type: str | None = None
        self.name: str | None = None
        self.arguments: list[str] = []

    def add(self, delta: ToolCallDelta) -> None:
        # id, type and name come once; a repeated (or empty placeholder) value must
        # not be glued onto the first, so the first non-empty value wins.
        if delta.id and not self.id:
            self.id = delta.id
        if delta.type and not self.type:
            self.type = delta.type
        function = delta.function
        if function is not None:
            if function.name and not self.name:
                self.name = function.name
            if function.arguments:
                self.arguments.append(function.arguments)

    def result(self) -> ToolCall:
        return ToolCall(
            id=self.id,
            type=self.type,
            function=FunctionCall(name=self.name, arguments="".join(self.arguments)),
        )


def _by_index(call: _ToolCallState) -> int:
    return call.index


class _ChoiceState:
    __slots__ = (
        "by_index",
        "content",
        "content_parts",
        "finish_reason",
        "function_arguments",
        "function_name",
        "function_seen",
        "logprobs",
        "reasoning",
        "reasoning_content",
        "refusal",
        "role",
        "thinking",
        "tool_calls",
    )

    def __init__(self) -> None:
        self.role: str | None = None
        # None: nothing arrived for the field yet (so the result says null, not "").
        self.content: list[str] | None = None
        self.refusal: list[str] | None = None
        self.reasoning_content: list[str] | None = None
        self.reasoning: list[str] | None = None
        self.thinking: list[str] | None = None
        self.content_parts: list[Any] = []
        self.tool_calls: list[_ToolCallState] = []
        # index -> the call that fragments with that index continue (the newest one).
        self.by_index: dict[int, _ToolCallState] = {}
        self.function_seen = False
        self.function_name: str | None = None
        self.function_arguments: list[str] = []
        self.finish_reason: str | None = None
        self.logprobs: dict[str, Any] | None = None

    def add(self, choice: ChunkChoice) -> None:
        delta = choice.delta
        if delta is not None:
            self._add_delta(delta)
        if choice.finish_reason is not None:
            self.finish_reason = choice.finish_reason
        logprobs = choice.logprobs
        if type(logprobs) is dict:
            self._add_logprobs(logprobs)

    def _add_delta(self, delta: ChoiceDelta) -> None:
        if delta.role:
            self.role = delta.role
        content = delta.content
        if type(content) is str:
            if self.content is None:
                self.content = []
            self.content.append(content)
        elif type(content) is list:
            self._add_parts(content)
        if delta.refusal is not None:
            if self.refusal is None:
                self.refusal = []
            self.refusal.append(delta.refusal)
        if delta.reasoning_content is not None:
            if self.reasoning_content is None:
                self.reasoning_content = []
            self.reasoning_content.append(delta.reasoning_content)
        if delta.reasoning is not None:
            if self.reasoning is None:
                self.reasoning = []
            self.reasoning.append(delta.reasoning)
        if delta.tool_calls:
            self._add_tool_calls(delta.tool_calls)
        function_call = delta.function_call
        if function_call is not None:
            self.function_seen = True
            if function_call.name and not self.function_name:
                self.function_name = function_call.name
            if function_call.arguments:
                self.function_arguments.append(function_call.arguments)

    def _add_parts(self, parts: list[Any]) -> None:
        for part in parts:
            kind = part.get("type") if type(part) is dict else None
            if kind == "text" and type(part.get("text")) is str:
                if self.content is None:
                    self.content = []
                self.content.append(part["text"])
            elif kind == "thinking":
                if self.thinking is None:
                    self.thinking = []
                self._add_thinking(part.get("thinking"))
            else:
                self.content_parts.append(part)

    def _add_thinking(self, thinking: Any) -> None:
        assert self.thinking is not None
        if type(thinking) is str:
            self.thinking.append(thinking)
        elif type(thinking) is list:
            for item in thinking:
                text = item.get("text") if type(item) is dict else None
                if type(text) is str:
                    self.thinking.append(text)

    def _add_tool_calls(self, deltas: tuple[ToolCallDelta, ...]) -> None:
        for position, delta in enumerate(deltas):
            # Mistral sends no index: the call's position in this delta's list stands in.
            index = position if delta.index is None else delta.index
            call = self.by_index.get(index)
            # A different id at a known index is a new call that reuses the index.
            if call is None or (delta.id and call.id and delta.id != call.id):
                call = _ToolCallState(index)
                self.by_index[index] = call
                self.tool_calls.append(call)
            call.add(delta)

    def _add_logprobs(self, logprobs: dict[str, Any]) -> None:
        merged = self.logprobs
        if merged is None:
            merged = self.logprobs = {}
        for key, value in logprobs.items():
            if type(value) is list:
                previous = merged.get(key)
                if type(previous) is list:
                    previous.extend(value)
                else:
                    merged[key] = list(value)
            elif value is not None or key not in merged:
                merged[key] = value

    def result(self, index: int) -> CompletionChoice:
        function_call = None
        if self.function_seen:
            function_call = FunctionCall(
                name=self.function_name, arguments="".join(self.function_arguments)
            )
        message = ChatCompletionMessage(
            role=self.role,
            content=_join(self.content),
            refusal=_join(self.refusal),
            reasoning_content=_join(self.reasoning_content),
            reasoning=_join(self.reasoning),
            thinking=_join(self.thinking),
            # sorted() is stable: a call reusing an index stays after the earlier one.
            tool_calls=tuple(call.result() for call in sorted(self.tool_calls, key=_by_index)),
            function_call=function_call,
            content_parts=tuple(self.content_parts),
        )
        logprobs = self.logprobs
        if logprobs is not None:
            logprobs = {k: list(v) if type(v) is list else v for k, v in logprobs.items()}
        return CompletionChoice(
            index=index, message=message, finish_reason=self.finish_reason, logprobs=logprobs
        )


class ChatCompletionAccumulator:
    """Folds :class:`ChatCompletionChunk` objects into a :class:`ChatCompletion`.

    Rules:

    * Choices are keyed by ``index`` (a choice without one by its position in the
      chunk's ``choices``).
    * ``content``, ``refusal``, ``reasoning_content`` and ``reasoning`` are each the
      concatenation of their string fragments, or ``None`` if none arrived; ``""``
      counts, so a role chunk with ``content: ""`` makes the content ``""``.
    * List ``content`` (Mistral): ``text`` parts go to ``content``, the text of
      ``thinking`` parts to ``thinking``, any other part to ``content_parts``.
    * Tool calls are keyed by ``index`` (by position in the delta's list when it
      has none); ``id``, ``type`` and ``function.name`` keep the first non-empty
      value, ``arguments`` fragments are concatenated.  Fragments repeating an index
      merge into that call, unless they carry a different ``id``: then they start a
      new call, which later fragments with that index continue.  Calls are listed by
      index (calls sharing an index in the order they started).
    * ``finish_reason``: the last non-null value (a later ``null`` does not erase it).
    * ``usage``: the last non-null ``usage`` object.
    * ``logprobs``: list values (``content``, ``refusal``) concatenated.
    * ``id``, ``created``, ``model``, ``system_fingerprint``, ``service_tier``: the
      first non-empty value (Azure's prompt-filter payload has ``id: ""``, ``created: 0``).

    Text is kept as lists of fragments and joined in :meth:`result`, so the cost is
    linear.  Keys the types do not name (``extra``) are not merged.  ``chunks``
    counts the chunks added so far.
    """

    __slots__ = (
        "_choices",
        "_created",
        "_id",
        "_model",
        "_service_tier",
        "_system_fingerprint",
        "_usage",
        "chunks",
    )

    def __init__(self) -> None:
        self._choices: dict[int, _ChoiceState] = {}
        self._id: str | None = None
        self._created: int | None = None
        self._model: str | None = None
        self._system_fingerprint: str | None = None
        self._service_tier: str | None = None
        self._usage: Usage | None = None
        #: Number of chunks added so far.
        self.chunks: int = 0

    def add(self, chunk: ChatCompletionChunk) -> None:
        """Fold one chunk in.  Raises :class:`TypeError` for anything but a
        :class:`ChatCompletionChunk`."""
        if not isinstance(chunk, ChatCompletionChunk):
            raise TypeError(f"expected a ChatCompletionChunk, not {type(chunk).__name__}")
        self.chunks += 1
        if not self._id and chunk.id:
            self._id = chunk.id
        if not self._created and chunk.created:
            self._created = chunk.created
        if not self._model and chunk.model:
            self._model = chunk.model
        if not self._system_fingerprint and chunk.system_fingerprint:
            self._system_fingerprint = chunk.system_fingerprint
        if not self._service_tier and chunk.service_tier:
            self._service_tier = chunk.service_tier
        if chunk.usage is not None:
            self._usage = chunk.usage
        choices = self._choices
        for position, choice in enumerate(chunk.choices):
            index = position if choice.index is None else choice.index
            state = choices.get(index)
            if state is None:
                state = choices[index] = _ChoiceState()
            state.add(choice)

    def result(self) -> ChatCompletion:
        """Return the completion accumulated so far (callable at any time, any number
        of times; the accumulator keeps going).  Never raises."""
        return ChatCompletion(
            id=self._id,
            created=self._created,
            model=self._model,
            system_fingerprint=self._system_fingerprint,
            service_tier=self._service_tier,
            choices=tuple(self._choices[i].result(i) for i in sorted(self._choices)),
            usage=self._usage,
        )
