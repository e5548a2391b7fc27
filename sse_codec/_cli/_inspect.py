"""``inspect``: show a stream's events, comments and state changes, readable or as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from .._event import Comment, ServerSentEvent
from .._impl import SSEDecoder
from ._common import CLIError, Progress, human_bytes, printable
from ._reader import IdChange, Item, RetryChange, StreamStats, read_items
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


def run_inspect(args: argparse.Namespace, out: TextIO) -> int:
    """Print the stream named by ``args.source``; return the exit status."""
    stats = StreamStats()
    timeout = args.timeout or None
    with open_source(args.source, timeout=timeout, force=args.force) as source:
        if args.openai:
            from ._openai import run_openai

            return run_openai(source, make_decoder(args), out, as_json=args.json)
        index = 0
        for item in read_items(source, make_decoder(args), stats, show_progress(source)):
            if isinstance(item, ServerSentEvent):
                index += 1
            if args.json:
                _render_json(item, out)
            else:
                _render_text(item, index, out)
            # Flush per item only while the input is live; files are flushed at the end.
            if source.live:
                out.flush()
        if args.json:
            out.write(
                json.dumps(
                    {
                        "kind": "end",
                        "events": stats.events,
                        "comments": stats.comments,
                        "bytes": stats.bytes,
                        "last_event_id": stats.last_event_id,
                        "retry": stats.retry,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        else:
            out.write(_summary(source.name, stats) + "\n")
        out.flush()
    if stats.discarded:
        raise CLIError(
            f"{source.name}: the stream ended inside an event that no blank line "
            f"terminated; by the spec it is discarded (--dispatch-on-close keeps it)"
        )
    return 0
