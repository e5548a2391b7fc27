"""benchmarks/server.py: its own logic (the full measurement runs in .ci/run's smoke run).

The apps it serves are checked here in process: each response's body decodes to the
events it was given, so the benchmark compares responses that do the same work.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # (python -m pytest has it; plain pytest may not)
    sys.path.insert(0, str(_ROOT))

from benchmarks import server  # noqa: E402
from sse_codec import SSEDecoder  # noqa: E402


def chunked(body: bytes, size: int) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%b\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_dechunk_reverses_chunked_encoding(size: int) -> None:
    body = b"data: x\n\n" * 50
    assert server._dechunk(chunked(body, size)) == body


def test_report_renders_medians_and_checks_the_targets() -> None:
    report = server.ServerReport(quick=False, config="config line")
    samples = {
        "sse-codec": (300_000.0, 150_000.0, 20_000.0, 1e-6, 9e-6, 20_000.0),
        "sse-starlette": (20_000.0, 15_000.0, 16_000.0, 12e-6, 16e-6, 40_960.0),
        "baseline": (40_000.0, 30_000.0, 30_000.0, 5e-6, 8e-6, 24_000.0),
    }
    for name, values in samples.items():
        for (key, _, _), value in zip(server._COLUMNS, values, strict=True):
            report.add(name, key, value)
    server._targets(report)
    text = report.markdown()
    assert "| sse-codec `EventStreamResponse` | 300,000 | 150,000 | 20,000 | 1.0 | 9.0 |" in text
    assert [ok for ok, _ in report.targets] == [True, True, False, True]
    assert "MISSED: events/s, 1 connection, source waits before each event: 1.25x" in text


@pytest.mark.parametrize("name", [*server.SERVERS, "baseline"])
def test_each_app_streams_the_payload(name: str) -> None:
    app = server.make_app(name)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/stream",
        "raw_path": b"/stream",
        "query_string": b"n=40",
        "root_path": "",
        "headers": [(b"host", b"test")],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1234),
    }
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 30))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    decoder = SSEDecoder()
    events = decoder.feed(body)
    assert [e.data for e in events] == [server._PAYLOAD] * 40
