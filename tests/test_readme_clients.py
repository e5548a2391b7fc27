"""The README's HTTP-client how-tos, server example and command-line output, verbatim.

Each ``<!-- readme-example: NAME -->`` block is run as written against the server
``python -m sse_codec serve`` runs (in-process, on a free port instead of 8000) and
must print exactly the served stream's events.  The ``readme-file`` block must be
the example file itself, and ``readme-output`` / ``printf`` console blocks must be
what the command line prints.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from scripted_server import Reply, replies, scripted_server
from test_client_adapters import EVENTS, resuming_server

from sse_codec import SSEDecoder
from sse_codec._cli import main
from sse_codec._cli._serve import Plan, serving
from sse_codec._cli._sources import example_bytes

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")
README_URL = '"http://127.0.0.1:8000/"'


def blocks(marker: str) -> dict[str, str]:
    pattern = re.compile(
        r"<!-- " + marker + r": (?P<name>[^>]+?) -->\n```\w+\n(?P<body>.*?)```", re.DOTALL
    )
    return {m["name"]: m["body"] for m in pattern.finditer(README)}


EXAMPLES = blocks("readme-example")


def test_every_client_has_an_example() -> None:
    assert set(EXAMPLES) == {"httpx", "httpx-async", "aiohttp", "requests", "urllib"}


@pytest.mark.parametrize("chunk", [None, 1])
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_readme_client_example_prints_every_event(name: str, chunk: int | None) -> None:
    code = EXAMPLES[name]
    assert code.count(README_URL) == 1
    body = example_bytes()
    decoder = SSEDecoder()
    expected = [f"{e.event} {e.data}" for e in decoder.feed(body) + decoder.close()]
    out = io.StringIO()
    with serving(Plan(body, chunk=chunk)) as server, contextlib.redirect_stdout(out):
        program = code.replace(README_URL, repr(server.url))
        exec(compile(program, f"README.md ({name} example)", "exec"), {"__name__": "__main__"})
    assert out.getvalue().splitlines() == expected


def _single(marker: str) -> str:
    pattern = re.compile(r"<!-- " + marker + r" -->\n```python\n(?P<body>.*?)```", re.DOTALL)
    (body,) = [m["body"] for m in pattern.finditer(README)]
    assert body.count(README_URL) == 1
    return body


def _run(code: str, url: str, name: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        program = code.replace(README_URL, repr(url))
        exec(compile(program, f"README.md ({name} example)", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def test_readme_response_error_example_prints_the_servers_reason() -> None:
    body = b'{"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}}'
    refusal = Reply(status=401, content_type="application/json", chunks=[body])
    code = _single("readme-response-example")
    with scripted_server({"s": replies(refusal)}) as server:
        printed = _run(code, server.url("s"), "response error")
        (request,) = server.requests("s")
    claimed = [line.split("# ")[1] for line in code.splitlines() if "print(error" in line]
    assert printed.splitlines() == claimed
    assert request.accept == "text/event-stream"


def test_readme_reconnect_example_prints_every_event_once() -> None:
    code = _single("readme-reconnect-example")
    decoder = SSEDecoder()
    expected = [f"{e.id} {e.data}" for e in decoder.feed(b"".join(EVENTS)) + decoder.close()]
    with scripted_server({"s": resuming_server(seed=1, drops=4)}) as server:
        printed = _run(code, server.url("s"), "reconnect")
        requests = server.requests("s")
    assert printed.splitlines() == "\n".join(expected).splitlines()
    assert len(requests) == 6  # 4 broken connections, 1 whole one, then the 204


def test_readme_asgi_example_is_the_tested_file() -> None:
    files = blocks("readme-file")
    assert set(files) == {"examples/starlette_app.py", "examples/fastapi_app.py"}
    for path, body in files.items():
        assert body == (ROOT / path).read_text("utf-8")


def run_cli(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: bytes | None = None,
) -> str:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    main(argv)
    out, err = capsys.readouterr()
    return out + err


def test_readme_command_output_is_what_the_command_prints(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = blocks("readme-output")
    assert outputs
    for body in outputs.values():
        command, _, shown = body.partition("\n")
        assert command.startswith("$ python -m sse_codec ")
        argv = command.removeprefix("$ python -m sse_codec ").split()
        assert run_cli(argv, capsys, monkeypatch) == shown


def test_readme_printf_example(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    match = re.search(
        r"^\$ printf '(?P<data>[^']*)' \| python -m sse_codec (?P<args>[^\n]*)\n(?P<shown>.*?)```",
        README,
        re.DOTALL | re.MULTILINE,
    )
    assert match is not None
    stdin = match["data"].replace("\\n", "\n").encode()
    argv = match["args"].split()
    assert run_cli(argv, capsys, monkeypatch, stdin=stdin) == match["shown"]
