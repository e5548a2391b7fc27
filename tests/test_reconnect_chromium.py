"""Chromium's EventSource is the oracle for reconnection.

The scripted cases of ``reconnect_cases.py`` run once in headless Chromium (one
page opens an ``EventSource`` per case, one after the other, and reports when it
is closed for good) and once with each sse-codec reconnecting client: httpx sync,
httpx async and aiohttp.  For every case the requests the server received (with
their ``Last-Event-ID``), the events delivered (type, data, lastEventId) and the
request after which each client stopped must be the same.  Skipped when Chromium
is not installed; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import httpx
import pytest
from reconnect_cases import CASES, EVENT_TYPES
from scripted_server import ScriptedServer, scripted_server
from test_browser_eventsource import BROWSER, RESULT_TIMEOUT, launch_browser

from sse_codec import ServerSentEvent, SSEConnectionError, SSEResponseError
from sse_codec.aiohttp import aconnect_sse as aiohttp_aconnect_sse
from sse_codec.httpx import aconnect_sse, connect_sse

pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="Chromium is not installed (Debian: apt-get install chromium); "
    "the browser reconnection oracle needs it",
)

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>EventSource reconnection</title></head>
<body><script>
const cases = %(cases)s;
const types = %(types)s;
function run(name) {
  return new Promise((resolve) => {
    const received = [];
    let reconnections = 0;
    const source = new EventSource("/case/" + name);
    const record = (e) => received.push([e.type, e.data, e.lastEventId]);
    source.onmessage = record;
    for (const type of types) source.addEventListener(type, record);
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) resolve({received, reconnections});
      else reconnections += 1;
    };
  });
}
(async () => {
  const results = {};
  for (const name of cases) results[name] = await run(name);
  await fetch("/result", {method: "POST", body: JSON.stringify(results)});
})();
</script></body></html>
"""

Outcome = dict[str, Any]


def _page() -> bytes:
    text = PAGE % {"cases": json.dumps(list(CASES)), "types": json.dumps(list(EVENT_TYPES))}
    return text.encode("utf-8")


def _outcome(server: ScriptedServer, name: str, received: list[list[str]]) -> Outcome:
    return {
        "requests": [r.last_event_id for r in server.requests(name)],
        "received": [tuple(item) for item in received],
    }


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    tmp = tmp_path_factory.mktemp("chromium")
    with scripted_server(CASES, page=_page()) as server:
        launch_browser(
            server.base + "/", server.state.done, tmp / "profile", tmp / "chromium.log"
        )
        assert server.state.done.is_set(), f"no result within {RESULT_TIMEOUT} s"
        results = server.state.result
        yield {name: _outcome(server, name, results[name]["received"]) for name in CASES}


def _row(event: ServerSentEvent) -> list[str]:
    return [event.event, event.data, event.id or ""]


def run_httpx(url: str) -> list[list[str]]:
    received: list[list[str]] = []
    with httpx.Client(timeout=10) as client, connect_sse(client, "GET", url, reconnect=True) as s:
        try:
            for event in s.iter_sse():
                received.append(_row(event))
        except SSEResponseError:
            pass  # closed for good, as the browser's "fail the connection"
    return received


# aiohttp will not put a control character in a header value, where Chromium and
# httpx send it as it is: the aiohttp stream ends with SSEConnectionError instead
# of making the request.
AIOHTTP_REFUSES = "control-character-id"


def run_httpx_async(url: str) -> list[list[str]]:
    async def main() -> list[list[str]]:
        received: list[list[str]] = []
        async with httpx.AsyncClient(timeout=10) as client, aconnect_sse(
            client, "GET", url, reconnect=True
        ) as source:
            try:
                async for event in source.aiter_sse():
                    received.append(_row(event))
            except SSEResponseError:
                pass
        return received

    return asyncio.run(main())


def run_aiohttp(url: str) -> list[list[str]]:
    async def main() -> list[list[str]]:
        received: list[list[str]] = []
        async with aiohttp.ClientSession() as session, aiohttp_aconnect_sse(
            session, "GET", url, reconnect=True
        ) as source:
            try:
                async for event in source.aiter_sse():
                    received.append(_row(event))
            except SSEResponseError:
                pass
        return received

    return asyncio.run(main())


CLIENTS = {"httpx": run_httpx, "httpx-async": run_httpx_async, "aiohttp": run_aiohttp}


@pytest.mark.parametrize("client", list(CLIENTS))
@pytest.mark.parametrize("case", list(CASES))
def test_reconnecting_client_does_what_chromium_does(
    case: str, client: str, chromium: dict[str, Outcome]
) -> None:
    if client == "aiohttp" and case == AIOHTTP_REFUSES:
        with scripted_server(CASES) as server, pytest.raises(SSEConnectionError):
            run_aiohttp(server.url(case))
        assert [r.last_event_id for r in server.requests(case)] == [None]
        assert chromium[case]["requests"] == [None, "a\x01b"]
        return
    with scripted_server(CASES) as server:
        received = CLIENTS[client](server.url(case))
        ours = _outcome(server, case, received)
    assert ours == chromium[case]


def test_chromium_results_are_what_the_spec_says(chromium: dict[str, Outcome]) -> None:
    # A few cases spelled out, so the oracle itself is checked against the spec.
    assert chromium["eof-reconnects"] == {
        "requests": [None, "2", "3"],
        "received": [("message", "a", "1"), ("tick", "b", "2"), ("message", "c", "3")],
    }
    assert chromium["seeded-id"]["received"] == [
        ("message", "a", "7"),
        ("message", "no id line", "7"),
        ("tick", "still 7", "7"),
    ]
    assert chromium["id-reset"]["requests"] == [None, None, None]
    assert chromium["first-401-json"] == {"requests": [None], "received": []}
    assert chromium["unicode-id"]["requests"] == [None, "é€😀"]
    assert chromium["id-with-surrounding-whitespace"]["requests"] == [None, "7 8"]
    assert chromium["id-with-surrounding-whitespace"]["received"] == [("message", "a", "\t7 8 ")]
