"""A FastAPI endpoint that types an answer out, word by word, as a chat UI expects.

pip install 'sse-codec[starlette]' fastapi uvicorn
uvicorn fastapi_app:app --port 8000      # from this directory
python -m sse_codec inspect --openai http://127.0.0.1:8000/v1/chat/completions
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import FastAPI

from sse_codec.openai import aencode_text_stream
from sse_codec.starlette import EventStreamResponse

app = FastAPI()
cancelled: list[str] = []  # answers whose client left before the end


async def answer(prompt: str) -> AsyncIterator[str]:
    finished = False
    try:
        for word in f"You said: {prompt}".split(" "):
            yield word + " "
            await asyncio.sleep(0.05)  # the model thinking
        finished = True
    finally:
        if not finished:  # the client went away: the response closed this generator
            cancelled.append(prompt)


@app.get("/v1/chat/completions", response_class=EventStreamResponse)
async def chat(prompt: str = "hello") -> EventStreamResponse:
    return EventStreamResponse(aencode_text_stream(answer(prompt), model="example-model"))
