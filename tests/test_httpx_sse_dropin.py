"""httpx-sse's documented usage runs unchanged on sse_codec.httpx, with the same events.

Each usage, as httpx-sse's README shows it, takes the library module (``httpx_sse``
or ``sse_codec.httpx``) and is run once with each: switching is a change of
import.  The one documented difference is compared through: ``id`` is ``None``
rather than ``""`` when the stream set none.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import httpx_sse
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

import sse_codec.httpx
from sse_codec import encode
from sse_codec._cli._serve import Plan, serving

FIXTURES = Path(__file__).parent / "fixtures"
LIBRARIES = {"httpx-sse": httpx_sse, "sse-codec": sse_codec.httpx}
Row = tuple[str, str, str, "int | None"]


def _row(sse: Any) -> Row:
    return (sse.event, sse.data, sse.id or "", sse.retry)


def quickstart(lib: ModuleType, url: str) -> list[Row]:
    # httpx-sse's Quickstart.
    rows = []
    with httpx.Client() as client, lib.connect_sse(client, "GET", url) as event_source:
        for sse in event_source.iter_sse():
            rows.append(_row(sse))
    return rows


async def auth_events(request: Request) -> StreamingResponse:
    async def events() -> AsyncIterator[bytes]:
        yield encode('{"user_id": "4135"}', event="login")

    return StreamingResponse(events(), media_type="text/event-stream")


async def chat(request: Request) -> Response:
    body = await request.json()
    if body.get("model") != "m":
        return Response('{"error": "bad model"}', 400, media_type="application/json")

    async def events() -> AsyncIterator[bytes]:
        for word in body["words"]:
            yield encode(json.dumps({"delta": word}), id=word)
        yield encode("[DONE]")

    return StreamingResponse(events(), media_type="text/event-stream")


async def html(request: Request) -> Response:
    return Response("<html></html>", media_type="text/html")


app = Starlette(
    routes=[
        Route("/sse/auth/", auth_events),
        Route("/chat", chat, methods=["POST"]),
        Route("/html", html),
    ]
)


async def calling_into_an_asgi_app(lib: ModuleType) -> list[Any]:
    # httpx-sse's "Calling into Python web apps", with its json() call.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:  # noqa: SIM117
        async with lib.aconnect_sse(client, "GET", "http://localhost:8000/sse/auth/") as source:
            events = [sse async for sse in source.aiter_sse()]
            (sse,) = events
            assert sse.event == "login"
            return [sse.json()]


async def posting_a_chat_request(lib: ModuleType) -> list[Any]:
    # The LLM use: POST a JSON body, read JSON deltas until [DONE].
    words = []
    payload = {"model": "m", "words": ["Hel", "lo"]}
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client,
        lib.aconnect_sse(client, "POST", "http://test/chat", json=payload) as source,
    ):
        async for sse in source.aiter_sse():
            if sse.data == "[DONE]":
                break
            words.append((sse.json()["delta"], sse.id))
    return words


async def handling_a_non_stream_answer(lib: ModuleType) -> str:
    # httpx-sse raises its SSEError for the wrong Content-Type; so does sse-codec.
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client,
        lib.aconnect_sse(client, "GET", "http://test/html") as source,
    ):
        try:
            async for _sse in source.aiter_sse():
                pass
        except lib.SSEError:
            return "SSEError"
    return "no error"


@pytest.mark.parametrize(
    "fixture", ["openai-chat-tool-calls-parallel.sse", "anthropic-messages-text.sse"]
)
def test_quickstart_gives_the_same_events(fixture: str) -> None:
    body = (FIXTURES / fixture).read_bytes()
    results = {}
    for name, lib in LIBRARIES.items():
        with serving(Plan(body, chunk="random", seed=5)) as server:
            results[name] = quickstart(lib, server.url)
    assert results["sse-codec"] == results["httpx-sse"]
    assert len(results["sse-codec"]) > 3


def test_calling_into_an_asgi_app_gives_the_same_json() -> None:
    results = {name: asyncio.run(calling_into_an_asgi_app(lib)) for name, lib in LIBRARIES.items()}
    assert results["sse-codec"] == results["httpx-sse"] == [{"user_id": "4135"}]


def test_posting_a_chat_request_gives_the_same_deltas() -> None:
    results = {name: asyncio.run(posting_a_chat_request(lib)) for name, lib in LIBRARIES.items()}
    assert results["sse-codec"] == results["httpx-sse"] == [("Hel", "Hel"), ("lo", "lo")]


def test_a_wrong_content_type_raises_each_librarys_sse_error() -> None:
    results = {
        name: asyncio.run(handling_a_non_stream_answer(lib)) for name, lib in LIBRARIES.items()
    }
    assert results == {"httpx-sse": "SSEError", "sse-codec": "SSEError"}


def test_the_names_httpx_sse_exports_exist() -> None:
    missing = set(httpx_sse.__all__) - {"__version__"} - set(sse_codec.httpx.__all__)
    assert missing == set()
