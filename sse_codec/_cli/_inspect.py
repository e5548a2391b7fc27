"""``inspect``: show a stream's events, comments and state changes, readable or as JSON lines."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from .._event import Comment, ServerSentEvent
from .._impl import SSEDecoder
from ..timing import StreamTimer
from ._common import CLIError, Progress, human_bytes, printable
from ._llm import MODES, detect_mode, run_llm
from ._reader import IdChange, Item, RetryChange, StreamStats, read_items
from ._request import build_request
from ._sources import Source, open_source

__all__ = ["make_decoder", "run_inspect", "show_progress"]

# Inputs smaller than this finish too fast for a progress line to help.
_PROGRESS_MIN_SIZE = 4 * 1024 * 1024


def _limit(value: int) -> int | None:
    return None if value == 0 else value


def make_decoder(args: argparse.Namespace) -> SSEDecoder:
    """Build the decoder the common options ask for."""
    return SSEDecoder(
        max_line_size=_limit(args.max_line_size),
        max_event_size=_limit(args.max_event_size),
        dispatch_on_close=args.dispatch_on_close,
    )


def show_progress(source: Source) -> Progress:
    """Progress on stderr only for big or open-ended inputs, and only when stderr is a
    terminal and stdout is not (when both are, the output itself shows progress)."""
    big = source.size is None or source.size >= _PROGRESS_MIN_SIZE
    return Progress(big and sys.stderr.isatty() and not sys.stdout.isatty())


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _event_header(label: str, event: ServerSentEvent) -> str:
    parts = [f"[{label}] {printable(event.event)}"]
    if event.id is not None:
        parts.append(f"id={_quote(event.id)}")
    if event.retry is not None:
        parts.append(f"retry={event.retry}")
    return "  ".join(parts)


def _data_lines(data: str) -> str:
    return "".join(f"  | {printable(line)}\n" if line else "  |\n" for line in data.split("\n"))


def _render_text(item: Item, index: int, out: TextIO) -> None:
    if isinstance(item, ServerSentEvent):
        out.write(_event_header(f"event {index}", item) + "\n" + _data_lines(item.data))
    elif isinstance(item, Comment):
        out.write(f"[comment] {printable(item.text)}\n")
    elif isinstance(item, RetryChange):
        out.write(f"[retry] reconnection time set to {item.retry} ms\n")
    elif isinstance(item, IdChange):
        what = f"set to {_quote(item.id)}" if item.id else "reset"
        out.write(f"[id] last event ID {what} (by a block with no data)\n")
    else:
        out.write(
            _event_header("discarded", item.event)
            + "  (the stream ended before the blank line that dispatches it)\n"
            + _data_lines(item.event.data)
        )


def _event_json(event: ServerSentEvent) -> dict[str, Any]:
    return {"event": event.event, "data": event.data, "id": event.id, "retry": event.retry}


def _render_json(item: Item, out: TextIO) -> None:
    obj: dict[str, Any]
    if isinstance(item, ServerSentEvent):
        obj = {"kind": "event", **_event_json(item)}
    elif isinstance(item, Comment):
        obj = {"kind": "comment", "text": item.text}
    elif isinstance(item, RetryChange):
        obj = {"kind": "retry", "retry": item.retry}
    elif isinstance(item, IdChange):
        obj = {"kind": "id", "id": item.id}
    else:
        obj = {"kind": "discarded", **_event_json(item.event)}
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _summary(name: str, stats: StreamStats) -> str:
    parts = [
        f"{stats.events} event{'s' * (stats.events != 1)}",
        f"{stats.comments} comment{'s' * (stats.comments != 1)}",
        f"{human_bytes(stats.bytes)} from {name}",
    ]
    if stats.last_event_id:
        parts.append(f"last event ID {_quote(stats.last_event_id)}")
    if stats.retry is not None:
        parts.append(f"retry {stats.retry} ms")
    return "== " + "; ".join(parts)


def _end_record(stats: StreamStats) -> dict[str, Any]:
    return {
        "kind": "end",
        "events": stats.events,
        "comments": stats.comments,
        "bytes": stats.bytes,
        "last_event_id": stats.last_event_id,
        "retry": stats.retry,
    }


def _events(items: Iterator[Item], timer: StreamTimer | None) -> Iterator[ServerSentEvent]:
    for item in items:
        if isinstance(item, ServerSentEvent):
            if timer is not None:
                timer.event()
            yield item


def _write_timing(
    timer: StreamTimer | None, tokens: int | None, out: TextIO, *, as_json: bool
) -> None:
    if timer is None:
        return
    report = timer.report(output_tokens=tokens)
    if as_json:
        out.write(json.dumps({"kind": "timing", **report.to_dict()}) + "\n")
    else:
        out.write(f"== timing: {report.line()}\n")


def _mode(args: argparse.Namespace) -> str | None:
    for mode in (*MODES, "auto"):
        if getattr(args, mode, False):
            return mode
    return None


def run_inspect(args: argparse.Namespace, out: TextIO) -> int:
    """Print the stream named by ``args.source``; return the exit status.

    Raises :class:`CLIError` for every user mistake and bad input (after printing
    what arrived before it).
    """
    stats = StreamStats()
    mode = _mode(args)
    request = build_request(args, mode)
    # Time zero is before the request, so the first byte's time includes the
    # connection and the server's wait, as a user of the API sees it.
    timer = StreamTimer() if args.stats else None
    timeout = args.timeout or None
    with open_source(args.source, timeout=timeout, force=args.force, request=request) as source:
        if timer is not None:
            source.chunks = timer.chunks(source.chunks)
        items = read_items(source, make_decoder(args), stats, show_progress(source))
        if mode is not None:
            return _run_mode(mode, source, _events(items, timer), out, args, timer)
        index = 0
        for item in items:
            if isinstance(item, ServerSentEvent):
                index += 1
                if timer is not None:
                    timer.event()
            if args.json:
                _render_json(item, out)
            else:
                _render_text(item, index, out)
            # Flush per item only while the input is live; files are flushed at the end.
            if source.live:
                out.flush()
        if args.json:
            out.write(json.dumps(_end_record(stats), ensure_ascii=False) + "\n")
        else:
            out.write(_summary(source.name, stats) + "\n")
        _write_timing(timer, None, out, as_json=args.json)
        out.flush()
    if stats.discarded:
        raise CLIError(
            f"{source.name}: the stream ended inside an event that no blank line "
            f"terminated; by the spec it is discarded (--dispatch-on-close keeps it)"
        )
    return 0


def _run_mode(
    mode: str,
    source: Source,
    events: Iterator[ServerSentEvent],
    out: TextIO,
    args: argparse.Namespace,
    timer: StreamTimer | None,
) -> int:
    if mode == "auto":
        found, seen = detect_mode(events)
        if found is None:
            raise CLIError(
                f"{source.name}: cannot tell the protocol from the first {len(seen)} "
                "event(s) (no message_start, response.* or chat.completion.chunk): "
                "pick --openai, --anthropic or --responses"
            )
        mode = found
        events = itertools.chain(seen, events)
    failure, tokens = run_llm(
        mode, events, source.name, out, as_json=args.json, live=source.live, timer=timer
    )
    _write_timing(timer, tokens, out, as_json=args.json)
    out.flush()
    if failure is not None:
        raise CLIError(failure)
    return 0
