"""``inspect`` speaks HTTP like curl (-X, -H, -d, --api-key-env), checked against an
independent raw-socket server written here, and every malformed or short reply is a
one-line error with exit status 1, never a traceback."""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sse_codec._cli import main

FIXTURES = Path(__file__).parent / "fixtures"
CHAT = (FIXTURES / "openai-chat-basic.sse").read_bytes()


class RawServer:
    """Answers each connection with ``reply`` (raw bytes, so it can be any mistake)
    and keeps each request it received, head and body."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(10)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/v1/chat/completions"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read_request(self, conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            piece = conn.recv(65536)
            if not piece:
                return data
            data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                while len(body) < int(value):
                    body += conn.recv(65536)
        return data[: len(head) + 4] + body

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            self.requests.append(self._read_request(conn))
            conn.sendall(self.reply)

    def request(self) -> tuple[str, dict[str, str], bytes]:
        """The request line, the headers (lower-case names) and the body received."""
        self.thread.join(timeout=10)
        head, _, body = self.requests[0].partition(b"\r\n\r\n")
        line, *fields = head.decode("latin-1").split("\r\n")
        headers = {}
        for field in fields:
            name, _, value = field.partition(":")
            headers[name.strip().lower()] = value.strip()
        return line, headers, body

    def close(self) -> None:
        self.listener.close()
        self.thread.join(timeout=10)


def event_stream(body: bytes) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%b" % (len(body), body)
    )


@pytest.fixture
def raw_server() -> Iterator[type[RawServer]]:
    started: list[RawServer] = []

    class Started(RawServer):
        def __init__(self, reply: bytes) -> None:
            super().__init__(reply)
            started.append(self)

    yield Started
    for server in started:
        server.close()


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


PROMPT = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}


def test_data_posts_json_with_the_key_from_the_environment(
    raw_server: type[RawServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = raw_server(event_stream(CHAT))
    monkeypatch.setenv("TEST_API_KEY", "sk-test-123")
    argv = ["inspect", "--openai", "--api-key-env", "TEST_API_KEY", "-H", "X-Trace: 7"]
    status, out, err = run([*argv, "-d", json.dumps(PROMPT), server.url], capsys, monkeypatch)
    assert (status, err) == (0, "")
    assert "[DONE]: received" in out
    line, headers, body = server.request()
    assert line == "POST /v1/chat/completions HTTP/1.1"
    assert json.loads(body) == PROMPT
    assert headers["content-type"] == "application/json"
    assert headers["authorization"] == "Bearer sk-test-123"
    assert headers["x-trace"] == "7"
    assert headers["accept"] == "text/event-stream"


def test_anthropic_key_goes_in_x_api_key_with_a_version(
    raw_server: type[RawServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = raw_server(event_stream((FIXTURES / "anthropic-messages-text.sse").read_bytes()))
    monkeypatch.setenv("TEST_API_KEY", "sk-ant")
    argv = ["inspect", "--anthropic", "--api-key-env", "TEST_API_KEY", "-d", "{}", server.url]
    status, _, err = run(argv, capsys, monkeypatch)
    assert (status, err) == (0, "")
    _, headers, _ = server.request()
    assert headers["x-api-key"] == "sk-ant"
    assert headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in headers


def test_method_headers_and_data_from_a_file_and_stdin(
    raw_server: type[RawServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    prompt = tmp_path / "prompt.txt"
    prompt.write_bytes(b"not json")
    server = raw_server(event_stream(b"data: x\n\n"))
    argv = ["inspect", "-X", "put", "-H", "Content-Type: text/plain", "-d", f"@{prompt}"]
    status, _, err = run([*argv, server.url], capsys, monkeypatch)
    assert (status, err) == (0, "")
    line, headers, body = server.request()
    assert line.startswith("PUT ")
    assert (headers["content-type"], body) == ("text/plain", b"not json")
    # -H replaces a default header of the same name.
    server = raw_server(event_stream(b"data: x\n\n"))
    argv = ["inspect", "-H", "Accept: */*", "-d", "@-", server.url]
    status, _, err = run(argv, capsys, monkeypatch, stdin=b'{"a": 1}')
    assert (status, err) == (0, "")
    line, headers, body = server.request()
    assert line.startswith("POST ")
    assert (headers["accept"], headers["content-type"], body) == (
        "*/*",
        "application/json",
        b'{"a": 1}',
    )


@pytest.mark.parametrize(
    ("argv", "message", "status"),
    [
        (["-H", "no colon here"], "bad header 'no colon here': expected 'Name: value'", 2),
        (["-H", "Bad Name: x"], "bad header 'Bad Name: x': expected 'Name: value'", 2),
        (
            ["--api-key-env", "SURELY_UNSET_KEY_VAR"],
            "--api-key-env: the environment variable SURELY_UNSET_KEY_VAR is not set",
            1,
        ),
        (
            ["-d", "@/no/such/prompt"],
            "--data: cannot read /no/such/prompt: No such file or directory",
            1,
        ),
    ],
)
def test_request_option_mistakes_are_one_line(
    argv: list[str],
    message: str,
    status: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SURELY_UNSET_KEY_VAR", raising=False)
    got, out, err = run(["inspect", *argv, "http://127.0.0.1:9/"], capsys, monkeypatch)
    assert (got, out, err) == (status, "", f"sse-codec: error: {message}\n")


def test_request_options_need_a_url(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, err = run(
        ["inspect", "-d", "{}", str(FIXTURES / "vllm-chat.sse")], capsys, monkeypatch
    )
    assert (status, out) == (1, "")
    assert err == "sse-codec: error: -X, -H, -d and --api-key-env apply to a URL, not to a file\n"


def test_http_error_shows_the_servers_error_body(
    raw_server: type[RawServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    error = b'{\n  "error": {"message": "Incorrect API key", "type": "invalid_request_error"}\n}'
    server = raw_server(
        b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%b" % (len(error), error)
    )
    status, out, err = run(["inspect", "--openai", server.url], capsys, monkeypatch)
    assert (status, out) == (1, "")
    assert err == (
        f"sse-codec: error: {server.url}: HTTP 401 Unauthorized: "
        '{ "error": {"message": "Incorrect API key", "type": "invalid_request_error"} }\n'
    )


def test_a_huge_error_body_is_cut_short(
    raw_server: type[RawServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = b"<html>" + b"\x1b[31m oops " * 100_000 + b"</html>"
    server = raw_server(
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n"
        b"Content-Length: %d\r\n\r\n%b" % (len(page), page)
    )
    status, _, err = run(["inspect", server.url], capsys, monkeypatch)
    assert status == 1
    assert err.startswith(f"sse-codec: error: {server.url}: HTTP 502 Bad Gateway: <html>\\x1b[31m")
    assert err.endswith("...\n")
    assert err.count("\n") == 1
    assert len(err) < 500


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (b"HELLO THERE\r\n\r\n", "malformed HTTP response (BadStatusLine"),
        (
            b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n",
            "malformed HTTP response (LineTooLong",
        ),
        (
            b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n",
            "malformed HTTP response (HTTPException: got more than 100 headers)",
        ),
        (b"", "the server closed the connection without a response"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\nzz\r\ndata: x\r\n",
            "the connection closed in the middle of the HTTP response after 0 bytes",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + b"1" * 70_000 + b"\r\n",
            "malformed HTTP body after 0 bytes (LineTooLong",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Content-Length: 1000\r\n\r\ndata: x\n\n",
            "the connection closed after 9 of the 1000 bytes its Content-Length announced",
        ),
    ],
    ids=[
        "bad-status-line",
        "line-too-long",
        "101-headers",
        "no-reply",
        "bad-chunk-size",
        "long-chunk-line",
        "short",
    ],
)
def test_malformed_or_short_replies_are_one_line_errors(
    reply: bytes,
    message: str,
    raw_server: type[RawServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = raw_server(reply)
    status, _, err = run(["inspect", server.url], capsys, monkeypatch)
    assert status == 1
    assert err.startswith(f"sse-codec: error: {server.url}: {message}")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_timeout_inf_waits_forever_and_huge_timeouts_are_usage_errors(
    raw_server: type[RawServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = raw_server(event_stream(b"data: x\n\n"))
    status, out, err = run(["inspect", "--timeout", "inf", server.url], capsys, monkeypatch)
    assert (status, err) == (0, "")
    assert "1 event" in out
    for argv in (["inspect", "--timeout", "1e300"], ["serve", "--delay", "inf"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert "must be" in err and "Traceback" not in err


def test_out_of_memory_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def exhausted(*args: object, **kwargs: object) -> object:
        raise MemoryError

    monkeypatch.setattr("sse_codec._cli._inspect.read_items", exhausted)
    status, _, err = run(["inspect", "--max-line-size", "0"], capsys, monkeypatch)
    assert status == 1
    assert err.startswith("sse-codec: error: out of memory")
    assert err.count("\n") == 1


def test_data_dash_reads_standard_input_but_not_twice(
    raw_server: type[RawServer],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = raw_server(event_stream(b"data: x\n\n"))
    status, _, err = run(["inspect", "-d", "-", server.url], capsys, monkeypatch, stdin=b"[1]")
    assert (status, err) == (0, "")
    assert server.request()[2] == b"[1]"
    status, out, err = run(["inspect", "-d", "-", "-"], capsys, monkeypatch, stdin=b"")
    assert (status, out) == (2, "")
    assert err == "sse-codec: error: standard input cannot be both the --data and the SOURCE\n"
