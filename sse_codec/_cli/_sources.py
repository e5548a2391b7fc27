"""Where a stream's bytes come from: a file, standard input, an http(s) URL, or
the example bundled with the package.  Every failure becomes a one-line CLIError.
"""

from __future__ import annotations

import http.client
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import BinaryIO

from .. import __version__
from ._common import CLIError

__all__ = ["EXAMPLE_NAME", "Source", "example_bytes", "open_source", "read_all"]

#: The recorded stream shipped in ``sse_codec/examples`` (see its README).
EXAMPLE_NAME = "openrouter-reasoning.sse"

_READ_SIZE = 64 * 1024


@dataclass(slots=True)
class Source:
    """An open input: ``name`` for messages, ``size`` when known, ``chunks`` as they
    arrive; ``live`` when bytes may trickle in (a pipe or a connection)."""

    name: str
    size: int | None
    chunks: Iterator[bytes]
    live: bool = False


def example_bytes() -> bytes:
    """Return the bundled example stream (package data, also inside a wheel or zip)."""
    return resources.files("sse_codec").joinpath("examples", EXAMPLE_NAME).read_bytes()


def _file_error(path: str, err: OSError) -> CLIError:
    if isinstance(err, FileNotFoundError):
        return CLIError(f"no such file: {path}")
    if isinstance(err, IsADirectoryError):
        return CLIError(f"{path} is a directory, not a stream file")
    if isinstance(err, PermissionError):
        return CLIError(f"permission denied: {path}")
    return CLIError(f"cannot read {path}: {err.strerror or err}")


def _read_chunks(stream: BinaryIO, name: str, what: str) -> Iterator[bytes]:
    # read1 returns what is available now (at most one underlying read), so a live
    # pipe or HTTP body is shown as it arrives instead of after 64 KiB piles up.
    read1 = getattr(stream, "read1", stream.read)
    received = 0
    while True:
        try:
            chunk = read1(_READ_SIZE)
        except http.client.IncompleteRead as err:
            raise CLIError(
                f"{name}: the connection closed in the middle of the HTTP response "
                f"after {received + len(err.partial)} bytes"
            ) from None
        except TimeoutError:
            raise CLIError(f"{name}: timed out waiting for data after {received} bytes") from None
        except OSError as err:
            raise CLIError(f"{name}: {what} failed after {received} bytes: {err}") from None
        if not chunk:
            return
        received += len(chunk)
        yield chunk


def _is_url(arg: str) -> bool:
    return "://" in arg


def _open_url(url: str, *, timeout: float | None, force: bool, stack: ExitStack) -> Source:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (validates the port)
    except ValueError as err:
        raise CLIError(f"bad URL {url}: {err}") from None
    if parts.scheme not in ("http", "https"):
        raise CLIError(f"unsupported URL scheme {parts.scheme!r}: use http:// or https://")
    if not parts.hostname:
        raise CLIError(f"bad URL (no host): {url}")
    request = urllib.request.Request(
        url,
        headers={
            "Accept": "text/event-stream",
            "Cache-Control": "no-cache",
            "User-Agent": f"sse-codec/{__version__}",
        },
    )
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        reason = err.reason if isinstance(err.reason, str) else ""
        raise CLIError(f"{url}: HTTP {err.code} {reason}".rstrip()) from None
    except urllib.error.URLError as err:
        raise CLIError(f"cannot connect to {url}: {err.reason}") from None
    except (http.client.InvalidURL, ValueError) as err:
        raise CLIError(f"bad URL {url}: {err}") from None
    except TimeoutError:
        raise CLIError(f"{url}: timed out waiting for the response") from None
    except OSError as err:
        raise CLIError(f"cannot connect to {url}: {err}") from None
    stack.enter_context(response)
    content_type = response.headers.get_content_type()
    if content_type != "text/event-stream" and not force:
        raise CLIError(
            f"{url}: not an event stream (Content-Type: {response.headers.get('Content-Type')}); "
            "pass --force to read it anyway"
        )
    length = response.headers.get("Content-Length")
    size = int(length) if length and length.isdigit() else None
    return Source(url, size, _read_chunks(response, url, "reading the response"), live=True)


@contextmanager
def open_source(
    arg: str | None, *, timeout: float | None = None, force: bool = False
) -> Iterator[Source]:
    """Open ``arg`` (a path, ``-``, an http(s) URL, or ``None`` for the example).

    Raises :class:`CLIError` for anything that cannot be opened or read.
    """
    with ExitStack() as stack:
        if arg is None:
            data = example_bytes()
            yield Source(f"bundled example {EXAMPLE_NAME}", len(data), iter((data,)))
        elif arg == "-":
            yield Source(
                "<stdin>", None, _read_chunks(sys.stdin.buffer, "<stdin>", "reading"), live=True
            )
        elif _is_url(arg):
            yield _open_url(arg, timeout=timeout, force=force, stack=stack)
        else:
            try:
                stream = stack.enter_context(open(arg, "rb"))
                size = os.fstat(stream.fileno()).st_size
            except OSError as err:
                raise _file_error(arg, err) from None
            yield Source(arg, size, _read_chunks(stream, arg, "reading"))


def read_all(arg: str | None) -> tuple[str, bytes]:
    """Read a whole stream file (``-`` for stdin, ``None`` for the example)."""
    if arg is None:
        return f"bundled example {EXAMPLE_NAME}", example_bytes()
    if arg == "-":
        return "<stdin>", sys.stdin.buffer.read()
    if _is_url(arg):
        raise CLIError("serve takes a file (or - for standard input), not a URL")
    try:
        with open(arg, "rb") as f:
            return arg, f.read()
    except OSError as err:
        raise _file_error(arg, err) from None
