"""The command line: ``python -m sse_codec`` or ``sse-codec``.

Subcommands ``inspect``, ``serve`` and ``bench``; standard library only.  A user
mistake or a bad input prints one line on stderr and exits non-zero (1; 2 for bad
usage); tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
from collections.abc import Sequence

from .. import __version__
from .._impl import IMPLEMENTATION
from ._common import CLIError

__all__ = ["build_parser", "main"]

PROG = "sse-codec"


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of bytes: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (no limit) or more")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be from 0 to 65535 (0 picks a free port)")
    return value


# Sockets and threading reject waits past about 2**63 ns; a day is more than any
# test or stream needs.
_MAX_WAIT = 24 * 3600


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError("must be 0 (wait forever) or more")
    if value == math.inf:
        return 0.0  # forever, as 0
    if value > _MAX_WAIT:
        raise argparse.ArgumentTypeError(f"must be at most {_MAX_WAIT} (a day; 0 or inf: forever)")
    return value


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of milliseconds: {text!r}") from None
    if not 0 <= value <= _MAX_WAIT * 1000:
        raise argparse.ArgumentTypeError(f"must be from 0 to {_MAX_WAIT * 1000} (a day)")
    return value


def _interval(text: str) -> float:
    value = _seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def _status(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an HTTP status code: {text!r}") from None
    if not 100 <= value <= 599 or 100 <= value <= 199:
        raise argparse.ArgumentTypeError("must be a final HTTP status, from 200 to 599")
    return value


def _add_mode_options(parser: argparse.ArgumentParser, what: str) -> None:
    modes = parser.add_mutually_exclusive_group()
    for name, protocol in (
        ("openai", "an OpenAI chat completions stream (chat.completion.chunk, [DONE])"),
        ("anthropic", "an Anthropic Messages stream (message_start ... message_stop)"),
        ("responses", "an OpenAI Responses stream (response.created ... response.completed)"),
    ):
        modes.add_argument(f"--{name}", action="store_true", help=f"{what} {protocol}")
    modes.add_argument(
        "--auto",
        action="store_true",
        help="pick one of the three modes from the stream's first events",
    )


def _chunk(text: str) -> int | str:
    if text == "random":
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a size in bytes or 'random', not {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError("chunk size must be 1 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the whole command line."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Read, serve and benchmark Server-Sent Events streams.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__} (decoder: {IMPLEMENTATION})"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    inspect = commands.add_parser(
        "inspect",
        help="show the events of a stream (file, -, http:// URL, or the bundled example)",
        description=(
            "Show the events of a stream, as they arrive: type, id and data of each event, "
            "comments, and changes of the reconnection time and last event ID. With no "
            "SOURCE, reads the example stream bundled with the package. With a protocol "
            "mode, print the answer as it streams, then a summary."
        ),
        epilog=(
            "example: sse-codec inspect --openai --stats --api-key-env OPENAI_API_KEY "
            '-d \'{"model": "gpt-4o-mini", "stream": true, "messages": '
            '[{"role": "user", "content": "Hi"}]}\' '
            "https://api.openai.com/v1/chat/completions"
        ),
    )
    inspect.add_argument(
        "source",
        nargs="?",
        metavar="SOURCE",
        help="a file, - for standard input, or an http:// or https:// URL",
    )
    inspect.add_argument("--json", action="store_true", help="print JSON lines")
    _add_mode_options(inspect, "read the events as")
    inspect.add_argument(
        "--stats",
        action="store_true",
        help="add timing: time to first byte, event and token, gaps between events, "
        "rates, output tokens per second",
    )
    inspect.add_argument(
        "-X",
        "--request",
        metavar="METHOD",
        help="URL only: the HTTP method (default GET, or POST with --data)",
    )
    inspect.add_argument(
        "-H",
        "--header",
        action="append",
        metavar="'NAME: VALUE'",
        help="URL only: send this header (repeatable; replaces a default of the same name)",
    )
    inspect.add_argument(
        "-d",
        "--data",
        metavar="TEXT|@FILE|@-",
        help="URL only: send this body (@FILE: a file's contents, @- or -: standard input); "
        "a JSON body is sent as application/json unless -H sets a Content-Type",
    )
    inspect.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="URL only: send the API key held in environment variable VAR "
        "(Authorization: Bearer; x-api-key with --anthropic)",
    )
    inspect.add_argument(
        "--max-line-size",
        type=_size,
        default=32 * 1024 * 1024,
        metavar="BYTES",
        help="fail on a longer line (default 32 MiB; 0: no limit)",
    )
    inspect.add_argument(
        "--max-event-size",
        type=_size,
        default=32 * 1024 * 1024,
        metavar="BYTES",
        help="fail on an event with more data (default 32 MiB; 0: no limit)",
    )
    inspect.add_argument(
        "--dispatch-on-close",
        action="store_true",
        help="keep a last event the stream did not end with a blank line "
        "(the spec discards it; by default that is reported as an error)",
    )
    inspect.add_argument(
        "--timeout",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="URL only: give up when no data arrives for this long (default 60; 0 or inf: never)",
    )
    inspect.add_argument(
        "--force",
        action="store_true",
        help="URL only: read the body even when its Content-Type is not text/event-stream",
    )
    inspect.set_defaults(func=_cmd_inspect)

    serve = commands.add_parser(
        "serve",
        help="serve a recorded stream over HTTP on 127.0.0.1, with chunking, delays and faults",
        description=(
            "Serve a recorded stream as text/event-stream on 127.0.0.1, to every GET and POST "
            "request on any path, split into chunks, paced, and optionally damaged by a named "
            "fault, so a client can be tested against a hostile server. With --openai, "
            "--anthropic or --responses it is a mock LLM endpoint an SDK can use as its base "
            "URL. Prints the URL on the first line of standard output. Stops on Ctrl-C or "
            "after --max-requests responses."
        ),
        epilog=(
            "example: sse-codec serve --openai --port 0 --chunk 7 --delay 20  "
            "(then OpenAI(base_url=URL + 'v1', api_key='x'))"
        ),
    )
    serve.add_argument(
        "file",
        nargs="?",
        metavar="FILE",
        help="the stream to serve (- for standard input; default: the bundled example)",
    )
    serve.add_argument(
        "--port", type=_port, default=8000, help="port to listen on (default 8000; 0: any free)"
    )
    serve.add_argument(
        "--chunk",
        type=_chunk,
        default=None,
        metavar="SIZE|random",
        help="send the body in chunks of SIZE bytes, or of random sizes "
        "(default: as few writes as possible)",
    )
    serve.add_argument(
        "--delay",
        type=_milliseconds,
        default=0.0,
        metavar="MS",
        help="pause this many milliseconds before each chunk after the first",
    )
    serve.add_argument(
        "--fault",
        metavar="NAME",
        default=None,
        help="damage the stream with a named fault of sse_codec.testing (--fault list shows them)",
    )
    serve.add_argument(
        "--drop",
        action="store_true",
        help="end each response by dropping the connection, without the final empty "
        "HTTP chunk (clients see a broken transfer)",
    )
    serve.add_argument(
        "--seed", type=int, default=0, help="seed for random chunking and faults (default 0)"
    )
    serve.add_argument(
        "--max-requests",
        type=_positive_int,
        default=None,
        metavar="N",
        help="stop after serving N streams",
    )
    _add_mode_options(serve, "serve FILE, checked to be")
    serve.add_argument(
        "--status",
        type=_status,
        default=200,
        metavar="CODE",
        help="answer with this HTTP status (default 200)",
    )
    serve.add_argument(
        "--content-type",
        metavar="TYPE",
        help="answer with this Content-Type (default text/event-stream; application/json "
        "for a JSON --error-body)",
    )
    serve.add_argument(
        "--error-body",
        metavar="FILE",
        help="answer with FILE's contents instead of the stream (with --status: an API error)",
    )
    serve.add_argument(
        "--keep-alive",
        type=_interval,
        metavar="SECONDS",
        help="while a --delay keeps the stream idle, send a ': keep-alive' comment this often",
    )
    serve.add_argument(
        "--max-connections",
        type=_positive_int,
        default=512,
        metavar="N",
        help="answer 503 at once to connections past N open ones (default 512)",
    )
    serve.add_argument(
        "--client-timeout",
        type=_interval,
        default=30.0,
        metavar="SECONDS",
        help="drop a client whose request or reading stalls this long (default 30)",
    )
    serve.add_argument("--quiet", action="store_true", help="do not log requests on stderr")
    serve.set_defaults(func=_cmd_serve)

    bench = commands.add_parser(
        "bench",
        help="run the decoder throughput benchmark on this machine (needs a source checkout)",
        description="Run the throughput benchmark of benchmarks/ and print its table.",
        epilog="example: sse-codec bench --quick --parts cells",
    )
    bench.add_argument(
        "--quick", action="store_true", help="a smoke run: small sizes, seconds, no verdicts"
    )
    for name, what in (
        ("--workloads", "workloads"),
        ("--chunkings", "chunkings"),
        ("--parts", "sections (cells, scaling, memory, encoder)"),
    ):
        bench.add_argument(name, metavar="A,B,...", help=f"only these {what}, comma-separated")
    bench.set_defaults(func=_cmd_bench)
    return parser


def _cmd_inspect(args: argparse.Namespace) -> int:
    from ._inspect import run_inspect

    return run_inspect(args, sys.stdout)


def _cmd_serve(args: argparse.Namespace) -> int:
    from ._serve import run_serve

    return run_serve(args)


def _cmd_bench(args: argparse.Namespace) -> int:
    from ._bench import run_bench

    return run_bench(args)


def _prepare_stdout() -> None:
    # A stream may hold any Unicode; a terminal or pipe with a narrow encoding must
    # show escapes, not crash.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit status.

    Never raises for a user mistake or bad input: those print one line on stderr and
    return 1 (argparse usage errors exit 2 through ``SystemExit``).
    """
    args = build_parser().parse_args(argv)
    _prepare_stdout()
    try:
        status: int = args.func(args)
        return status
    except CLIError as err:
        sys.stdout.flush()
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return err.status
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        sys.stdout.flush()
        print(
            f"{PROG}: error: out of memory (with --max-line-size 0 or --max-event-size 0 a "
            "stream can ask for any amount; keep a limit)",
            file=sys.stderr,
        )
        return 1
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly.  Point stdout at
        # devnull so the interpreter's final flush does not complain again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
