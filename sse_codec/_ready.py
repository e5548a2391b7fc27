"""Take the next item of an async iterator at once when it is ready, without waiting.

The event-stream response writes the items a source has ready as one write: one
ASGI ``send`` per ready run instead of one per event, which is most of a server's
cost per event.  To know whether an item is ready, ``__anext__()``'s awaitable is
stepped once by hand: if it finishes, the item was ready; if it yields (it waits
for I/O or a timer), the caller first writes what it holds, then awaits the rest
of that same step with :func:`finish`, so the source is never run twice, never
skipped, and sees cancellation exactly as if it had been awaited directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Generator
from typing import Any

__all__ = ["NOT_READY", "abandon", "finish", "step"]


class _NotReady:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_READY"


#: Returned by :func:`step` when the next item is not ready.
NOT_READY: Any = _NotReady()


def step(iterator: AsyncIterator[Any]) -> tuple[Any, Any, Any]:
    """Start ``iterator.__anext__()`` and run it until it finishes or waits.

    Returns ``(item, None, None)`` when the item was ready, or ``(NOT_READY,
    awaitable, yielded)`` when it waits: pass both to :func:`finish`.  Raises
    ``StopAsyncIteration`` at the end, and whatever the iterator raises.
    """
    awaitable = iterator.__anext__()
    send = getattr(awaitable, "send", None)
    if send is None:
        # A plain awaitable (a Future, say) cannot be stepped: it is never ready.
        return NOT_READY, awaitable, _UNSTARTED
    try:
        yielded = send(None)
    except StopIteration as stop:
        return stop.value, None, None
    return NOT_READY, awaitable, yielded


_UNSTARTED = object()


class finish:  # lower case: used as a function, ``await finish(awaitable, yielded)``
    """Await the rest of a step that :func:`step` left waiting; gives its item.

    ``await finish(awaitable, yielded)`` hands what the step yielded (a Future, or
    ``None`` for a bare yield such as ``asyncio.sleep(0)``) to the running task, as
    the step's own ``await`` would have, and resumes the step each time the task
    resumes.  A class with a generator ``__await__``, not a coroutine: one frame
    less for every stream that waits (the state an idle connection holds).
    Raises ``StopAsyncIteration`` at the end and whatever the iterator raises; a
    cancellation of the caller is thrown into the iterator where it waits.
    """

    __slots__ = ("_awaitable", "_yielded")

    def __init__(self, awaitable: Awaitable[Any], yielded: Any) -> None:
        self._awaitable = awaitable
        self._yielded = yielded

    def __await__(self) -> Generator[Any, Any, Any]:
        awaitable, yielded = self._awaitable, self._yielded
        if yielded is _UNSTARTED:
            return (yield from awaitable.__await__())
        coroutine: Any = awaitable
        while True:
            try:
                sent = yield yielded
            except BaseException as exc:  # the task throws CancelledError in here
                try:
                    yielded = coroutine.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    yielded = coroutine.send(sent)
                except StopIteration as stop:
                    return stop.value


def abandon(awaitable: Awaitable[Any], yielded: Any) -> None:
    """Stop a step that :func:`step` left waiting, as a task cancel would.

    The future it waits on is cancelled and ``CancelledError`` is thrown in where
    it waits, so the iterator's ``except``/``finally`` run and it can be closed
    afterwards.  An iterator that swallows that and waits again is left as it is
    (tried three times).  Raises nothing.
    """
    if yielded is _UNSTARTED:
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()
        return
    coroutine: Any = awaitable
    for _ in range(3):
        if isinstance(yielded, asyncio.Future):
            yielded.cancel()
        try:
            yielded = coroutine.throw(asyncio.CancelledError())
        except BaseException:  # finished: by the cancel, an item, the end or an error
            return
