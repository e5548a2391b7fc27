"""Server-sent events from a Starlette (ASGI) app, with sse-codec's EventStreamResponse.

pip install 'sse-codec[starlette]' uvicorn
uvicorn starlette_app:app --port 8000 --timeout-graceful-shutdown 5   # from this directory
python -m sse_codec inspect http://127.0.0.1:8000/events
python -m sse_codec inspect --openai http://127.0.0.1:8000/v1/chat/completions
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from sse_codec import ServerSentEvent, encode
from sse_codec.asgi import EndReason, Item
from sse_codec.openai import aencode_text_stream
from sse_codec.starlette import EventStreamResponse, last_event_id

log = logging.getLogger("starlette_app")


async def ticks(start: int) -> AsyncIterator[Item]:
    yield encode(None, retry=2000)  # bytes are sent as they are: reconnect after 2 s
    try:
        for n in range(start, 5):
            yield ServerSentEvent(event="tick", data=f"tick {n}\nline two", id=str(n))
            await asyncio.sleep(0.01)  # waiting for the next one: keep-alives fill long gaps
        yield ServerSentEvent(event="done", data="bye")
    finally:
        log.info("ticks from %d: cleaned up", start)  # also when the client went away


async def gone(reason: EndReason) -> None:
    log.info("client gone (%s)", reason)  # "disconnect" or "send_timeout"


async def events(request: Request) -> EventStreamResponse:
    # A client that reconnects sends the last id it saw: resume after it.
    last = last_event_id(request) or ""
    start = int(last) + 1 if last.isdigit() else 0
    return EventStreamResponse(
        ticks(start),
        on_disconnect=gone,
        # On shutdown (after uvicorn's --timeout-graceful-shutdown), this, then a clean end.
        shutdown_message=ServerSentEvent(event="shutdown", data="restarting"),
    )


async def words() -> AsyncIterator[str]:
    for word in ("Streams ", "are ", "just ", "events."):
        yield word
        await asyncio.sleep(0.01)


async def chat(request: Request) -> EventStreamResponse:
    # OpenAI-style chat.completion.chunk events, then data: [DONE], as bytes.
    return EventStreamResponse(aencode_text_stream(words(), model="example-model"))


app = Starlette(
    routes=[
        Route("/events", events),
        Route("/v1/chat/completions", chat, methods=["GET", "POST"]),
    ]
)
