"""The command line, in-process: ``inspect`` (file, stdin, URL, bundled example,
``--json``, ``--openai``), its errors, and the ``bench`` checkout lookup."""

from __future__ import annotations

import io
import json
import re
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from sse_codec import ServerSentEvent, SSEDecoder
from sse_codec._cli import main
from sse_codec._cli._bench import _load as load_benchmark
from sse_codec._cli._bench import find_checkout
from sse_codec._cli._serve import Plan, serving
from sse_codec._cli._sources import EXAMPLE_NAME, example_bytes
from sse_codec._faults import FAULTS

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))


def run(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stdin: bytes | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def json_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def decode_all(data: bytes) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    return decoder.feed(data) + decoder.close()


def as_events(records: list[dict[str, Any]]) -> list[ServerSentEvent]:
    return [
        ServerSentEvent(event=r["event"], data=r["data"], id=r["id"], retry=r["retry"])
        for r in records
        if r["kind"] == "event"
    ]


# -- inspect: readable and JSON ----------------------------------------------------


def test_bundled_example_is_the_recorded_fixture() -> None:
    assert example_bytes() == (FIXTURES / "openrouter-comments-reasoning.sse").read_bytes()


def test_inspect_without_argument_reads_the_bundled_example(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run(["inspect"], capsys, monkeypatch)
    assert status == 0
    assert err == ""
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("[comment]")] == [
        "[comment] OPENROUTER PROCESSING"
    ] * 4
    headers = [line for line in lines if line.startswith("[event ")]
    assert headers == [f"[event {n}] message" for n in range(1, 16)]
    assert lines[-1] == f"== 15 events; 4 comments; 6.0 kB from bundled example {EXAMPLE_NAME}"
    # Every data line is shown after its header, prefixed.
    events = decode_all(example_bytes())
    data_lines = [line[4:] for line in lines if line.startswith("  | ")]
    assert data_lines == [event.data for event in events]


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.sse")))
def test_inspect_json_gives_exactly_the_decoded_events(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = FIXTURES / name
    status, out, err = run(["inspect", "--json", str(path)], capsys, monkeypatch)
    assert (status, err) == (0, "")
    records = json_lines(out)
    assert as_events(records) == decode_all(path.read_bytes())
    comments = [r for r in records if r["kind"] == "comment"]
    if name in EXPECTED["openai_chat"]:
        assert len(comments) == EXPECTED["openai_chat"][name]["comment_lines"]
    end = records[-1]
    assert end["kind"] == "end"
    assert end["bytes"] == path.stat().st_size
    assert end["events"] == len(as_events(records))


def test_inspect_shows_state_changes_in_stream_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = (
        b"retry: 100\n\n"  # sets retry, dispatches nothing
        b"data: a\n\n"
        b"id: 7\n\n"  # sets the last event ID, dispatches nothing
        b": note\n"
        b"retry: 250\ndata: b\n\n"  # an event block with its own retry
        b"retry: x\n\n"  # invalid: ignored, no change
        b"id\n\n"  # resets the last event ID
        b"event: up\ndata: c\n\n"
    )
    status, out, _ = run(["inspect", "--json", "-"], capsys, monkeypatch, stdin=stream)
    assert status == 0
    assert json_lines(out)[:-1] == [
        {"kind": "retry", "retry": 100},
        {"kind": "event", "event": "message", "data": "a", "id": None, "retry": None},
        {"kind": "id", "id": "7"},
        {"kind": "comment", "text": "note"},
        {"kind": "retry", "retry": 250},
        {"kind": "event", "event": "message", "data": "b", "id": "7", "retry": 250},
        {"kind": "id", "id": ""},
        {"kind": "event", "event": "up", "data": "c", "id": None, "retry": None},
    ]
    status, out, _ = run(["inspect", "-"], capsys, monkeypatch, stdin=stream)
    assert out.splitlines() == [
        "[retry] reconnection time set to 100 ms",
        "[event 1] message",
        "  | a",
        '[id] last event ID set to "7" (by a block with no data)',
        "[comment] note",
        "[retry] reconnection time set to 250 ms",
        '[event 2] message  id="7"  retry=250',
        "  | b",
        "[id] last event ID reset (by a block with no data)",
        "[event 3] up",
        "  | c",
        f"== 3 events; 1 comment; {len(stream)} B from <stdin>; retry 250 ms",
    ]


def test_inspect_escapes_control_characters_and_shows_multiline_data(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = b"event: t\x1bx\ndata: \x1b[31mred\ndata:\ndata: \xff\xc3\xa9\n\n"
    status, out, _ = run(["inspect", "-"], capsys, monkeypatch, stdin=stream)
    assert status == 0
    assert out.splitlines()[:4] == [
        "[event 1] t\\x1bx",
        "  | \\x1b[31mred",
        "  |",
        "  | \ufffd\u00e9",
    ]


def test_unterminated_last_event_is_shown_as_discarded_and_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = b"data: a\n\nid: 3\ndata: cut"
    status, out, err = run(["inspect", "--json", "-"], capsys, monkeypatch, stdin=stream)
    assert status == 1
    records = json_lines(out)
    assert records[0]["data"] == "a"
    assert records[1] == {
        "kind": "discarded",
        "event": "message",
        "data": "cut",
        "id": "3",
        "retry": None,
    }
    assert err.count("\n") == 1
    assert "ended inside an event" in err
    # The lenient option keeps it as an ordinary event.
    status, out, err = run(
        ["inspect", "--json", "--dispatch-on-close", "-"], capsys, monkeypatch, stdin=stream
    )
    assert (status, err) == (0, "")
    assert [e.data for e in as_events(json_lines(out))] == ["a", "cut"]


def test_a_trailing_line_end_without_blank_line_is_also_reported(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for tail in (b"data: x\n", b"data: x\r", b"data: x\r\n"):
        status, out, err = run(["inspect", "--json", "-"], capsys, monkeypatch, stdin=tail)
        assert status == 1, tail
        assert [r["kind"] for r in json_lines(out)] == ["discarded", "end"]
    for whole in (b"data: x\n\n", b"data: x\r\r", b"data: x\r\n\r\n", b": only a comment"):
        status, out, err = run(["inspect", "--json", "-"], capsys, monkeypatch, stdin=whole)
        assert (status, err) == (0, ""), whole


def test_limit_error_is_one_line_after_the_events_before_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = b"data: ok\n\ndata: " + b"x" * 100 + b"\n\n"
    argv = ["inspect", "--json", "--max-line-size", "50", "-"]
    status, out, err = run(argv, capsys, monkeypatch, stdin=stream)
    assert status == 1
    assert [r["data"] for r in json_lines(out)] == ["ok"]
    assert err.startswith("sse-codec: error: <stdin>: max_line_size exceeded")
    assert "--max-line-size" in err
    assert err.count("\n") == 1
    status, out, err = run(
        ["inspect", "--json", "--max-line-size", "0", "-"], capsys, monkeypatch, stdin=stream
    )
    assert status == 0


def test_empty_input_is_an_empty_stream(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run(["inspect", "-"], capsys, monkeypatch, stdin=b"")
    assert (status, err) == (0, "")
    assert out == "== 0 events; 0 comments; 0 B from <stdin>\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["inspect", "no/such/file.sse"], "no such file: no/such/file.sse"),
        (["inspect", "ftp://example.com/x"], "unsupported URL scheme 'ftp'"),
        (["inspect", "http://"], "bad URL (no host)"),
        (["inspect", "http://[::1"], "bad URL http://[::1"),
        (["inspect", "http://127.0.0.1:99999/"], "Port out of range"),
        (["serve", "--fault", "no_such_fault"], "unknown fault 'no_such_fault'"),
    ],
)
def test_user_errors_print_one_line(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status, _out, err = run(argv, capsys, monkeypatch)
    assert status == 1
    assert err.startswith("sse-codec: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_directory_and_non_stream_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, err = run(["inspect", str(tmp_path)], capsys, monkeypatch)
    assert status == 1
    assert "is a directory" in err
    path = tmp_path / "data.json"
    path.write_text('{"not": "a stream"}\n')
    status, _, err = run(["inspect", str(path)], capsys, monkeypatch)
    assert status == 1
    assert "not an event stream" in err
    assert err.count("\n") == 1


def test_fault_that_does_not_apply_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "plain.sse"
    path.write_bytes(b"data: no done marker\n\n")
    status, _, err = run(["serve", str(path), "--fault", "drop_done"], capsys, monkeypatch)
    assert status == 1
    assert "--fault drop_done cannot damage" in err
    assert err.count("\n") == 1


def test_fault_list_names_every_fault(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, _ = run(["serve", "--fault", "list"], capsys, monkeypatch)
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()] == list(FAULTS)


def test_bad_usage_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for argv in (["serve", "--chunk", "0"], ["serve", "--port", "70000"], ["nope"], []):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        assert "usage:" in capsys.readouterr().err


# -- inspect over HTTP ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("chunk", [None, 1, "random"])
def test_inspect_url_reads_the_served_stream_exactly(
    chunk: int | str | None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = (FIXTURES / "openai-chat-tool-calls-parallel.sse").read_bytes()
    with serving(Plan(body, chunk=chunk, seed=5)) as server:
        status, out, err = run(["inspect", "--json", server.url], capsys, monkeypatch)
    assert (status, err) == (0, "")
    assert as_events(json_lines(out)) == decode_all(body)


def test_inspect_url_connection_refused(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    status, _, err = run(["inspect", url], capsys, monkeypatch)
    assert status == 1
    assert err.startswith(f"sse-codec: error: cannot connect to {url}")
    assert err.count("\n") == 1


class _JSONHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/missing":
            self.send_error(404)
            return
        body = b'data: {"a": 1}\n\n'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def json_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _JSONHandler)
    thread = Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_inspect_url_checks_content_type_and_status(
    json_server: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, err = run(["inspect", json_server + "/"], capsys, monkeypatch)
    assert status == 1
    # The one line shows the status, the type and the start of the body.
    assert err == (
        f"sse-codec: error: {json_server}/: not an event stream (HTTP 200, Content-Type: "
        'application/json; --force reads it anyway): data: {"a": 1}\n'
    )
    status, out, err = run(["inspect", "--json", "--force", json_server + "/"], capsys, monkeypatch)
    assert (status, err) == (0, "")
    assert [e.data for e in as_events(json_lines(out))] == ['{"a": 1}']
    status, _, err = run(["inspect", json_server + "/missing"], capsys, monkeypatch)
    assert status == 1
    assert "HTTP 404" in err
    assert err.count("\n") == 1


# -- inspect --openai ------------------------------------------------------------------

CLEAN_CHAT = [
    "openai-chat-basic.sse",
    "openai-chat-tool-calls-parallel.sse",
    "openai-chat-n3-multiple-choices.sse",
    "openrouter-comments-reasoning.sse",
    "deepseek-reasoner-tool-call.sse",
    "groq-chat-tool-call.sse",
]


@pytest.mark.parametrize("name", CLEAN_CHAT)
def test_openai_json_summary_matches_the_recorded_results(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = EXPECTED["openai_chat"][name]
    status, out, err = run(
        ["inspect", "--openai", "--json", str(FIXTURES / name)], capsys, monkeypatch
    )
    assert (status, err) == (0, "")
    records = json_lines(out)
    final = records[-1]
    assert final["kind"] == "completion"
    assert final["done"] is True
    assert final["error"] is None
    assert final["chunks"] == expected["chat_completion_chunks"]
    completion = final["completion"]
    for want, got in zip(expected["choices"], completion["choices"], strict=True):
        message = got["message"]
        assert message["content"] == want["content"]
        for key in ("reasoning", "reasoning_content"):
            if key in want:
                assert message[key] == want[key]
        calls = [
            (c["id"], c["function"]["name"], c["function"]["arguments"])
            for c in message.get("tool_calls", [])
        ]
        assert calls == [(c["id"], c["name"], c["arguments"]) for c in want["tool_calls"]]
        assert got["finish_reason"] == want["finish_reason"]
        # The streamed text records of this choice add up to its content.
        text = "".join(
            r["text"] for r in records if r["kind"] == "text" and r["choice"] == want["index"]
        )
        assert text == (want["content"] or "")
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        assert completion["usage"][key] == expected["usage"][key]


def test_openai_text_mode_streams_the_answer_then_summarises(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run(["inspect", "--openai"], capsys, monkeypatch)
    assert (status, err) == (0, "")
    expected = EXPECTED["openai_chat"]["openrouter-comments-reasoning.sse"]
    lines = out.splitlines()
    assert lines[0] == expected["choices"][0]["content"]
    assert lines[1].startswith("== 14 chunks, model anthropic/claude-sonnet-4.5")
    assert lines[2:] == [
        "reasoning:",
        "    " + expected["choices"][0]["reasoning"],
        "finish reason: stop",
        "usage: 43 prompt + 36 completion = 79 tokens",
        "[DONE]: received",
    ]


def test_openai_tool_calls_in_the_summary(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = FIXTURES / "openai-chat-tool-calls-parallel.sse"
    status, out, _ = run(["inspect", "--openai", str(path)], capsys, monkeypatch)
    assert status == 0
    want = EXPECTED["openai_chat"][path.name]["choices"][0]["tool_calls"]
    text = out.splitlines()
    for n, call in enumerate(want):
        at = text.index(f"tool call {n}: {call['name']} (id {call['id']})")
        assert text[at + 1] == "    " + call["arguments"]
    assert "finish reason: tool_calls" in text


@pytest.mark.parametrize("name", ["groq-error-midstream.sse", "openrouter-error-midstream.sse"])
def test_openai_in_band_error_fails_after_the_summary(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run(["inspect", "--openai", str(FIXTURES / name)], capsys, monkeypatch)
    assert status == 1
    assert "[DONE]: NOT received" in out
    assert err.startswith(f"sse-codec: error: {FIXTURES / name}: the server sent an error")
    assert err.count("\n") == 1


@pytest.mark.parametrize("fault", ["truncate_before_done", "drop_done", "truncate_mid_event"])
def test_openai_truncated_stream_fails(
    fault: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b"".join(FAULTS[fault]((FIXTURES / "openai-chat-basic.sse").read_bytes(), seed=1))
    status, out, err = run(["inspect", "--openai", "-"], capsys, monkeypatch, stdin=body)
    assert status == 1
    assert "[DONE]: NOT received" in out
    assert "ended without [DONE]" in err
    assert err.count("\n") == 1


def test_openai_payload_that_is_not_json_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = b"data: {not json\n\ndata: [DONE]\n\n"
    status, _, err = run(["inspect", "--openai", "-"], capsys, monkeypatch, stdin=stream)
    assert status == 1
    assert "not a chat completion chunk" in err
    assert err.count("\n") == 1


# -- bench -------------------------------------------------------------------------------


def test_bench_finds_this_checkout() -> None:
    root = find_checkout()
    assert root is not None
    assert (root / "benchmarks" / "bench.py").is_file()


def test_bench_without_checkout_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sse_codec._cli._bench.find_checkout", lambda: None)
    status, _, err = run(["bench", "--quick"], capsys, monkeypatch)
    assert status == 1
    assert "bench needs a source checkout" in err
    assert err.count("\n") == 1


def test_openai_on_a_stream_that_is_not_a_chat_stream(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = FIXTURES / "anthropic-messages-text.sse"
    status, out, err = run(["inspect", "--openai", str(path)], capsys, monkeypatch)
    assert status == 1
    assert "no choices arrived" in out
    assert "is this an OpenAI-style chat stream?" in err
    assert err.count("\n") == 1


def test_bench_runs_a_selected_cell(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["bench", "--quick", "--workloads", "openai_chat", "--chunkings", "whole"]
    status, out, err = run([*argv, "--parts", "cells"], capsys, monkeypatch)
    assert (status, err) == (0, "")  # stderr is not a terminal: no progress
    lines = out.splitlines()
    assert lines[1] == (
        "Command: python -m sse_codec bench --quick --workloads openai_chat "
        "--chunkings whole --parts cells"
    )
    assert "### openai_chat" in lines
    (row,) = [line for line in lines if line.startswith("| whole |")]
    assert float(row.split("|")[4].replace(",", "")) > 0  # sse-codec MB/s


def test_bench_quick_is_a_smoke_run_without_verdicts(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["bench", "--quick", "--workloads", "openai_chat", "--chunkings", "1460"]
    status, out, _ = run([*argv, "--parts", "cells,memory"], capsys, monkeypatch)
    assert status == 0
    # It says so before the first table, and judges nothing.
    assert "smoke run" in out.partition("###")[0].lower()
    for verdict in ("MET", "MISSED", "checks met"):
        assert verdict not in out
    # Sizes are rounded for reading: 8.5 KiB, not 8.45605 KiB.
    sizes = re.findall(r"\b(\d+(?:\.\d+)?) (?:KiB|MiB)\b", out)
    assert sizes
    assert all(len(size.partition(".")[2]) <= 1 for size in sizes), sizes


def test_bench_quick_run_collects_no_targets_and_sizes_read_rounded() -> None:
    root = find_checkout()
    assert root is not None
    bench = load_benchmark(root)
    report = bench.run(True, workloads=["openai_chat"], chunkings=["whole"], parts=["cells"])
    assert report.cells
    assert report.targets == []
    assert [bench._fmt_size(n) for n in (512, 1024, 8659, 65536, 3 * 2**20 // 2)] == [
        "512 B",
        "1 KiB",
        "8.5 KiB",
        "64 KiB",
        "1.5 MiB",
    ]


def test_bench_unknown_selection_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, err = run(["bench", "--quick", "--workloads", "nope"], capsys, monkeypatch)
    assert status == 1
    assert err.startswith("sse-codec: error: bench: unknown workload")
    assert err.count("\n") == 1
