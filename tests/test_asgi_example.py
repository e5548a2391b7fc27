"""examples/starlette_app.py and fastapi_app.py, served by uvicorn on loopback, read with httpx."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from asgi_servers import serve_uvicorn

from sse_codec import ServerSentEvent, SSEDecoder, aiter_events, iter_events
from sse_codec.openai import ChatCompletionAccumulator, aiter_chunks, iter_chunks

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "starlette_app.py"


def load_app() -> Any:
    spec = importlib.util.spec_from_file_location("starlette_app_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    config = uvicorn.Config(
        load_app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        assert time.monotonic() < deadline, "uvicorn did not start in 30 s"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(30)


def ticks(start: int) -> list[ServerSentEvent]:
    out = [
        ServerSentEvent(event="tick", data=f"tick {n}\nline two", id=str(n))
        for n in range(start, 5)
    ]
    # The done event carries no id line; the last event ID persists.
    return [*out, ServerSentEvent(event="done", data="bye", id="4")]


def test_events_endpoint_with_httpx(base_url: str) -> None:
    decoder = SSEDecoder()
    with httpx.stream("GET", base_url + "/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = list(iter_events(response.iter_bytes(), decoder=decoder))
    assert events == ticks(0)
    assert decoder.retry == 2000
    assert decoder.last_event_id == "4"


def test_events_endpoint_resumes_after_last_event_id(base_url: str) -> None:
    headers = {"Last-Event-ID": "2"}
    with httpx.stream("GET", base_url + "/events", headers=headers) as response:
        events = list(iter_events(response.iter_bytes()))
    assert events == ticks(3)


def test_chat_endpoint_with_async_httpx_and_the_openai_layer(base_url: str) -> None:
    async def main() -> tuple[list[str], str | None, str | None]:
        accumulator = ChatCompletionAccumulator()
        pieces: list[str] = []
        async with (
            httpx.AsyncClient() as client,
            client.stream("POST", base_url + "/v1/chat/completions") as response,
        ):
            events = aiter_events(response.aiter_bytes())
            async for chunk in aiter_chunks(events, accumulator=accumulator):
                for choice in chunk.choices:
                    if choice.delta is not None and isinstance(choice.delta.content, str):
                        pieces.append(choice.delta.content)
        result = accumulator.result().choices[0]
        return pieces, result.message.content, result.finish_reason

    pieces, content, finish = asyncio.run(main())
    assert pieces == ["", "Streams ", "are ", "just ", "events."]
    assert content == "Streams are just events."
    assert finish == "stop"


FASTAPI_EXAMPLE = EXAMPLE.with_name("fastapi_app.py")


@pytest.fixture(scope="module")
def fastapi_example() -> Iterator[tuple[str, Any]]:
    spec = importlib.util.spec_from_file_location("fastapi_app_example", FASTAPI_EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with serve_uvicorn(module.app) as running:
        yield running.url, module


def test_fastapi_example_types_the_answer_out(fastapi_example: tuple[str, Any]) -> None:
    url, _ = fastapi_example
    accumulator = ChatCompletionAccumulator()
    with httpx.stream("GET", url + "/v1/chat/completions", params={"prompt": "hi there"}) as r:
        assert r.headers["content-type"] == "text/event-stream; charset=utf-8"
        chunks = list(iter_chunks(iter_events(r.iter_bytes()), accumulator=accumulator))
    assert len(chunks) == 6  # role, three words, finish
    assert accumulator.result().choices[0].message.content == "You said: hi there "


def test_fastapi_example_stops_generating_when_the_client_leaves(
    fastapi_example: tuple[str, Any],
) -> None:
    url, module = fastapi_example
    prompt = "a long question that the client will not wait for"
    with httpx.stream("GET", url + "/v1/chat/completions", params={"prompt": prompt}) as r:
        for n, _ in enumerate(iter_events(r.iter_bytes())):
            if n == 2:
                break
    deadline = time.monotonic() + 10
    while prompt not in module.cancelled and time.monotonic() < deadline:
        time.sleep(0.02)
    assert module.cancelled == [prompt]
