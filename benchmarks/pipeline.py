"""The whole LLM pipeline: byte chunks in, the accumulated answer out.

What an LLM application runs is not the SSE decoder alone but bytes -> events ->
JSON -> typed chunks -> accumulated message.  This module times that pipeline on
three realistic streams (an OpenAI chat stream with reasoning, parallel tool calls,
usage and ``[DONE]``; an Anthropic Messages stream with thinking, text, tool_use and
usage; an OpenAI Responses stream with text and a function call), in per-event and
in network-sized (1460-byte) chunks, for:

* ``sse-codec``: ``iter_chunks`` / ``collect_message`` / ``collect_response`` over
  ``iter_events`` (the README's usage);
* ``sse-codec+orjson``: the same with ``json_loads=orjson.loads`` (when installed);
* ``openai SDK``: ``openai.Stream`` over a real response object, typed as
  ``ChatCompletionChunk``, folded by ``ChatCompletionStreamState`` (its own path);
* ``anthropic SDK``: ``anthropic.Stream`` of raw events under ``MessageStream``;
* ``hand-rolled``: httpx-sse's ``EventSource.iter_sse()``, ``json.loads`` and a
  minimal dict accumulator (what an application writes without a typed layer);
* ``floor``: ``json.loads`` of each payload, nothing else.

Every contender's final text, reasoning, tool calls and usage are compared with
sse-codec's before anything is timed; one that differs is reported WRONG.  Timing
is interleaved round-robin (every round runs every contender once, in rotating
order) and the table gives medians in microseconds per event.  The share of
sse-codec's time spent in each stage (decode, JSON, typed objects, accumulation)
comes from timing the cumulative pipelines the same way (for Anthropic, the typed
stage builds what ``collect_message`` builds: no typed event for a text, thinking
or tool-input fragment, which it folds straight from the JSON).

Run ``python -m benchmarks.pipeline`` (``--quick`` for a smoke run without
verdicts); ``python -m benchmarks.bench`` includes it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sse_codec import iter_events
from sse_codec.anthropic import ToolUseBlock, collect_message
from sse_codec.anthropic import parse_event as parse_anthropic
from sse_codec.openai import ChatCompletionAccumulator, iter_chunks, parse_chunk
from sse_codec.responses import collect_response
from sse_codec.responses import parse_event as parse_response

from .workloads import chunk

__all__ = ["PipelineReport", "Stream", "main", "render", "run", "streams"]

#: The normalised result every contender must agree on:
#: (text, reasoning, ((call id, name, arguments), ...), (input tokens, output tokens)).
Summary = tuple[str, str, tuple[tuple[str, str, str], ...], tuple[int, int]]
Pipeline = Callable[[Sequence[bytes]], Summary]

_WORDS = ("The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog.")
_CHAT_MODEL = "gpt-4o-2024-08-06"
_HEADERS = {"content-type": "text/event-stream"}


def _dumps(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def _block(payload: object, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {_dumps(payload)}\n\n".encode()


# -- the three streams -----------------------------------------------------------------


def _chat_chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    # The keys and order OpenAI sends (about 300 bytes with its obfuscation padding).
    return {
        "id": "chatcmpl-BdZ3mKd9x2Qp7LrT0vYw1sNcE5aHf",
        "object": "chat.completion.chunk",
        "created": 1748865091,
        "model": _CHAT_MODEL,
        "service_tier": "default",
        "system_fingerprint": "fp_07871e2ad8",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        "usage": None,
        "obfuscation": "q7Vn2",
    }


def _call_arguments(call: int) -> str:
    return _dumps({"city": ("Paris", "Lyon")[call % 2], "unit": "celsius", "days": 3})


def _pieces(text: str, n: int) -> list[str]:
    """``text`` cut into ``n`` fragments (some empty when it is short), as models
    stream a tool call's arguments."""
    step = max(1, -(-len(text) // n))
    return [text[i * step : (i + 1) * step] for i in range(n)]


def openai_stream(events: int) -> list[bytes]:
    """An OpenAI chat stream of about ``events`` blocks: a role chunk, reasoning, content,
    two parallel tool calls (about 15% of the chunks), finish, usage, ``[DONE]``."""
    blocks = [_block(_chat_chunk({"role": "assistant", "content": "", "refusal": None}))]
    n_tool = max(2, events * 15 // 100)
    n_reason = max(1, events // 10)
    n_text = max(1, events - n_tool - n_reason - 4)
    for i in range(n_reason):
        blocks.append(_block(_chat_chunk({"reasoning": _WORDS[i % len(_WORDS)]})))
    for i in range(n_text):
        blocks.append(_block(_chat_chunk({"content": _WORDS[i % len(_WORDS)]})))
    for call in range(2):
        head = {
            "index": call,
            "id": f"call_{call}abcdefghijklmnopqrstuv",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        }
        blocks.append(_block(_chat_chunk({"tool_calls": [head]})))
        for piece in _pieces(_call_arguments(call), n_tool // 2 - 1):
            frag = {"index": call, "function": {"arguments": piece}}
            blocks.append(_block(_chat_chunk({"tool_calls": [frag]})))
    blocks.append(_block(_chat_chunk({}, "tool_calls")))
    usage = _chat_chunk({})
    usage["choices"] = []
    usage["usage"] = {
        "prompt_tokens": 87,
        "completion_tokens": events,
        "total_tokens": 87 + events,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": n_reason,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }
    blocks.append(_block(usage))
    blocks.append(b"data: [DONE]\n\n")
    return blocks


def anthropic_stream(events: int) -> list[bytes]:
    """An Anthropic Messages stream of about ``events`` blocks: thinking (with its
    signature), text, a tool_use block fed by ``input_json_delta``, usage, pings."""
    blocks = [
        _block(
            {
                "type": "message_start",
                "message": {
                    "id": "msg_01ALwQ87pTS7hH1PjSdC9wJD",
                    "type": "message",
                    "role": "assistant",
                    "model": "claude-sonnet-4-20250514",
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 43, "output_tokens": 1},
                },
            },
            "message_start",
        ),
        _block({"type": "ping"}, "ping"),
    ]
    n_think = max(1, events // 5)
    n_tool = max(2, events * 15 // 100)
    n_text = max(1, events - n_think - n_tool - 10)
    parts: list[tuple[dict[str, Any], str, list[dict[str, Any]]]] = [
        (
            {"type": "thinking", "thinking": "", "signature": ""},
            "thinking_delta",
            [{"type": "thinking_delta", "thinking": _WORDS[i % 9]} for i in range(n_think)]
            + [{"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxz"}],
        ),
        (
            {"type": "text", "text": ""},
            "text_delta",
            [{"type": "text_delta", "text": _WORDS[i % 9]} for i in range(n_text)],
        ),
        (
            {
                "type": "tool_use",
                "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
                "name": "get_weather",
                "input": {},
            },
            "input_json_delta",
            [
                {
                    "type": "input_json_delta",
                    "partial_json": ('{"city":"Par', 'is","days":', "3", "", "}")[min(i, 4)]
                    if i < 4 or i == n_tool - 1
                    else "",
                }
                for i in range(n_tool)
            ],
        ),
    ]
    for index, (start, _kind, deltas) in enumerate(parts):
        blocks.append(
            _block(
                {"type": "content_block_start", "index": index, "content_block": start},
                "content_block_start",
            )
        )
        for delta in deltas:
            blocks.append(
                _block(
                    {"type": "content_block_delta", "index": index, "delta": delta},
                    "content_block_delta",
                )
            )
        blocks.append(_block({"type": "content_block_stop", "index": index}, "content_block_stop"))
    blocks.append(
        _block(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                "usage": {"output_tokens": events},
            },
            "message_delta",
        )
    )
    blocks.append(_block({"type": "message_stop"}, "message_stop"))
    return blocks


def responses_stream(events: int) -> list[bytes]:
    """An OpenAI Responses stream of about ``events`` blocks: a message of text deltas and
    a function call whose arguments come in deltas, ending in ``response.completed``."""
    response: dict[str, Any] = {
        "id": "resp_67e554a155508191900ee113293c4c83",
        "object": "response",
        "created_at": 1743082657,
        "status": "in_progress",
        "error": None,
        "model": _CHAT_MODEL,
        "output": [],
        "usage": None,
    }
    seq = iter(range(1_000_000))

    def ev(kind: str, **fields: Any) -> bytes:
        return _block({"type": kind, "sequence_number": next(seq), **fields}, kind)

    blocks = [ev("response.created", response=response)]
    msg = {
        "id": "msg_1",
        "type": "message",
        "status": "in_progress",
        "role": "assistant",
        "content": [],
    }
    blocks.append(ev("response.output_item.added", output_index=0, item=msg))
    part = {"type": "output_text", "text": "", "annotations": []}
    blocks.append(
        ev(
            "response.content_part.added",
            item_id="msg_1",
            output_index=0,
            content_index=0,
            part=part,
        )
    )
    n_args = max(2, events * 15 // 100)
    n_text = max(1, events - n_args - 10)
    text = "".join(_WORDS[i % 9] for i in range(n_text))
    for i in range(n_text):
        blocks.append(
            ev(
                "response.output_text.delta",
                item_id="msg_1",
                output_index=0,
                content_index=0,
                delta=_WORDS[i % 9],
            )
        )
    blocks.append(
        ev("response.output_text.done", item_id="msg_1", output_index=0, content_index=0, text=text)
    )
    done_part = {**part, "text": text}
    blocks.append(
        ev(
            "response.content_part.done",
            item_id="msg_1",
            output_index=0,
            content_index=0,
            part=done_part,
        )
    )
    done_msg = {**msg, "status": "completed", "content": [done_part]}
    blocks.append(ev("response.output_item.done", output_index=0, item=done_msg))
    call = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_kL0PCQV7M2WMoVX8",
        "name": "get_weather",
        "arguments": "",
        "status": "in_progress",
    }
    blocks.append(ev("response.output_item.added", output_index=1, item=call))
    pieces = [
        ('{"city":"Par', 'is","days":', "3", "}")[min(i, 3)] if i < 4 else "" for i in range(n_args)
    ]
    args = "".join(pieces)
    for piece in pieces:
        blocks.append(
            ev(
                "response.function_call_arguments.delta",
                item_id="fc_1",
                output_index=1,
                delta=piece,
            )
        )
    blocks.append(
        ev("response.function_call_arguments.done", item_id="fc_1", output_index=1, arguments=args)
    )
    done_call = {**call, "arguments": args, "status": "completed"}
    blocks.append(ev("response.output_item.done", output_index=1, item=done_call))
    final = {
        **response,
        "status": "completed",
        "output": [done_msg, done_call],
        "usage": {"input_tokens": 37, "output_tokens": events, "total_tokens": 37 + events},
    }
    blocks.append(ev("response.completed", response=final))
    return blocks


# -- the contenders ----------------------------------------------------------------------


def _ours_openai(json_loads: Callable[[str], Any]) -> Pipeline:
    def run(chunks: Sequence[bytes]) -> Summary:
        acc = ChatCompletionAccumulator()
        for _ in iter_chunks(iter_events(chunks), accumulator=acc, json_loads=json_loads):
            pass
        choice = acc.result().choices[0]
        m = choice.message
        calls = tuple(
            (c.id or "", c.function.name or "", c.function.arguments) for c in m.tool_calls
        )
        usage = acc.result().usage
        assert usage is not None
        return (
            m.content or "",
            m.reasoning or "",
            calls,
            (usage.prompt_tokens or 0, usage.completion_tokens or 0),
        )

    return run


def _ours_anthropic(json_loads: Callable[[str], Any]) -> Pipeline:
    def run(chunks: Sequence[bytes]) -> Summary:
        msg = collect_message(iter_events(chunks), json_loads=json_loads)
        thinking = "".join(getattr(b, "thinking", "") for b in msg.content)
        calls = tuple(
            (b.id, b.name, _dumps(b.input)) for b in msg.content if isinstance(b, ToolUseBlock)
        )
        usage = msg.usage
        return (
            msg.text,
            thinking,
            calls,
            (usage.get("input_tokens", 0), usage.get("output_tokens", 0)),
        )

    return run


def _ours_responses(json_loads: Callable[[str], Any]) -> Pipeline:
    def run(chunks: Sequence[bytes]) -> Summary:
        res = collect_response(iter_events(chunks), json_loads=json_loads)
        calls = tuple((c.call_id or "", c.name or "", c.arguments) for c in res.function_calls)
        usage = res.usage or {}
        return (
            res.output_text,
            "",
            calls,
            (usage.get("input_tokens", 0), usage.get("output_tokens", 0)),
        )

    return run


def _httpx_sse_events(chunks: Sequence[bytes]) -> Iterator[Any]:
    httpx = importlib.import_module("httpx")
    httpx_sse = importlib.import_module("httpx_sse")
    response = httpx.Response(200, headers=_HEADERS, content=iter(chunks))
    return httpx_sse.EventSource(response).iter_sse()  # type: ignore[no-any-return]


def _hand_openai(chunks: Sequence[bytes]) -> Summary:
    content: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    usage: dict[str, Any] = {}
    for sse in _httpx_sse_events(chunks):
        if sse.data == "[DONE]":
            break
        obj = json.loads(sse.data)
        if obj.get("usage"):
            usage = obj["usage"]
        for choice in obj.get("choices") or ():
            delta = choice.get("delta") or {}
            if delta.get("content"):
                content.append(delta["content"])
            if delta.get("reasoning"):
                reasoning.append(delta["reasoning"])
            for tc in delta.get("tool_calls") or ():
                call = calls.setdefault(tc["index"], {"id": "", "name": "", "args": []})
                if tc.get("id"):
                    call["id"] = tc["id"]
                fn = tc.get("function") or {}
                if fn.get("name"):
                    call["name"] = fn["name"]
                if fn.get("arguments"):
                    call["args"].append(fn["arguments"])
    return (
        "".join(content),
        "".join(reasoning),
        tuple((c["id"], c["name"], "".join(c["args"])) for _, c in sorted(calls.items())),
        (usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)),
    )


def _hand_anthropic(chunks: Sequence[bytes]) -> Summary:
    blocks: dict[int, dict[str, Any]] = {}
    usage: dict[str, Any] = {}
    for sse in _httpx_sse_events(chunks):
        obj = json.loads(sse.data)
        kind = obj["type"]
        if kind == "content_block_delta":
            delta = obj["delta"]
            block = blocks[obj["index"]]
            dtype = delta["type"]
            if dtype == "text_delta":
                block["parts"].append(delta["text"])
            elif dtype == "thinking_delta":
                block["parts"].append(delta["thinking"])
            elif dtype == "input_json_delta":
                block["parts"].append(delta["partial_json"])
        elif kind == "content_block_start":
            blocks[obj["index"]] = {**obj["content_block"], "parts": []}
        elif kind == "message_start":
            usage.update(obj["message"]["usage"])
        elif kind == "message_delta":
            usage.update(obj.get("usage") or {})
        elif kind == "error":
            raise RuntimeError(obj)
    text = thinking = ""
    calls = []
    for _, b in sorted(blocks.items()):
        joined = "".join(b["parts"])
        if b["type"] == "text":
            text += joined
        elif b["type"] == "thinking":
            thinking += joined
        elif b["type"] == "tool_use":
            calls.append((b["id"], b["name"], _dumps(json.loads(joined or "{}"))))
    return (
        text,
        thinking,
        tuple(calls),
        (usage.get("input_tokens", 0), usage.get("output_tokens", 0)),
    )


def _hand_responses(chunks: Sequence[bytes]) -> Summary:
    text: list[str] = []
    calls: dict[str, dict[str, Any]] = {}
    usage: dict[str, Any] = {}
    for sse in _httpx_sse_events(chunks):
        obj = json.loads(sse.data)
        kind = obj["type"]
        if kind == "response.output_text.delta":
            text.append(obj["delta"])
        elif kind == "response.function_call_arguments.delta":
            calls[obj["item_id"]]["args"].append(obj["delta"])
        elif kind == "response.output_item.added" and obj["item"]["type"] == "function_call":
            item = obj["item"]
            calls[item["id"]] = {"call_id": item["call_id"], "name": item["name"], "args": []}
        elif kind == "response.completed":
            usage = obj["response"]["usage"]
        elif kind in ("error", "response.failed"):
            raise RuntimeError(obj)
    return (
        "".join(text),
        "",
        tuple((c["call_id"], c["name"], "".join(c["args"])) for c in calls.values()),
        (usage.get("input_tokens", 0), usage.get("output_tokens", 0)),
    )


def _openai_sdk() -> Pipeline:
    openai = importlib.import_module("openai")
    httpx2 = importlib.import_module("httpx2")
    chunk_type = importlib.import_module("openai.types.chat").ChatCompletionChunk
    state_type = importlib.import_module("openai.lib.streaming.chat").ChatCompletionStreamState
    # Never connects: the Stream only borrows the client's decoder and response processing.
    client = openai.OpenAI(api_key="bench", base_url="http://127.0.0.1:9/v1")

    def run(chunks: Sequence[bytes]) -> Summary:
        response = httpx2.Response(200, headers=_HEADERS, content=iter(chunks))
        stream = openai.Stream(cast_to=chunk_type, response=response, client=client)
        state = state_type()
        for c in stream:
            state.handle_chunk(c)
        snap = state.current_completion_snapshot
        m = snap.choices[0].message
        calls = tuple((c.id, c.function.name, c.function.arguments) for c in m.tool_calls or ())
        reasoning = getattr(m, "reasoning", None) or ""
        usage = snap.usage
        return (
            m.content or "",
            reasoning,
            calls,
            (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0),
        )

    return run


def _anthropic_sdk() -> Pipeline:
    anthropic = importlib.import_module("anthropic")
    httpx2 = importlib.import_module("httpx2")
    raw_event = importlib.import_module("anthropic.types").RawMessageStreamEvent
    message_stream = importlib.import_module("anthropic.lib.streaming").MessageStream
    client = anthropic.Anthropic(api_key="bench", base_url="http://127.0.0.1:9")

    def run(chunks: Sequence[bytes]) -> Summary:
        response = httpx2.Response(200, headers=_HEADERS, content=iter(chunks))
        raw = anthropic.Stream(cast_to=raw_event, response=response, client=client)
        msg = message_stream(raw, output_format=anthropic.NOT_GIVEN).get_final_message()
        text = "".join(b.text for b in msg.content if b.type == "text")
        thinking = "".join(b.thinking for b in msg.content if b.type == "thinking")
        calls = tuple((b.id, b.name, _dumps(b.input)) for b in msg.content if b.type == "tool_use")
        return (text, thinking, calls, (msg.usage.input_tokens, msg.usage.output_tokens))

    return run


# -- stage pipelines (sse-codec's time split by stage) --------------------------------------


def _stage_decode(chunks: Sequence[bytes]) -> None:
    for _ in iter_events(chunks):
        pass


def _stage_json(chunks: Sequence[bytes]) -> None:
    loads = json.loads
    for sse in iter_events(chunks):
        if sse.data != "[DONE]":
            loads(sse.data)


def _stage_typed(parse: Callable[[Any], Any]) -> Callable[[Sequence[bytes]], None]:
    def run(chunks: Sequence[bytes]) -> None:
        for sse in iter_events(chunks):
            parse(sse)

    return run


def _parse_openai(sse: Any) -> Any:
    if sse.data != "[DONE]":
        return parse_chunk(sse.data, event=sse)
    return None


_FRAGMENTS = frozenset({"text_delta", "thinking_delta", "input_json_delta"})


def _parse_anthropic(sse: Any) -> Any:
    # collect_message folds text, thinking and tool-input fragments into the message
    # straight from their JSON (no typed event is built for them): the typed stage
    # is the JSON of those and the typed event of every other event.
    if sse.event == "content_block_delta":
        obj = json.loads(sse.data)
        if obj["delta"]["type"] in _FRAGMENTS:
            return obj
    return parse_anthropic(sse)


_STAGE_PARSERS: dict[str, Callable[[Any], Any]] = {
    "openai_chat": _parse_openai,
    "anthropic": _parse_anthropic,
    "responses": parse_response,
}


@dataclass(frozen=True, slots=True)
class Stream:
    """One workload: its name, its blocks, the contenders that understand it."""

    name: str
    blocks: list[bytes]
    contenders: dict[str, Pipeline]


def streams(events: int) -> tuple[list[Stream], list[str]]:
    """The three workloads of about ``events`` events each with their importable
    contenders, and notes naming the peers that are not installed."""
    notes: list[str] = []
    loaders: list[tuple[str, Callable[[str], Any]]] = [("", json.loads)]
    try:
        loaders.append(("+orjson", importlib.import_module("orjson").loads))
    except ImportError:
        notes.append("orjson is not installed: no sse-codec+orjson column")

    def peer(make: Callable[[], Pipeline], label: str) -> dict[str, Pipeline]:
        try:
            return {label: make()}
        except ImportError as exc:
            notes.append(f"{label} skipped: {exc}")
            return {}

    def hand(fn: Pipeline) -> dict[str, Pipeline]:
        try:
            importlib.import_module("httpx_sse")
        except ImportError as exc:
            notes.append(f"hand-rolled skipped: {exc}")
            return {}
        return {"hand-rolled": fn}

    out = [
        Stream(
            "openai_chat",
            openai_stream(events),
            {
                **{f"sse-codec{s}": _ours_openai(f) for s, f in loaders},
                **hand(_hand_openai),
                **peer(_openai_sdk, "openai SDK"),
            },
        ),
        Stream(
            "anthropic",
            anthropic_stream(events),
            {
                **{f"sse-codec{s}": _ours_anthropic(f) for s, f in loaders},
                **hand(_hand_anthropic),
                **peer(_anthropic_sdk, "anthropic SDK"),
            },
        ),
        Stream(
            "responses",
            responses_stream(events),
            {**{f"sse-codec{s}": _ours_responses(f) for s, f in loaders}, **hand(_hand_responses)},
        ),
    ]
    return out, list(dict.fromkeys(notes))


# -- timing -------------------------------------------------------------------------------------


def _payloads(blocks: list[bytes]) -> list[str]:
    return [e.data for e in iter_events(blocks) if e.data != "[DONE]"]


def _floor(payloads: list[str], loads: Callable[[str], Any]) -> Callable[[Sequence[bytes]], None]:
    def run(_chunks: Sequence[bytes]) -> None:
        for p in payloads:
            loads(p)

    return run


def _interleaved(
    fns: dict[str, Callable[[Sequence[bytes]], object]],
    chunks: Sequence[bytes],
    rounds: int,
    min_time: float,
) -> dict[str, float]:
    """Median seconds per call of each function, interleaved round-robin."""
    loops = {}
    for name, fn in fns.items():
        n, t = 1, 0.0
        while True:
            start = time.perf_counter()
            for _ in range(n):
                fn(chunks)
            t = time.perf_counter() - start
            if t >= min_time:
                break
            n *= 2
        loops[name] = n
    samples: dict[str, list[float]] = {name: [] for name in fns}
    names = list(fns)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            fn, n = fns[name], loops[name]
            start = time.perf_counter()
            for _ in range(n):
                fn(chunks)
            samples[name].append((time.perf_counter() - start) / n)
    return {name: statistics.median(s) for name, s in samples.items()}


@dataclass(slots=True)
class Row:
    """One workload x chunking: microseconds per event for each contender."""

    stream: str
    chunking: str
    events: int
    us: dict[str, float] = field(default_factory=dict)
    wrong: dict[str, str] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)


@dataclass(slots=True)
class PipelineReport:
    """What one run measured: rows, stage shares, verdicts (full run only), notes."""

    quick: bool
    rows: list[Row] = field(default_factory=list)
    targets: list[tuple[bool, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


CHUNKINGS = ("per_event", "1460")


def run(quick: bool = False, *, log: Callable[[str], None] | None = None) -> PipelineReport:
    """Check, then time every contender on every workload and chunking."""
    say = log or (lambda _msg: None)
    events = 60 if quick else 600
    rounds = 1 if quick else 9
    min_time = 0.001 if quick else 0.05
    found, notes = streams(events)
    report = PipelineReport(quick, notes=notes)
    for s in found:
        for chunking in CHUNKINGS:
            chunks = chunk(s.blocks, chunking)
            nevents = sum(1 for _ in iter_events(chunks))
            row = Row(s.name, chunking, nevents)
            say(f"pipeline: {s.name} {chunking}")
            expected = s.contenders["sse-codec"](chunks)
            fns: dict[str, Callable[[Sequence[bytes]], object]] = {}
            for name, fn in s.contenders.items():
                got = fn(chunks)
                if got != expected:
                    row.wrong[name] = f"{got!r:.120} != {expected!r:.120}"
                fns[name] = fn
            payloads = _payloads(s.blocks)
            fns["floor (json.loads)"] = _floor(payloads, json.loads)
            if "sse-codec+orjson" in s.contenders:
                fns["floor (orjson)"] = _floor(payloads, importlib.import_module("orjson").loads)
            fns["stage: decode"] = _stage_decode
            fns["stage: +json"] = _stage_json
            fns["stage: +typed"] = _stage_typed(_STAGE_PARSERS[s.name])
            times = _interleaved(fns, chunks, rounds, min_time)
            for name, t in times.items():
                if name.startswith("stage: "):
                    continue
                row.us[name] = t / nevents * 1e6
            full = times["sse-codec"]
            decode, js, typed = (
                times["stage: decode"],
                times["stage: +json"],
                times["stage: +typed"],
            )
            row.stages = {
                "decode": decode / full,
                "JSON": (js - decode) / full,
                "typed objects": (typed - js) / full,
                "accumulation": (full - typed) / full,
            }
            report.rows.append(row)
    if not quick:
        _verdicts(report)
    return report


def _verdicts(report: PipelineReport) -> None:
    for row in report.rows:
        us = row.us
        ours = us["sse-codec"]
        where = f"{row.stream} {row.chunking}"
        if row.stream in ("openai_chat", "anthropic") and "hand-rolled" in us:
            r = ours / us["hand-rolled"]
            report.targets.append(
                (r <= 1.25, f"{where}: sse-codec / hand-rolled = {r:.2f} (<= 1.25)")
            )
        for sdk, want in (("openai SDK", 20.0), ("anthropic SDK", 6.0)):
            if sdk in us:
                r = us[sdk] / ours
                report.targets.append(
                    (r >= want, f"{where}: {sdk} / sse-codec = {r:.1f} (>= {want:g})")
                )
        if "sse-codec+orjson" in us and "floor (orjson)" in us:
            saved_floor = us["floor (json.loads)"] - us["floor (orjson)"]
            saved = ours - us["sse-codec+orjson"]
            r = saved / saved_floor if saved_floor > 0 else 0.0
            report.targets.append(
                (r >= 0.5, f"{where}: orjson gain end to end / at the floor = {r:.2f} (>= 0.5)")
            )


def render(report: PipelineReport) -> str:
    """The report as Markdown tables."""
    out = [
        "### LLM pipeline: bytes to accumulated answer (µs per event, medians; lower is better)\n"
    ]
    if report.quick:
        out.append("(--quick: few events, one round; a smoke test, not a measurement.)\n")
    names = list(dict.fromkeys(n for row in report.rows for n in row.us))
    out.append(
        "| stream | chunking | events | " + " | ".join(names) + " | sse-codec / hand-rolled |"
    )
    out.append("|" + "---|" * (len(names) + 4))
    for row in report.rows:
        cells = []
        for n in names:
            if n not in row.us:
                cells.append("-")
            else:
                cells.append(f"{row.us[n]:.2f}" + (" WRONG" if n in row.wrong else ""))
        hand = row.us.get("hand-rolled")
        shown = f"{row.us['sse-codec'] / hand:.2f}" if hand else "-"
        out.append(
            f"| {row.stream} | {row.chunking} | {row.events} | "
            + " | ".join(cells)
            + f" | {shown} |"
        )
    out.append("")
    out.append("#### Share of sse-codec's time per stage\n")
    out.append("| stream | chunking | decode | JSON | typed objects | accumulation |")
    out.append("|---|---|---|---|---|---|")
    for row in report.rows:
        out.append(
            f"| {row.stream} | {row.chunking} | "
            + " | ".join(f"{v:.0%}" for v in row.stages.values())
            + " |"
        )
    out.append("")
    for row in report.rows:
        for n, why in row.wrong.items():
            out.append(f"- WRONG: {n} on {row.stream} {row.chunking}: {why}")
    if report.targets:
        met = sum(ok for ok, _ in report.targets)
        out.append(f"Pipeline targets: {met} of {len(report.targets)} met.")
        out.extend(f"- {'MET' if ok else 'MISSED'}: {m}" for ok, m in report.targets)
    if report.notes:
        out.append("Notes:")
        out.extend(f"- {n}" for n in report.notes)
    return "\n".join(out) + "\n"


def main(argv: Iterable[str] | None = None) -> int:
    """Command line: print the pipeline report as Markdown; returns 0."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.pipeline", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="smoke run, no verdicts")
    args = parser.parse_args(list(argv) if argv is not None else None)
    report = run(args.quick, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(render(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
