"""The command line as users get it: a built wheel in a fresh virtualenv, and
``python -m sse_codec`` as a subprocess (stdin, pipes, Ctrl-C, ``serve``)."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import threading
import urllib.request
import venv
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import sse_codec
from sse_codec import SSEDecoder, encode, iter_events
from sse_codec._cli._serve import Plan, serving

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = "sse_codec/examples/openrouter-reasoning.sse"


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def cli(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    env = clean_env()
    # Run this checkout's package, wherever the test runs from.
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "sse_codec", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # The sdist first, then the wheel from the unpacked sdist, as for a release: the
    # wheel holds what the sdist holds, never a stale file from the checkout's build/.
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (path,) = out.glob("sse_codec-*.whl")
    return path


def test_wheel_ships_the_example_and_the_console_script(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert EXAMPLE in names
        assert (
            archive.read(EXAMPLE) == (FIXTURES / "openrouter-comments-reasoning.sse").read_bytes()
        )
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        text = archive.read(entry_points).decode()
    assert "[console_scripts]" in text
    assert "sse-codec = sse_codec._cli:main" in text


def test_wheel_holds_every_module_the_licence_and_one_version(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        headers = archive.read(metadata).decode()
    # Subpackages are found, not listed: a new module cannot be left out.
    modules = {
        p.relative_to(ROOT).as_posix()
        for pattern in ("*.py", "*.pyi")
        for p in (ROOT / "sse_codec").rglob(pattern)
    }
    assert modules <= names
    assert "sse_codec/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    # The version is written once, in sse_codec/__init__.py; the build reads it there.
    assert f"\nVersion: {sse_codec.__version__}\n" in headers
    assert "\nLicense-Expression: MIT\n" in headers


def test_fresh_non_editable_install_runs_the_quick_start(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for command in (
        [str(python), "-m", "sse_codec", "inspect"],
        [str(env_dir / "bin" / "sse-codec"), "inspect"],
    ):
        done = subprocess.run(
            command, capture_output=True, cwd=elsewhere, env=clean_env(), timeout=60, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == b""
        assert done.stdout.decode().splitlines()[-1].startswith("== 15 events; 4 comments")
    # Everything the command line does works with the standard library alone.
    no_hypothesis = subprocess.run(
        [str(python), "-c", "import hypothesis"], capture_output=True, env=clean_env(), timeout=60
    )
    assert no_hypothesis.returncode != 0
    for args in (["inspect", "--openai"], ["serve", "--fault", "list"]):
        done = subprocess.run(
            [str(python), "-m", "sse_codec", *args],
            capture_output=True,
            cwd=elsewhere,
            env=clean_env(),
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout


def test_subprocess_inspect_reads_stdin(tmp_path: Path) -> None:
    done = cli("inspect", "--json", "-", stdin=b"data: a\n\n: c\ndata: b\n\n", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stderr == b""
    assert done.stdout.count(b'"kind": "event"') == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("inspect", "missing.sse"), b"sse-codec: error: no such file: missing.sse\n"),
        (
            ("inspect", "ftp://x/"),
            b"sse-codec: error: unsupported URL scheme 'ftp': use http:// or https://\n",
        ),
        (("serve", "missing.sse", "--port", "0"), b"sse-codec: error: no such file: missing.sse\n"),
    ],
)
def test_subprocess_user_errors_have_no_traceback(
    args: tuple[str, ...], message: bytes, tmp_path: Path
) -> None:
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == b""
    assert done.stderr == message


def test_subprocess_output_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    # A big stream into something like `head -1`: the reader leaves early; no traceback.
    path = tmp_path / "big.sse"
    path.write_bytes(b"".join(b"data: %d\n\n" % n for n in range(200_000)))
    env = clean_env()
    env["PYTHONPATH"] = str(ROOT)
    with subprocess.Popen(
        [sys.executable, "-m", "sse_codec", "inspect", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read()
        status = process.wait(60)
    assert first == b"[event 1] message\n"
    assert b"Traceback" not in stderr
    assert stderr == b""
    assert status == 141


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    env = clean_env()
    env["PYTHONPATH"] = str(ROOT)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sse_codec",
            "serve",
            str(FIXTURES / "openai-chat-basic.sse"),
            "--port",
            "0",
            "--chunk",
            "1",
            "--max-requests",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert process.stdout is not None
    url = process.stdout.readline().decode().strip()
    try:
        yield process, url
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_serve_subprocess_prints_its_url_and_stops_after_the_limit(
    served: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, url = served
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")
    body = (FIXTURES / "openai-chat-basic.sse").read_bytes()
    for _ in range(2):
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.headers["Content-Type"] == "text/event-stream; charset=utf-8"
            assert response.read() == body
    assert process.wait(30) == 0
    assert process.stderr is not None
    log = process.stderr.read().decode()
    assert "Traceback" not in log
    assert log.count("ended cleanly") == 2
    decoder = SSEDecoder()
    assert len(decoder.feed(body)) == 34


def test_serve_subprocess_stops_cleanly_on_ctrl_c(
    served: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, url = served
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.read().endswith(b"data: [DONE]\n\n")
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    assert process.stderr is not None
    log = process.stderr.read().decode()
    assert log.rstrip().endswith("stopped")
    assert "Traceback" not in log


def test_inspect_subprocess_reads_a_served_url(
    served: tuple[subprocess.Popen[bytes], str], tmp_path: Path
) -> None:
    _, url = served
    done = cli("inspect", "--openai", url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode().splitlines()
    assert lines[0].startswith("I'm unable to provide real-time weather updates.")
    assert lines[-2:] == ["usage: 14 prompt + 30 completion = 44 tokens", "[DONE]: received"]


class _GatedHandler(BaseHTTPRequestHandler):
    """Sends the first part of a stream, then waits for the test to see it printed."""

    protocol_version = "HTTP/1.1"
    server: _GatedServer

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        first, rest = self.server.parts
        self.wfile.write(b"%x\r\n%b\r\n" % (len(first), first))
        self.wfile.flush()
        self.server.released_in_time = self.server.release.wait(30)
        self.wfile.write(b"%x\r\n%b\r\n0\r\n\r\n" % (len(rest), rest))
        self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _GatedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, parts: tuple[bytes, bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _GatedHandler)
        self.parts = parts
        self.release = threading.Event()
        self.released_in_time = False


CHAT_HEAD = (
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},'
    b'"finish_reason":null}]}\n\n'
)
CHAT_TAIL = (
    b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"content":" world"},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


@pytest.mark.parametrize(
    ("args", "parts", "first_output", "whole_output"),
    [
        (
            ["--json"],
            (b"data: first\n\n", b"data: second\n\n"),
            b'{"kind": "event", "event": "message", "data": "first"',
            b'{"kind": "event", "event": "message", "data": "first", "id": null, "retry": null}\n'
            b'{"kind": "event", "event": "message", "data": "second", "id": null, "retry": null}\n',
        ),
        (["--openai"], (CHAT_HEAD, CHAT_TAIL), b"Hello", b"Hello world\n== 2 chunks, model m"),
    ],
)
def test_inspect_url_prints_events_as_they_arrive(
    args: list[str], parts: tuple[bytes, bytes], first_output: bytes, whole_output: bytes
) -> None:
    server = _GatedServer(parts)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    env = clean_env()
    env["PYTHONPATH"] = str(ROOT)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with subprocess.Popen(
            [sys.executable, "-m", "sse_codec", "inspect", *args, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        ) as process:
            assert process.stdout is not None
            # Read what the first part produced while the server holds the rest back.
            seen = os.read(process.stdout.fileno(), 65536)
            server.release.set()
            rest, err = process.communicate(timeout=60)
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
    assert seen.startswith(first_output)
    assert (seen + rest).startswith(whole_output)
    # The server was still holding the rest when the first output was read.
    assert server.released_in_time
    assert process.returncode == 0, err
    assert b"Traceback" not in err


def test_inspect_url_reports_a_dropped_connection(tmp_path: Path) -> None:
    body = (FIXTURES / "openai-chat-basic.sse").read_bytes()
    with serving(Plan(body, chunk=500, drop=True)) as server:
        done = cli("inspect", "--json", server.url, cwd=tmp_path)
    assert done.returncode == 1
    message = done.stderr.decode()
    assert message.startswith(f"sse-codec: error: {server.url}: the connection closed")
    assert message.count("\n") == 1
    # Every event completed before the drop was printed.
    assert done.stdout.count(b'"kind": "event"') == 34


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "big.sse"
    path.write_bytes((b"data: " + b"x" * 1000 + b"\n\n") * 5000)  # about 5 MB
    env = clean_env()
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "sse_codec", "inspect", str(path)]
    # Piped stderr: quiet.
    piped = subprocess.run(command, capture_output=True, env=env, timeout=60, check=False)
    assert piped.returncode == 0
    assert piped.stderr == b""
    # A terminal on stderr (stdout still a pipe): a progress line, erased at the end.
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=follower, env=env, timeout=60, check=False
        )
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            shown += data
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert done.returncode == 0
    assert done.stdout == piped.stdout
    assert b"big.sse: " in shown
    assert b" events" in shown
    assert shown.endswith(b"\r")


def test_serve_a_generated_stream_from_stdin(tmp_path: Path) -> None:
    body = b"".join(encode(f"event {n}\nline two", id=str(n)) for n in range(50))
    env = clean_env()
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "-m", "sse_codec", "serve", "-", "--port", "0"]
    command += ["--chunk", "3", "--delay", "1", "--max-requests", "1", "--quiet"]
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(body)
        process.stdin.close()
        url = process.stdout.readline().decode().strip()
        request = urllib.request.Request(url, headers={"Accept": "text/event-stream"})
        with urllib.request.urlopen(request, timeout=30) as response:
            events = list(iter_events(iter(lambda: response.read1(65536), b"")))
        assert process.stderr is not None
        status = process.wait(30)
        err = process.stderr.read()
    assert status == 0, err
    assert err.startswith(b"serving <stdin> (")
    assert [(e.data, e.id) for e in events] == [(f"event {n}\nline two", str(n)) for n in range(50)]


def test_non_utf8_output_encoding_shows_escapes_instead_of_failing(tmp_path: Path) -> None:
    env = clean_env()
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONIOENCODING"] = "ascii"
    done = subprocess.run(
        [sys.executable, "-m", "sse_codec", "inspect", "-"],
        input="data: h\u00e9llo \U0001f389\n\n".encode(),
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == b"  | h\\xe9llo \\U0001f389"


def test_inspect_url_timeout_is_one_line(tmp_path: Path) -> None:
    server = _GatedServer((b"data: first\n\n", b"data: second\n\n"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        # The server holds the rest back until released: the client gives up first.
        done = cli("inspect", "--json", "--timeout", "0.3", url, cwd=tmp_path)
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
    assert done.returncode == 1
    assert done.stdout.startswith(b'{"kind": "event", "event": "message", "data": "first"')
    assert done.stderr.decode().startswith(f"sse-codec: error: {url}: timed out waiting for data")
    assert done.stderr.count(b"\n") == 1
