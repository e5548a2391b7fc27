"""The command line: ``python -m sse_codec`` or ``sse-codec``.

Subcommands ``inspect``, ``serve`` and ``bench``; standard library only.  A user
mistake or a bad input prints one line on stderr and exits non-zero (1; 2 for bad
usage); tracebacks are for bugs only.
"""

from __future__ import annotations

import argparse
import io
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


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError("must be 0 (wait forever) or more")
    return value


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of milliseconds: {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


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
            "SOURCE, reads the example stream bundled with the package."
        ),
    )
    inspect.add_argument(
        "source",
        nargs="?",
        metavar="SOURCE",
        help="a file, - for standard input, or an http:// or https:// URL",
    )
    inspect.add_argument("--json", action="store_true", help="print JSON lines")
    inspect.add_argument(
        "--openai",
        action="store_true",
        help="read the events as an OpenAI-style chat completion stream: print the text "
        "as it streams, then a summary",
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
        help="URL only: give up when no data arrives for this long (default 60; 0: never)",
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
            "Serve a recorded stream as text/event-stream on 127.0.0.1, to every GET request, "
            "split into chunks, paced, and optionally damaged by a named fault, so a client "
            "can be tested against a hostile server. Prints the URL on the first line of "
            "standard output. Stops on Ctrl-C or after --max-requests responses."
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
    serve.add_argument("--quiet", action="store_true", help="do not log requests on stderr")
    serve.set_defaults(func=_cmd_serve)

    bench = commands.add_parser(
        "bench",
        help="run the decoder throughput benchmark on this machine (needs a source checkout)",
        description="Run the throughput benchmark of benchmarks/ and print its table.",
    )
    bench.add_argument("--quick", action="store_true", help="a short run with fewer repeats")
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
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly.  Point stdout at
        # devnull so the interpreter's final flush does not complain again.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141
