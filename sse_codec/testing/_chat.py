"""The ``chat_chunk_streams()`` strategy: OpenAI-style chat streams and their result.

Draws a stream plan (choices with content, reasoning and several tool calls,
interleaved), renders it as chunks, and computes the completion the plan means
directly from the plan, never from the accumulator under test.  (Moved here from
the OpenAI layer's own tests, which now use it from ``sse_codec.testing``.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from ..openai import (
    DONE,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChoiceDelta,
    ChunkChoice,
    CompletionChoice,
    FunctionCall,
    FunctionDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
    encode_chunk,
)
from ._events import field_text

__all__ = ["ChatStream", "chat_chunk_streams"]


@dataclass(frozen=True, slots=True)
class ChatStream:
    """A generated OpenAI-style chat stream and what it must accumulate to.

    ``chunks`` are the typed chunks in order, ``body`` their wire form (each
    chunk as ``encode_chunk`` writes it, then ``data: [DONE]``), and
    ``completion`` the :class:`~sse_codec.openai.ChatCompletion` that folding
    the chunks must give (``ChatCompletionAccumulator().result()``).
    """

    chunks: tuple[ChatCompletionChunk, ...]
    completion: ChatCompletion
    body: bytes = b""


_text = field_text(max_size=12)
_name = field_text(min_size=1, max_size=10)


@st.composite
def _choice_plan(draw: st.DrawFn, index: int) -> tuple[list[ChoiceDelta], CompletionChoice, str]:
    """Deltas for one choice in order (without the finish), its result, its finish reason."""
    role_content = draw(st.sampled_from([None, ""]))
    content = draw(st.lists(_text, max_size=6))
    reasoning_key = draw(st.sampled_from(["reasoning_content", "reasoning"]))
    reasoning = draw(st.lists(_text, max_size=6))
    n_calls = draw(st.integers(0, 3))
    mistral_style = n_calls > 0 and draw(st.booleans())
    call_names = [draw(_name) for _ in range(n_calls)]
    call_args = [draw(st.lists(_text, min_size=1, max_size=4)) for _ in range(n_calls)]
    call_ids = [f"call_{index}_{i}_{draw(st.integers(0, 999))}" for i in range(n_calls)]

    # Each source is a queue whose order must survive interleaving.
    queues: list[list[ChoiceDelta]] = [
        [ChoiceDelta(content=piece) for piece in content],
        [
            ChoiceDelta(reasoning_content=piece)
            if reasoning_key == "reasoning_content"
            else ChoiceDelta(reasoning=piece)
            for piece in reasoning
        ],
    ]
    if mistral_style:
        queues.append(
            [
                ChoiceDelta(
                    tool_calls=tuple(
                        ToolCallDelta(
                            id=call_ids[i],
                            function=FunctionDelta(name=call_names[i], arguments="".join(args)),
                        )
                        for i, args in enumerate(call_args)
                    )
                )
            ]
        )
    else:
        for i in range(n_calls):
            first, *rest = call_args[i]
            queues.append(
                [
                    ChoiceDelta(
                        tool_calls=(
                            ToolCallDelta(
                                index=i,
                                id=call_ids[i],
                                type="function",
                                function=FunctionDelta(name=call_names[i], arguments=first),
                            ),
                        )
                    ),
                    *(
                        ChoiceDelta(
                            tool_calls=(
                                ToolCallDelta(index=i, function=FunctionDelta(arguments=frag)),
                            )
                        )
                        for frag in rest
                    ),
                ]
            )
    order = draw(st.permutations([q for q, queue in enumerate(queues) for _ in queue]))
    positions = [0] * len(queues)
    deltas = [ChoiceDelta(role="assistant", content=role_content)]
    for q in order:
        deltas.append(queues[q][positions[q]])
        positions[q] += 1

    finish = draw(st.sampled_from(["stop", "length", "tool_calls", "content_filter"]))
    texts: dict[str, Any] = {
        "content": None if role_content is None and not content else "".join(content),
        "reasoning_content": None,
        "reasoning": None,
    }
    texts[reasoning_key] = "".join(reasoning) if reasoning else None
    message = ChatCompletionMessage(
        role="assistant",
        tool_calls=tuple(
            ToolCall(
                id=call_ids[i],
                type=None if mistral_style else "function",
                function=FunctionCall(name=call_names[i], arguments="".join(call_args[i])),
            )
            for i in range(n_calls)
        ),
        **texts,
    )
    return deltas, CompletionChoice(index=index, message=message, finish_reason=finish), finish


@st.composite
def _chat_streams(draw: st.DrawFn, max_choices: int) -> ChatStream:
    chunk_id = "chatcmpl-" + draw(st.text("abcdef0123456789", min_size=1, max_size=8))
    created = draw(st.integers(1, 2**31))
    model = draw(st.sampled_from(["gpt-4o", "deepseek-reasoner", "mistral-small-latest"]))
    usage_null = draw(st.booleans())
    n_choices = draw(st.integers(1, max_choices))

    plans = [draw(_choice_plan(i)) for i in range(n_choices)]
    # Interleave the choices' deltas (each choice's own order kept), then the finishes.
    order = draw(st.permutations([c for c, plan in enumerate(plans) for _ in plan[0]]))
    positions = [0] * n_choices
    items: list[ChunkChoice] = []
    for c in order:
        items.append(ChunkChoice(index=c, delta=plans[c][0][positions[c]]))
        positions[c] += 1
    for c, plan in enumerate(plans):
        items.append(ChunkChoice(index=c, delta=ChoiceDelta(), finish_reason=plan[2]))

    def chunk(choices: tuple[ChunkChoice, ...], usage: Usage | None = None) -> ChatCompletionChunk:
        return ChatCompletionChunk(
            id=chunk_id,
            created=created,
            model=model,
            choices=choices,
            usage=usage,
            key_order=(
                ("id", "object", "created", "model", "choices", "usage")
                if usage_null or usage is not None
                else None
            ),
        )

    chunks = [chunk((item,)) for item in items]
    usage = None
    if draw(st.booleans()):
        prompt, completion = draw(st.integers(0, 10**6)), draw(st.integers(0, 10**6))
        usage = Usage(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
        )
        chunks.append(chunk((), usage))
    completion_result = ChatCompletion(
        id=chunk_id,
        created=created,
        model=model,
        choices=tuple(plan[1] for plan in plans),
        usage=usage,
    )
    body = b"".join(encode_chunk(item) for item in chunks) + DONE
    return ChatStream(chunks=tuple(chunks), completion=completion_result, body=body)


def chat_chunk_streams(*, max_choices: int = 2) -> st.SearchStrategy[ChatStream]:
    """Strategy for OpenAI-style chat streams (:class:`ChatStream`) and their result.

    Each stream has 1 to ``max_choices`` choices.  Per choice: a role chunk,
    then content and reasoning fragments (``reasoning_content`` as DeepSeek
    sends it, or ``reasoning`` as OpenRouter does) and up to three tool calls,
    either OpenAI style (keyed by ``index``: ``id``, ``type`` and name once,
    arguments in fragments) or Mistral style (whole calls without ``index``),
    all interleaved across chunks and choices, each source keeping its own
    order; then a finish chunk per choice; optionally ``"usage": null`` on
    every chunk and a final usage chunk with empty ``choices``; then
    ``data: [DONE]``.  Text fragments include CR, LF, NUL and astral
    characters.  ``completion`` is computed from the plan, not by an
    accumulator::

        from hypothesis import given
        from sse_codec import iter_events
        from sse_codec.openai import ChatCompletionAccumulator, iter_chunks
        from sse_codec.testing import chat_chunk_streams, rechunk

        @given(chat_chunk_streams())
        def test_accumulates(stream):
            accumulator = ChatCompletionAccumulator()
            events = iter_events(rechunk(stream.body, size=7))
            for _chunk in iter_chunks(events, accumulator=accumulator):
                pass
            assert accumulator.result() == stream.completion

    Raises :class:`ValueError` when ``max_choices`` is less than 1.
    """
    if max_choices < 1:
        raise ValueError(f"max_choices must be at least 1, not {max_choices}")
    return _chat_streams(max_choices)
