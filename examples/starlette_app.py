"""Server-sent events from a Starlette (ASGI) app, written by sse-codec's encoder.

pip install sse-codec starlette uvicorn
uvicorn starlette_app:app --port 8000      # from this directory
python -m sse_codec inspect http://127.0.0.1:8000/events
python -m sse_codec inspect --openai http://127.0.0.1:8000/v1/chat/completions
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from sse_codec import encode
from sse_codec.openai import aencode_text_stream

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering


async def ticks(request: Request) -> AsyncIterator[bytes]:
    # A client that reconnects sends the last id it saw: resume after it.
    last = request.headers.get("last-event-id", "")
    start = int(last) + 1 if last.isdigit() else 0
    yield encode(None, retry=2000)  # reconnect after 2 s; dispatches no event
    for n in range(start, 5):
        if await request.is_disconnected():
            return
        yield encode(f"tick {n}\nline two", event="tick", id=str(n))
        await asyncio.sleep(0.01)
    yield encode("bye", event="done")


async def events(request: Request) -> StreamingResponse:
    return StreamingResponse(ticks(request), media_type="text/event-stream", headers=HEADERS)


async def words() -> AsyncIterator[str]:
    for word in ("Streams ", "are ", "just ", "events."):
        yield word
        await asyncio.sleep(0.01)


async def chat(request: Request) -> StreamingResponse:
    # OpenAI-style chat.completion.chunk events, then data: [DONE].
    body = aencode_text_stream(words(), model="example-model")
    return StreamingResponse(body, media_type="text/event-stream", headers=HEADERS)


app = Starlette(
    routes=[
        Route("/events", events),
        Route("/v1/chat/completions", chat, methods=["GET", "POST"]),
    ]
)
