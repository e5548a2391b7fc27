"""Headless Chromium's ``EventSource`` reads the event-stream response served by uvicorn.

A Starlette app on 127.0.0.1 serves a page that opens ``EventSource('/stream')``
and POSTs back every event it saw.  The first connection sends ``retry: 50``,
events with ids, an idle gap filled with keep-alives, then ends; the browser
reconnects after the retry time with ``Last-Event-ID``, and the second connection
resumes after it.  Skipped when no Chromium is installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from asgi_servers import serve_uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from test_browser_eventsource import BROWSER, launch_browser

from sse_codec import ServerSentEvent
from sse_codec.asgi import Item
from sse_codec.starlette import EventStreamResponse, last_event_id

pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="Chromium is not installed (Debian: apt-get install chromium); "
    "the browser EventSource test needs it",
)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>EventStreamResponse</title></head>
<body><script>
const received = [];
let opens = 0;
const source = new EventSource("/stream");
source.onopen = () => { opens += 1; };
function record(event) {
  if (event.type === "end") {
    source.close();
    fetch("/result", {method: "POST", body: JSON.stringify({received, opens})});
    return;
  }
  received.push([event.type, event.data, event.lastEventId]);
}
source.onmessage = record;
source.addEventListener("tick", record);
source.addEventListener("end", record);
</script></body></html>
"""

FIRST: tuple[Item, ...] = (
    ServerSentEvent(data="", event="tick", id="1", retry=50),
    {"data": "two\nlines", "event": "tick", "id": "2"},
    "no id line: the last id stays",
)
EXPECTED = [
    ["tick", "", "1"],
    ["tick", "two\nlines", "2"],
    ["message", "no id line: the last id stays", "2"],
    ["message", "after the gap", "3"],
    ["tick", "resumed after 3", "4"],
]


class State:
    def __init__(self) -> None:
        self.last_event_ids: list[str | None] = []
        self.connected_at: list[float] = []
        self.ended_at: list[float] = []
        self.result: Any = None
        self.done = threading.Event()


def make_app(state: State) -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def first() -> AsyncIterator[Item]:
        for item in FIRST:
            yield item
        await asyncio.sleep(0.4)  # idle: keep-alives every 0.05 s, which are not events
        yield ServerSentEvent(data="after the gap", id="3")
        state.ended_at.append(time.monotonic())

    async def resumed(after: str) -> AsyncIterator[Item]:
        yield ServerSentEvent(data=f"resumed after {after}", event="tick", id="4")
        yield ServerSentEvent(data="", event="end")

    async def stream(request: Request) -> EventStreamResponse:
        state.connected_at.append(time.monotonic())
        last = last_event_id(request)
        state.last_event_ids.append(last)
        source = first() if last is None else resumed(last)
        return EventStreamResponse(source, keep_alive=0.05)

    async def result(request: Request) -> Response:
        state.result = json.loads(await request.body())
        state.done.set()
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/", page),
            Route("/stream", stream),
            Route("/result", result, methods=["POST"]),
        ]
    )


def test_chromium_eventsource_reads_the_response_and_resumes(tmp_path: Path) -> None:
    state = State()
    with serve_uvicorn(make_app(state)) as running:
        launch_browser(
            running.url + "/", state.done, tmp_path / "profile", tmp_path / "chromium.log"
        )
    assert state.result["received"] == EXPECTED
    # Ids reached the browser: it reconnected with the last one it saw.
    assert state.last_event_ids == [None, "3"]
    assert state.result["opens"] == 2
    # retry reached it too: it came back after about 50 ms, not its default 3 s.
    assert state.connected_at[1] - state.ended_at[0] < 2.0
