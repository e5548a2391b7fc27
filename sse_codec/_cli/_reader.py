"""Run a source through the decoder and yield everything the stream says, in order.

Besides events and comments, the stream's state changes are items too: a new
reconnection time (``retry``) and a new last event ID set by a block that
dispatched nothing.  To place those exactly between the events around them, each
chunk is fed one line at a time (``bytes.splitlines`` keeps this linear).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .._decoder import SSEDecoder
from .._errors import SSELimitError
from .._event import Comment, ServerSentEvent
from ._common import CLIError, Progress, human_bytes
from ._sources import Source

__all__ = ["Discarded", "IdChange", "Item", "RetryChange", "StreamStats", "read_items"]


@dataclass(frozen=True, slots=True)
class RetryChange:
    """The stream set a new reconnection time, in milliseconds."""

    retry: int


@dataclass(frozen=True, slots=True)
class IdChange:
    """A block with no data changed the last event ID (events carry their own)."""

    id: str


@dataclass(frozen=True, slots=True)
class Discarded:
    """The event the stream was building when it ended without a blank line."""

    event: ServerSentEvent


Item = ServerSentEvent | Comment | RetryChange | IdChange | Discarded


@dataclass(slots=True)
class StreamStats:
    """Counts kept while reading, for the summary line."""

    bytes: int = 0
    events: int = 0
    comments: int = 0
    discarded: int = 0
    last_event_id: str = ""
    retry: int | None = None


# A line that names an SSE field or is a comment, at the start of any line.
_SSE_LINE = re.compile(rb"(?m)^(?:(?:data|event|id|retry)(?::|\r?$)|:)")
_HEAD_SIZE = 64 * 1024


def _limit_message(name: str, err: SSELimitError) -> str:
    option = "--" + err.limit_name.replace("_", "-")
    return (
        f"{name}: {err.limit_name} exceeded: the stream needs at least {err.size} bytes "
        f"buffered, the limit is {err.limit} ({option} BYTES raises it, 0 removes it)"
    )


def read_items(
    source: Source,
    decoder: SSEDecoder,
    stats: StreamStats,
    progress: Progress,
) -> Iterator[Item]:
    """Yield the items of ``source`` in stream order, updating ``stats``.

    At the end, an event the stream left unterminated is yielded as
    :class:`Discarded` (the spec drops it; the command line must not hide it),
    unless the decoder was built with ``dispatch_on_close``.  Raises
    :class:`CLIError` for a limit error (after yielding what came before it) and
    for input that is not an event stream at all.
    """
    head = b""
    retry = decoder.retry
    last_id = decoder.last_event_id
    total = f" of {human_bytes(source.size)}" if source.size else ""
    for chunk in source.chunks:
        stats.bytes += len(chunk)
        if len(head) < _HEAD_SIZE:
            head += chunk[: _HEAD_SIZE - len(head)]
        for line in chunk.splitlines(keepends=True):
            try:
                items = decoder.feed_items(line)
            except SSELimitError as err:
                # Events and comments completed before the limit, in stream order.
                for done in err.items:
                    if isinstance(done, ServerSentEvent):
                        stats.events += 1
                    else:
                        stats.comments += 1
                    yield done
                raise CLIError(_limit_message(source.name, err)) from None
            dispatched = False
            if decoder.retry != retry:
                retry = decoder.retry
                if retry is not None:
                    yield RetryChange(retry)
            for item in items:
                if isinstance(item, ServerSentEvent):
                    stats.events += 1
                    dispatched = True
                else:
                    stats.comments += 1
                yield item
            if decoder.last_event_id != last_id:
                last_id = decoder.last_event_id
                if not dispatched:
                    yield IdChange(last_id)
        progress.show(f"{source.name}: {human_bytes(stats.bytes)}{total}, {stats.events} events")
    progress.clear()
    tail: list[Item]
    if decoder.dispatch_on_close:
        tail = list(decoder.close_items())
    else:
        # Two line ends complete whatever was pending; the events that produces are
        # exactly the ones the spec discards at end of stream.
        tail = [
            Discarded(item)
            for item in decoder.feed_items(b"\n\n")
            if isinstance(item, ServerSentEvent)
        ]
        decoder.close()
    for end_item in tail:
        if isinstance(end_item, Discarded):
            stats.discarded += 1
        elif isinstance(end_item, ServerSentEvent):
            stats.events += 1
        else:
            stats.comments += 1
        yield end_item
    stats.last_event_id = last_id
    stats.retry = retry
    if (
        stats.bytes
        and not (stats.events or stats.comments or stats.discarded)
        and retry is None
        and not last_id
        and not _SSE_LINE.search(head.removeprefix(b"\xef\xbb\xbf"))
    ):
        raise CLIError(
            f"{source.name}: not an event stream (no SSE field or comment line in the "
            f"first {human_bytes(len(head))})"
        )
