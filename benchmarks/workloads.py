"""Deterministic benchmark workloads (event streams with named shapes) and chunkings.

Every workload is a function of a target size in bytes that returns the stream as a
list of event blocks (each block ends with its blank line), so the ``per_event``
chunking can hand a parser exactly one block per chunk, as a server that flushes
every token does.  Nothing here is random except the seeded ``random`` chunking.

The ``*_recorded`` workloads replay blocks recorded from the live APIs (the fixtures
in ``tests/fixtures/``, see SOURCES.md there) byte for byte, so their sizes, padding
and field order are what real servers send; the others are generated shapes.
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable, Mapping
from pathlib import Path

__all__ = [
    "CHUNKINGS",
    "FIXTURES",
    "SMALL_CHUNKINGS",
    "WORKLOADS",
    "anthropic_recorded",
    "chunk",
    "openai_chat_recorded",
    "recorded_blocks",
]

_MODEL = "gpt-4o-mini-2024-07-18"
_WORDS = (
    "The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ".",
    " Voilà", " —", " naïve", " café", " 日本語", " テキスト", " 🙂", " déjà", " vu", ",",
    " streaming", " tokens", " arrive", " one", " by", " one", "\n\n", " über", " ß", "!",
)  # fmt: skip


def _dumps(obj: object) -> str:
    # Compact and raw UTF-8, as the OpenAI and Anthropic APIs send it.
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _data_block(payload: str) -> bytes:
    return ("data: " + payload + "\n\n").encode("utf-8")


def _openai_chunk(i: int, delta: Mapping[str, object], finish: str | None = None) -> str:
    return _dumps(
        {
            "id": "chatcmpl-AbC123xYz",
            "object": "chat.completion.chunk",
            "created": 1732000000,
            "model": _MODEL,
            "system_fingerprint": "fp_0ba0d124f1",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
    )


def _usage_chunk() -> str:
    return _dumps(
        {
            "id": "chatcmpl-AbC123xYz",
            "object": "chat.completion.chunk",
            "created": 1732000000,
            "model": _MODEL,
            "choices": [],
            "usage": {"prompt_tokens": 52, "completion_tokens": 1234, "total_tokens": 1286},
        }
    )


def openai_chat(size: int) -> list[bytes]:
    """Role chunk, short content deltas (some non-ASCII), finish, usage, ``[DONE]``."""
    blocks = [_data_block(_openai_chunk(0, {"role": "assistant", "content": ""}))]
    total = len(blocks[0])
    i = 0
    while total < size:
        block = _data_block(_openai_chunk(i, {"content": _WORDS[i % len(_WORDS)]}))
        blocks.append(block)
        total += len(block)
        i += 1
    blocks.append(_data_block(_openai_chunk(i, {}, "stop")))
    blocks.append(_data_block(_usage_chunk()))
    blocks.append(b"data: [DONE]\n\n")
    return blocks


_ARGS = json.dumps({"location": "São Paulo, Brasil", "unit": "celsius", "days": 5, "hourly": True})


def tool_call_args(size: int) -> list[bytes]:
    """One streamed tool call: id/name first, then JSON-in-JSON argument fragments."""
    first = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "index": 0,
                "id": "call_abc123",
                "type": "function",
                "function": {"name": "get_weather", "arguments": ""},
            }
        ],
    }
    blocks = [_data_block(_openai_chunk(0, first))]
    total = len(blocks[0])
    i = 0
    while total < size:
        start = (i * 5) % len(_ARGS)
        fragment = _ARGS[start : start + 5]
        delta = {"tool_calls": [{"index": 0, "function": {"arguments": fragment}}]}
        block = _data_block(_openai_chunk(i, delta))
        blocks.append(block)
        total += len(block)
        i += 1
    blocks.append(_data_block(_openai_chunk(i, {}, "tool_calls")))
    blocks.append(b"data: [DONE]\n\n")
    return blocks


def _named(event: str, payload: object) -> bytes:
    return ("event: " + event + "\ndata: " + _dumps(payload) + "\n\n").encode("utf-8")


def anthropic_named_events(size: int) -> list[bytes]:
    """An Anthropic Messages stream: every block has an ``event:`` line."""
    blocks = [
        _named(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": "claude-sonnet-4-5",
                    "stop_reason": None,
                    "usage": {"input_tokens": 25, "output_tokens": 1},
                },
            },
        ),
        _named(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text"}},
        ),
        _named("ping", {"type": "ping"}),
    ]
    total = sum(map(len, blocks))
    i = 0
    while total < size:
        delta = {"type": "text_delta", "text": _WORDS[i % len(_WORDS)]}
        block = _named(
            "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
        )
        blocks.append(block)
        total += len(block)
        i += 1
    blocks.append(_named("content_block_stop", {"type": "content_block_stop", "index": 0}))
    blocks.append(
        _named(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": i},
            },
        )
    )
    blocks.append(_named("message_stop", {"type": "message_stop"}))
    return blocks


def many_fields(size: int) -> list[bytes]:
    """CRLF blocks with a comment, ``event:``, ``id:`` and several ``data:`` lines each.

    The ``: keep-alive`` comment sits inside each block (before its fields): a comment
    alone in its own block makes the httpx-sse/openai/anthropic parsers emit a
    phantom empty event once an id was seen, and the table would only say WRONG.
    """
    blocks = [b"retry: 3000\r\n"]
    total = len(blocks[0])
    i = 0
    while total < size:
        lines = [": keep-alive", "event: update", f"id: {i}"]
        words = [_WORDS[(i + j) % len(_WORDS)].replace("\n", "\\n") for j in range(6)]
        lines += [f"data: line {j} of event {i}: {words[j]}" for j in range(6)]
        block = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        if i == 0:
            blocks[0] += block
        else:
            blocks.append(block)
        total += len(block)
        i += 1
    return blocks


def big_event(size: int) -> list[bytes]:
    """One event whose single ``data:`` line carries ``size`` bytes (e.g. base64)."""
    unit = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODkr"
    payload = (unit * (size // len(unit) + 1))[:size]
    return [b"data: " + payload + b"\n\n"]


FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures"

# The recorded streams whose blocks the *_recorded workloads replay, in this order.
_OPENAI_RECORDED = (
    "openai-chat-basic.sse",
    "openai-chat-json-mode-utf8.sse",
    "openai-chat-n3-multiple-choices.sse",
    "openai-chat-usage-include.sse",
)
_ANTHROPIC_RECORDED = (
    "anthropic-messages-text.sse",
    "anthropic-messages-tool-use.sse",
    "anthropic-messages-tool-use-parallel.sse",
    "anthropic-thinking.sse",
)


@functools.cache
def recorded_blocks(name: str) -> tuple[bytes, ...]:
    """The blocks of the recorded stream ``tests/fixtures/<name>``, each with its
    blank line (these fixtures use LF only).  Raises ``OSError`` when it is missing."""
    raw = (FIXTURES / name).read_bytes()
    return tuple(b + b"\n\n" for b in raw.split(b"\n\n") if b.strip())


def _is_content_chunk(block: bytes) -> bool:
    # A token chunk: one choice whose delta carries only non-empty content.
    if not block.startswith(b"data: {"):
        return False
    choices = json.loads(block[6:]).get("choices") or []
    if len(choices) != 1 or choices[0].get("finish_reason") is not None:
        return False
    delta = choices[0].get("delta") or {}
    return set(delta) == {"content"} and bool(delta["content"])


def _cycled(head: list[bytes], body: list[bytes], tail: list[bytes], size: int) -> list[bytes]:
    blocks = list(head)
    total = sum(map(len, blocks))
    i = 0
    while total < size:
        block = body[i % len(body)]
        blocks.append(block)
        total += len(block)
        i += 1
    return blocks + tail


def openai_chat_recorded(size: int) -> list[bytes]:
    """OpenAI chat chunks as the API sends them (about 260 bytes each: ``id``,
    ``object``, ``created``, ``model``, ``system_fingerprint``, ``choices`` with
    ``index``, ``delta``, ``logprobs``, ``finish_reason``; some with ``service_tier``,
    ``usage`` and ``obfuscation`` padding): the recorded token chunks of four real
    streams in turn, between one recorded stream's role chunk and its finish chunk,
    usage chunk and ``[DONE]``."""
    body = [b for name in _OPENAI_RECORDED for b in recorded_blocks(name) if _is_content_chunk(b)]
    frame = recorded_blocks(_OPENAI_RECORDED[0])
    return _cycled([frame[0]], body, list(frame[-3:]), size)


def anthropic_recorded(size: int) -> list[bytes]:
    """An Anthropic Messages stream as the API sends it: the recorded
    ``content_block_delta`` blocks of four real streams (about 135 bytes each, text,
    thinking and tool-input deltas, with the spaces the API pads its JSON with) in
    turn, between one recorded stream's opening three and closing three blocks."""
    body = [
        b
        for name in _ANTHROPIC_RECORDED
        for b in recorded_blocks(name)
        if b.startswith(b"event: content_block_delta\n")
    ]
    frame = recorded_blocks(_ANTHROPIC_RECORDED[0])
    return _cycled(list(frame[:3]), body, list(frame[-3:]), size)


#: name -> generator of the stream's blocks for a target size in bytes.
WORKLOADS: dict[str, Callable[[int], list[bytes]]] = {
    "openai_chat_recorded": openai_chat_recorded,
    "anthropic_recorded": anthropic_recorded,
    "openai_chat": openai_chat,
    "tool_call_args": tool_call_args,
    "anthropic_named_events": anthropic_named_events,
    "many_fields": many_fields,
    "big_event_4mib": big_event,
}

#: chunkings in table order; the size ones are fixed slices of the joined stream.
CHUNKINGS = ("whole", "per_event", "1460", "4096", "16384", "random", "64", "7", "1")
#: chunkings measured on a smaller stream, so one run of every peer stays short.
SMALL_CHUNKINGS = frozenset({"7", "1"})


def _slices(stream: bytes, sizes: list[int]) -> list[bytes]:
    out = []
    pos = 0
    for n in sizes:
        out.append(stream[pos : pos + n])
        pos += n
    return out


def chunk(blocks: list[bytes], chunking: str, seed: int = 20240521) -> list[bytes]:
    """Split the stream made of ``blocks`` as ``chunking`` names (see ``CHUNKINGS``)."""
    stream = b"".join(blocks)
    if chunking == "whole":
        return [stream]
    if chunking == "per_event":
        return list(blocks)
    if chunking == "random":
        rng = random.Random(seed)
        sizes = []
        total = 0
        while total < len(stream):
            n = rng.randint(512, 8192)
            sizes.append(n)
            total += n
        return _slices(stream, sizes)
    n = int(chunking)
    return [stream[i : i + n] for i in range(0, len(stream), n)]
