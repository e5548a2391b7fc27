"""Shared helpers for the OpenAI-layer tests: fixtures, expected results, comparisons."""

from __future__ import annotations

import json
import random
import re
from functools import cache
from pathlib import Path
from typing import Any

from sse_codec import ServerSentEvent, SSEDecoder
from sse_codec.openai import ChatCompletion

FIXTURES = Path(__file__).parent / "fixtures"

ERROR_FIXTURES = ("openrouter-error-midstream.sse", "groq-error-midstream.sse")


@cache
def expected_openai() -> dict[str, Any]:
    """expected.json's ``openai_chat`` section (fixture file name -> expected facts)."""
    with (FIXTURES / "expected.json").open(encoding="utf-8") as f:
        section: dict[str, Any] = json.load(f)["openai_chat"]
    return section


def openai_fixture_names() -> list[str]:
    return sorted(expected_openai())


@cache
def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def random_chunks(data: bytes, seed: int, max_size: int = 97) -> list[bytes]:
    """Split ``data`` into random-sized chunks (1..max_size bytes), reproducibly."""
    rng = random.Random(seed)
    chunks = []
    pos = 0
    while pos < len(data):
        size = rng.randint(1, max_size)
        chunks.append(data[pos : pos + size])
        pos += size
    return chunks


def decode_all(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.close())
    return events


def summarize(completion: ChatCompletion) -> dict[str, Any]:
    """Our result in expected.json's vocabulary, for whole-dict comparison."""
    as_dict = completion.to_dict()
    choices = []
    for choice in as_dict["choices"]:
        message = choice["message"]
        summary: dict[str, Any] = {
            "index": choice["index"],
            "role": message["role"],
            "content": message["content"],
            "tool_calls": [
                {
                    "index": position,
                    "id": call["id"],
                    "type": call["type"],
                    "name": call["function"]["name"],
                    "arguments": call["function"]["arguments"],
                }
                for position, call in enumerate(message.get("tool_calls", []))
            ],
            "finish_reason": choice["finish_reason"],
        }
        for key in ("reasoning_content", "reasoning"):
            if key in message:
                summary[key] = message[key]
        if message["refusal"] is not None:
            summary["refusal"] = message["refusal"]
        if "thinking" in message:
            summary["thinking_parts_text"] = message["thinking"]
        choices.append(summary)
    return {"choices": choices, "usage": as_dict["usage"]}


_LENGTH_KEYS = re.compile(r"_length$")


def expected_summary(name: str) -> dict[str, Any]:
    """expected.json's result for ``name``, reduced to what :func:`summarize` gives."""
    facts = expected_openai()[name]
    choices = [
        {k: v for k, v in choice.items() if not _LENGTH_KEYS.search(k) and k != "logprob_tokens"}
        for choice in facts["choices"]
    ]
    return {"choices": choices, "usage": facts["usage"]}


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def normalize_numbers(text: str) -> str:
    """Write every number literal as Python's float repr (JSON allows many spellings)."""
    return _NUMBER.sub(lambda m: repr(float(m.group())), text)
