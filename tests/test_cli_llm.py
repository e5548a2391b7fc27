"""``inspect --anthropic / --responses / --auto / --stats``, and how every mode reports
a stream that breaks after (or before) its end."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sse_codec._cli import main
from sse_codec._cli._serve import Plan, serving
from sse_codec._faults import FAULTS

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def records(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


# -- Anthropic ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED["anthropic_messages"]))
def test_anthropic_json_matches_the_recorded_message(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    want = EXPECTED["anthropic_messages"][name]
    status, out, err = run(
        ["inspect", "--anthropic", "--json", str(FIXTURES / name)], capsys, monkeypatch
    )
    assert (status, err) == (0, "")
    lines = records(out)
    final = lines[-1]
    assert final["kind"] == "message"
    assert (final["done"], final["error"], final["connection_error"]) == (True, None, None)
    assert final["events"] == want["events"]
    assert final["events_after_end"] == 0
    message = final["message"]
    assert message["id"] == want["message_id"]
    assert message["stop_reason"] == want["stop_reason"]
    texts = [b["text"] for b in want["content_blocks"] if b["type"] == "text"]
    assert [b["text"] for b in message["content"] if b["type"] == "text"] == texts
    # The streamed text records add up to the text blocks, block by block.
    streamed = [r for r in lines if r["kind"] == "text" and not r.get("thinking")]
    for block in want["content_blocks"]:
        if block["type"] == "text":
            pieces = [r["text"] for r in streamed if r["block"] == block["index"]]
            assert "".join(pieces) == block["text"]


def test_anthropic_text_mode_summary(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = FIXTURES / "anthropic-messages-tool-use.sse"
    want = EXPECTED["anthropic_messages"][path.name]
    status, out, err = run(["inspect", "--anthropic", str(path)], capsys, monkeypatch)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    texts = [b["text"] for b in want["content_blocks"] if b["type"] == "text"]
    assert lines[0] == "".join(texts)
    assert lines[1] == f"== 36 events, model {want['model']}, id {want['message_id']}"
    tool = want["content_blocks"][4]
    at = lines.index(f"tool use 4: {tool['name']} (id {tool['id']})")
    assert json.loads(lines[at + 1]) == tool["input_parsed"]
    server_tool = want["content_blocks"][1]
    assert f"server tool use 1: {server_tool['name']} (id {server_tool['id']})" in lines
    usage = want["final_usage_merged"]
    assert lines[-3:] == [
        "stop reason: tool_use",
        f"usage: {usage['input_tokens']} input + {usage['output_tokens']} output tokens",
        "message_stop: received",
    ]


def test_anthropic_thinking_is_summarised_not_streamed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = FIXTURES / "anthropic-thinking.sse"
    want = EXPECTED["anthropic_messages"][path.name]
    thinking = next(b["thinking"] for b in want["content_blocks"] if b["type"] == "thinking")
    status, out, _ = run(["inspect", "--anthropic", str(path)], capsys, monkeypatch)
    assert status == 0
    assert out.index(thinking) > out.index("== ")  # only in the summary
    assert "thinking:\n    " + thinking.split("\n")[0] in out
    status, out, _ = run(["inspect", "--anthropic", "--json", str(path)], capsys, monkeypatch)
    streamed = "".join(r["text"] for r in records(out) if r.get("thinking"))
    assert streamed == thinking


def test_anthropic_error_event_fails_after_the_summary(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    body = (FIXTURES / "anthropic-messages-text.sse").read_bytes()
    head = body[: body.index(b"event: content_block_stop")]
    error = (
        b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error",'
        b'"message":"Overloaded"}}\n\n'
    )
    path = tmp_path / "overloaded.sse"
    path.write_bytes(head + error)
    status, out, err = run(["inspect", "--anthropic", str(path)], capsys, monkeypatch)
    assert status == 1
    assert "message_stop: NOT received" in out
    assert "stop reason: none" in out
    assert err == (
        f"sse-codec: error: {path}: the server sent an error in the stream: "
        '{"type": "overloaded_error", "message": "Overloaded"}\n'
    )


def test_anthropic_truncated_and_foreign_streams(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    body = (FIXTURES / "anthropic-messages-text.sse").read_bytes()
    path = tmp_path / "cut.sse"
    path.write_bytes(body[: body.index(b"event: message_stop")])
    status, out, err = run(["inspect", "--anthropic", str(path)], capsys, monkeypatch)
    assert status == 1
    assert "message_stop: NOT received" in out
    assert err == (
        f"sse-codec: error: {path}: the stream ended without message_stop, so the "
        "answer may be truncated\n"
    )
    chat = FIXTURES / "openai-chat-basic.sse"
    status, out, err = run(["inspect", "--anthropic", str(chat)], capsys, monkeypatch)
    assert status == 1
    assert "no message_start arrived" in out
    assert err.count("\n") == 1
    assert "well-formed Anthropic Messages event" in err or "is this an Anthropic" in err


# -- Responses ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED["openai_responses"]))
def test_responses_json_matches_the_recorded_response(
    name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    want = EXPECTED["openai_responses"][name]
    status, out, err = run(
        ["inspect", "--responses", "--json", str(FIXTURES / name)], capsys, monkeypatch
    )
    assert (status, err) == (0, "")
    lines = records(out)
    final = lines[-1]
    assert (final["kind"], final["done"], final["events"]) == ("response", True, want["events"])
    response = final["response"]
    assert response["id"] == want["response_id"]
    assert response["status"] == want["final_status"]
    assert response["usage"] == want["final_usage"]
    assert response["text_by_item"] == want["output_text_by_item"]
    assert {c["item_id"]: c["arguments"] for c in response["function_calls"]} == want[
        "function_call_arguments_by_item"
    ]
    streamed = "".join(r["text"] for r in lines if r["kind"] == "text")
    assert streamed == "".join(want["output_text_by_item"].values())


def test_responses_text_mode(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = FIXTURES / "openai-responses-function-call.sse"
    status, out, err = run(["inspect", "--responses", str(path)], capsys, monkeypatch)
    assert (status, err) == (0, "")
    want = EXPECTED["openai_responses"][path.name]
    (arguments,) = want["function_call_arguments_by_item"].values()
    lines = out.splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("function call 0: "))
    assert lines[at + 1] == "    " + arguments
    assert lines[-3:] == [
        "status: completed",
        f"usage: {want['final_usage']['input_tokens']} input + "
        f"{want['final_usage']['output_tokens']} output tokens",
        "response.completed: received",
    ]


def test_responses_failed_is_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    body = (FIXTURES / "openai-responses-api.sse").read_bytes()
    head = body[: body.index(b"event: response.completed")]
    failed = (
        b'event: response.failed\ndata: {"type":"response.failed","response":{"id":"r",'
        b'"status":"failed","error":{"code":"server_error","message":"boom"}}}\n\n'
    )
    path = tmp_path / "failed.sse"
    path.write_bytes(head + failed)
    status, out, err = run(["inspect", "--responses", str(path)], capsys, monkeypatch)
    assert status == 1
    assert "status: failed" in out
    assert "the server sent an error in the stream" in err
    assert '"boom"' in err


# -- --auto --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("openai-chat-basic.sse", "completion"),
        ("openrouter-comments-reasoning.sse", "completion"),
        ("anthropic-thinking.sse", "message"),
        ("openai-responses-api.sse", "response"),
    ],
)
def test_auto_picks_the_protocol_from_the_events(
    name: str, kind: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run(
        ["inspect", "--auto", "--json", str(FIXTURES / name)], capsys, monkeypatch
    )
    assert (status, err) == (0, "")
    final = records(out)[-1]
    assert (final["kind"], final["done"]) == (kind, True)


def test_auto_gives_up_with_a_hint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "plain.sse"
    path.write_bytes(b"data: hello\n\n" * 20)
    status, out, err = run(["inspect", "--auto", str(path)], capsys, monkeypatch)
    assert (status, out) == (1, "")
    assert err == (
        f"sse-codec: error: {path}: cannot tell the protocol from the first 16 event(s) "
        "(no message_start, response.* or chat.completion.chunk): pick --openai, "
        "--anthropic or --responses\n"
    )


def test_modes_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["inspect", "--openai", "--anthropic"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# -- a transfer that breaks ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mode", "end"),
    [
        ("openai-chat-basic.sse", "--openai", "[DONE]"),
        ("anthropic-messages-text.sse", "--anthropic", "message_stop"),
        ("openai-responses-api.sse", "--responses", "response.completed"),
    ],
)
def test_broken_transfer_after_a_complete_stream_reports_both_facts(
    name: str,
    mode: str,
    end: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = (FIXTURES / name).read_bytes()
    with serving(Plan(body, drop=True)) as server:
        status, out, err = run(["inspect", mode, server.url], capsys, monkeypatch)
    assert status == 1
    assert f"{end}: received" in out
    assert "stream end: NOT clean (see the error)" in out
    assert err.startswith(
        f"sse-codec: error: the answer is complete ({end} received), but the stream did "
        f"not end cleanly: {server.url}: the connection closed in the middle of the HTTP "
        "response"
    )
    assert err.count("\n") == 1
    with serving(Plan(body, drop=True)) as server:
        status, out, err = run(["inspect", mode, "--json", server.url], capsys, monkeypatch)
    final = records(out)[-1]
    assert final["done"] is True
    assert "closed in the middle" in final["connection_error"]
    assert final["error"].startswith("the answer is complete")


def test_broken_transfer_before_the_end_is_a_truncated_answer(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b"".join(
        FAULTS["truncate_before_done"]((FIXTURES / "openai-chat-basic.sse").read_bytes())
    )
    with serving(Plan(body, drop=True)) as server:
        status, out, err = run(["inspect", "--openai", server.url], capsys, monkeypatch)
    assert status == 1
    assert "[DONE]: NOT received" in out
    assert err.endswith("(before [DONE]: the answer is truncated)\n")
    assert err.count("\n") == 1


# -- --stats ---------------------------------------------------------------------------


class PacedServer:
    """An independent server (raw sockets): it sends a head, then each event after a
    known pause, so the figures --stats prints can be checked against the pauses."""

    def __init__(self, parts: list[tuple[float, bytes]], head_delay: float) -> None:
        self.parts = parts
        self.head_delay = head_delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            conn.recv(65536)
            stop = threading.Event()
            stop.wait(self.head_delay)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            )
            for delay, data in self.parts:
                stop.wait(delay)
                conn.sendall(b"%x\r\n%b\r\n" % (len(data), data))
            conn.sendall(b"0\r\n\r\n")

    def close(self) -> None:
        self.thread.join(timeout=10)
        self.listener.close()


@pytest.fixture
def paced_chat() -> Iterator[PacedServer]:
    def chunk(content: str) -> bytes:
        obj = {
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": content}}],
        }
        return b"data: " + json.dumps(obj).encode() + b"\n\n"

    usage = {
        "object": "chat.completion.chunk",
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 40, "total_tokens": 43},
    }
    parts = [
        (0.0, b": waiting\n\n"),  # the first byte, no event
        (0.15, chunk("")),  # first event, no content
        (0.15, chunk("Hello")),  # first content token at about 0.4 s
        (0.1, chunk(" world")),
        (0.1, b"data: " + json.dumps(usage).encode() + b"\n\ndata: [DONE]\n\n"),
    ]
    server = PacedServer(parts, head_delay=0.1)
    yield server
    server.close()


def test_stats_figures_match_the_known_delays(
    paced_chat: PacedServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run(
        ["inspect", "--openai", "--stats", "--json", paced_chat.url], capsys, monkeypatch
    )
    assert (status, err) == (0, "")
    timing = records(out)[-1]
    assert timing["kind"] == "timing"
    # Generous bounds: a plausibility check on a shared machine, not a benchmark.
    assert 0.09 <= timing["time_to_first_byte"] < 0.09 + 1.0
    assert 0.24 <= timing["time_to_first_event"] < 0.24 + 1.0
    assert 0.39 <= timing["time_to_first_token"] < 0.39 + 1.0
    assert timing["events"] == 5
    assert 0.09 <= timing["gap_max"] < 0.15 + 1.0
    assert timing["gap_median"] <= timing["gap_p95"] <= timing["gap_max"]
    assert timing["output_tokens"] == 40
    # 40 tokens from the first token to the last event (about 0.2 s).
    assert 40 / (0.2 + 1.0) < timing["output_tokens_per_second"] <= 40 / 0.19
    assert 0 < timing["events_per_second"] <= 5 / 0.59
    assert timing["bytes"] == sum(len(data) for _, data in paced_chat.parts)


def test_stats_readable_line_on_plain_inspect(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, _ = run(["inspect", "--stats"], capsys, monkeypatch)
    assert status == 0
    last = out.splitlines()[-1]
    assert last.startswith("== timing: first byte ")
    assert "first event" in last and "events/s" in last and "bytes/s" in last
    assert "first token" not in last  # no protocol, no tokens


def test_stats_in_a_protocol_mode_counts_output_tokens(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = FIXTURES / "anthropic-messages-text.sse"
    status, out, _ = run(["inspect", "--anthropic", "--stats", str(path)], capsys, monkeypatch)
    assert status == 0
    output_tokens = EXPECTED["anthropic_messages"][path.name]["final_usage_merged"]["output_tokens"]
    assert f"{output_tokens} output tokens at " in out.splitlines()[-1]


@pytest.mark.parametrize(
    ("name", "mode", "answer_start"),
    [
        ("anthropic-thinking.sse", "anthropic", '"type":"text_delta"'),
        ("deepseek-reasoner-reasoning-content.sse", "openai", '"content":"'),
    ],
)
def test_first_token_is_the_first_answer_text_not_reasoning(
    name: str, mode: str, answer_start: str
) -> None:
    from sse_codec import SSEDecoder
    from sse_codec._cli._llm import run_llm
    from sse_codec.timing import StreamTimer

    decoder = SSEDecoder()
    events = decoder.feed((FIXTURES / name).read_bytes()) + decoder.close()
    now = [0.0]
    timer = StreamTimer(clock=lambda: now[0])

    def ticking() -> Iterator[Any]:
        for event in events:
            now[0] += 1.0  # event n arrives at n seconds
            timer.event()
            yield event

    first_answer = next(
        n
        for n, e in enumerate(events, 1)
        if answer_start in e.data and f'{answer_start}"' not in e.data
    )
    failure, _ = run_llm(
        mode, ticking(), name, io.StringIO(), as_json=True, live=False, timer=timer
    )
    assert failure is None
    report = timer.report()
    assert report.time_to_first_event == 1.0
    assert report.time_to_first_token == float(first_answer)
    assert first_answer > 2  # reasoning came first
