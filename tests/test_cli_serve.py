"""``serve`` as a mock LLM endpoint (GET and POST, protocol paths, Last-Event-ID,
status, content type, error body, keep-alive) and as a server that holds up under
load: a connection cap, client timeouts, a shared body, no busy loop, and a bounded
load test with stalled readers and abrupt disconnects."""

from __future__ import annotations

import errno
import json
import os
import selectors
import socket
import socketserver
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from sse_codec import SSEDecoder
from sse_codec._cli import main
from sse_codec._cli._resume import resume_offsets
from sse_codec._cli._serve import Plan, Reply, StreamServer, serving
from sse_codec._faults import FAULTS

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
CHAT = (FIXTURES / "openai-chat-basic.sse").read_bytes()


def fetch(
    url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers["Content-Type"], err.read()


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


# -- requests --------------------------------------------------------------------------


def test_get_and_post_on_any_path_get_the_stream() -> None:
    with serving(Plan(CHAT)) as server:
        assert fetch(server.url + "any/path?x=1") == (200, "text/event-stream; charset=utf-8", CHAT)
        prompt = json.dumps({"stream": True}).encode()
        status, _, body = fetch(server.url + "v1/chat/completions", data=prompt)
        assert (status, body) == (200, CHAT)


def test_a_protocol_mode_serves_its_path_only() -> None:
    with serving(Plan(CHAT), reply=Reply(protocol="openai")) as server:
        for path in ("v1/chat/completions", "chat/completions", "openai/v1/chat/completions/"):
            assert fetch(server.url + path, data=b"{}")[::2] == (200, CHAT)
        status, content_type, body = fetch(server.url + "v1/messages", data=b"{}")
        assert (status, content_type) == (404, "application/json")
        assert json.loads(body)["error"]["message"] == (
            "this mock serves openai on .../v1/chat/completions"
        )


def test_a_chunked_request_body_is_refused_with_411() -> None:
    with (
        serving(Plan(CHAT)) as server,
        socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as conn,
    ):
        conn.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
        )
        assert conn.recv(100).startswith(b"HTTP/1.1 411 ")


# -- Last-Event-ID -------------------------------------------------------------------------

WITH_IDS = (
    b"id: 1\ndata: one\n\n"
    b"id: 2\r\ndata: two\r\n\r\n"
    b": a comment\n\n"
    b"id: 3\rdata: three\r\r"
    b"data: no id of its own\n\n"
)


def test_resume_offsets_point_just_after_each_id() -> None:
    offsets = resume_offsets(WITH_IDS)
    assert WITH_IDS[offsets["1"] :].startswith(b"id: 2\r\n")
    assert WITH_IDS[offsets["2"] :].startswith(b": a comment")
    assert WITH_IDS[offsets["3"] :] == b"data: no id of its own\n\n"


def test_last_event_id_resumes_after_that_event() -> None:
    with serving(Plan(WITH_IDS, chunk=3), reply=Reply(resume=resume_offsets(WITH_IDS))) as server:
        _, _, body = fetch(server.url, headers={"Last-Event-ID": "2"})
        # A client seeded with the ID it sent reads the rest as if never cut.
        events = SSEDecoder(last_event_id="2").feed(body)
        assert [(e.data, e.id) for e in events] == [("three", "3"), ("no id of its own", "3")]
        # An ID the stream never sent: the whole stream.
        assert fetch(server.url, headers={"Last-Event-ID": "99"})[2] == WITH_IDS
        assert fetch(server.url)[2] == WITH_IDS


# -- answering like a broken server ---------------------------------------------------------


def test_status_and_error_body_reach_inspect_as_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    error = b'{"error": {"type": "rate_limit_error", "message": "slow down"}}'
    reply = Reply(status=429, error_body=error)
    with serving(Plan(CHAT), reply=reply) as server:
        assert fetch(server.url) == (429, "application/json", error)
        status, out, err = run(["inspect", "--openai", server.url], capsys)
    assert (status, out) == (1, "")
    assert err == f"sse-codec: error: {server.url}: HTTP 429 Too Many Requests: {error.decode()}\n"
    with serving(Plan(CHAT), reply=Reply(error_body=b"<html>oops</html>")) as server:
        assert fetch(server.url)[:2] == (200, "text/plain; charset=utf-8")


def test_content_type_makes_a_client_refuse_the_stream(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(Plan(CHAT), reply=Reply(content_type="application/json")) as server:
        assert fetch(server.url) == (200, "application/json", CHAT)
        status, _, err = run(["inspect", server.url], capsys)
    assert status == 1
    assert "not an event stream (HTTP 200, Content-Type: application/json;" in err


def test_status_with_the_stream_body(capsys: pytest.CaptureFixture[str]) -> None:
    with serving(Plan(CHAT), reply=Reply(status=500)) as server:
        assert fetch(server.url)[::2] == (500, CHAT)


def test_keep_alive_comments_fill_the_delays(capsys: pytest.CaptureFixture[str]) -> None:
    body = b"data: a\n\ndata: b\n\n"
    with serving(Plan(body, chunk=9, delay=0.35), reply=Reply(keep_alive=0.1)) as server:
        status, out, _ = run(["inspect", "--json", server.url], capsys)
    assert status == 0
    kinds = [json.loads(line)["kind"] for line in out.splitlines()]
    assert kinds[0] == "event" and kinds[-2:] == ["event", "end"]
    # 0.35 s of delay at one comment per 0.1 s: three keep-alive comments.
    assert kinds.count("comment") == 3


def test_faults_chunking_and_delay_work_in_a_protocol_mode(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = Plan(CHAT, chunk="random", delay=0.001, fault=FAULTS["drop_done"], seed=3)
    with serving(plan, reply=Reply(protocol="openai")) as server:
        status, out, err = run(["inspect", "--openai", server.url + "v1/chat/completions"], capsys)
    assert status == 1
    assert "[DONE]: NOT received" in out
    assert "ended without [DONE]" in err


# -- the serve command's checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--anthropic", str(FIXTURES / "openai-chat-basic.sse")],
            "looks like an openai stream, not anthropic: use --openai",
        ),
        (
            ["--responses"],
            "--anthropic and --responses need a FILE (the bundled example is openai)",
        ),
        (["--auto", str(FIXTURES / "gemini-alt-sse.sse")], "does not look like an LLM API stream"),
        (
            ["--error-body", "/no/such/error.json"],
            "--error-body: cannot read /no/such/error.json: No such file or directory",
        ),
    ],
)
def test_serve_mistakes_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["serve", "--port", "0", *argv], capsys)
    assert (status, out) == (1, "")
    assert err.startswith("sse-codec: error: ")
    assert message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--status", "99"),
        ("--status", "abc"),
        ("--keep-alive", "0"),
        ("--max-connections", "0"),
        ("--client-timeout", "-1"),
        ("--delay", "inf"),
    ],
)
def test_serve_bad_values_are_usage_errors(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", option, value])
    assert exit_info.value.code == 2
    assert f"argument {option}" in capsys.readouterr().err


def test_fault_list_says_what_the_oversized_event_is(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["serve", "--fault", "list"], capsys)
    assert status == 0
    line = next(line for line in out.splitlines() if line.startswith("insert_oversized_event"))
    assert "an event of 33,554,433 data bytes" in line
    assert " size " not in line


def test_serve_subprocess_as_an_anthropic_mock(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(ROOT)
    fixture = FIXTURES / "anthropic-messages-text.sse"
    argv = [sys.executable, "-m", "sse_codec", "serve", "--auto", str(fixture), "--port", "0"]
    argv += ["--chunk", "5", "--max-requests", "1", "--keep-alive", "1"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as process:
        assert process.stdout is not None and process.stderr is not None
        url = process.stdout.readline().decode().strip()
        try:
            body = fetch(url + "v1/messages", data=b"{}")[2]
        finally:
            assert process.wait(30) == 0
        log = process.stderr.read().decode()
    assert body == fixture.read_bytes()
    assert f"on {url}v1/messages (base URL {url}v1)" in log
    assert "POST /v1/messages -> stream 0" in log
    assert "Traceback" not in log


# -- hardening ---------------------------------------------------------------------------------


def test_one_write_and_fixed_chunks_are_views_of_the_shared_body() -> None:
    body = bytes(range(256)) * 64
    for chunk in (None, 1000):
        plan = Plan(body, chunk=chunk)
        pieces, _ = plan.chunks(0, start=10)
        views = list(pieces)
        assert all(isinstance(v, memoryview) and v.obj is body for v in views)
        assert b"".join(views) == body[10:]


def test_connections_past_the_cap_get_503_at_once() -> None:
    plan = Plan(CHAT, chunk=100, delay=0.5)
    with serving(plan, max_connections=2) as server:
        port = server.server_address[1]
        held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
        try:
            for conn in held:
                conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                assert conn.recv(12) == b"HTTP/1.1 200"
            with socket.create_connection(("127.0.0.1", port), timeout=10) as extra:
                assert extra.recv(100).startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
        finally:
            for conn in held:
                conn.close()


def test_a_slowloris_is_dropped_after_the_client_timeout() -> None:
    with (
        serving(Plan(CHAT), client_timeout=0.3) as server,
        socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as conn,
    ):
        conn.sendall(b"GET / HTTP/1.1\r\nHo")  # and nothing more
        started = time.monotonic()
        assert conn.recv(100) == b""  # closed by the server
        assert time.monotonic() - started < 5


def test_a_reader_that_stops_reading_is_dropped_after_the_client_timeout() -> None:
    body = bytes(8 * 1024 * 1024)
    with serving(Plan(body), client_timeout=0.3) as server:
        conn = socket.socket()
        # A small receive window, so the server's write blocks at once.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        conn.connect(("127.0.0.1", server.server_address[1]))
        with conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            deadline = time.monotonic() + 10
            while server.active_requests == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert server.active_requests == 1
            while server.active_requests and time.monotonic() < deadline:
                time.sleep(0.05)
            # The write timed out and the handler ended, while the client still holds on.
            assert server.active_requests == 0


def test_out_of_descriptors_pauses_instead_of_spinning(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0

    def exhausted(self: socketserver.TCPServer) -> tuple[socket.socket, Any]:
        nonlocal calls
        calls += 1
        raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(socketserver.TCPServer, "get_request", exhausted)
    server = StreamServer(Plan(CHAT))
    try:
        started = time.monotonic()
        while time.monotonic() - started < 0.35:
            with pytest.raises(OSError):
                server.get_request()
        # A pause of 0.1 s per failed accept: a handful of calls, not millions.
        assert 2 <= calls <= 5
    finally:
        server.server_close()


def _client(kind: str, port: int, sel: selectors.BaseSelector) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    if kind == "abrupt":
        conn.recv(1024)
        # SO_LINGER 0: close with a reset, mid-response, as a killed client does.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
    elif kind == "reader":
        conn.setblocking(False)
        sel.register(conn, selectors.EVENT_READ, bytearray())
    return conn


def test_bounded_load_200_clients_with_stalled_readers_and_abrupt_disconnects() -> None:
    body = os.urandom(512 * 1024)
    expected = b"%x\r\n%b\r\n0\r\n\r\n" % (len(body), body)
    kinds = ["reader"] * 150 + ["stalled"] * 30 + ["abrupt"] * 20
    with serving(Plan(body), client_timeout=1.0) as server:
        port = server.server_address[1]
        sel = selectors.DefaultSelector()
        conns = [_client(kind, port, sel) for kind in kinds[::2]]
        conns += [_client(kind, port, sel) for kind in kinds[1::2]]
        done: list[bytes] = []
        deadline = time.monotonic() + 60
        while len(done) < 150 and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                data = sock.recv(1 << 20)
                if data:
                    key.data.extend(data)
                else:
                    sel.unregister(sock)
                    done.append(bytes(key.data))
        sel.close()
        errors = [d for d in done if d.partition(b"\r\n\r\n")[2] != expected]
        assert (len(done), len(errors)) == (150, 0)
        # The stalled readers are dropped by the write timeout; the server still answers.
        time.sleep(1.5)
        assert fetch(server.url)[2] == body
        for conn in conns:
            conn.close()
        stalled_threads = [t for t in threading.enumerate() if t.name.startswith("Thread-")]
        assert len(stalled_threads) < 40


@pytest.mark.parametrize("command", ["inspect", "serve", "bench"])
def test_each_help_ends_with_one_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.count("example: sse-codec ") == 1
    assert out.rstrip().split("\n\n")[-1].startswith(f"example: sse-codec {command} ")


def test_serve_options_reach_the_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[StreamServer] = []

    def record(self: StreamServer, poll_interval: float = 0.1) -> None:
        started.append(self)  # and return at once instead of serving

    monkeypatch.setattr(StreamServer, "serve_forever", record)
    error = tmp_path / "error.json"
    error.write_bytes(b'{"error": {"message": "no"}}')
    fixture = FIXTURES / "openai-responses-api.sse"
    argv = ["serve", "--responses", str(fixture), "--port", "0", "--status", "503"]
    argv += ["--content-type", "text/html", "--error-body", str(error), "--keep-alive", "2"]
    argv += ["--max-connections", "7", "--client-timeout", "4", "--chunk", "random"]
    status, out, err = run(argv, capsys)
    assert status == 0
    (server,) = started
    assert out == server.url + "\n"
    assert server.reply == Reply(
        protocol="responses",
        status=503,
        content_type="text/html",
        error_body=error.read_bytes(),
        keep_alive=2.0,
        resume={},
    )
    assert (server.max_connections, server.client_timeout) == (7, 4.0)
    assert (server.plan.chunk, server.plan.body) == ("random", fixture.read_bytes())
    assert "/v1/responses (base URL" in err
