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
from typing import BinaryIO, Protocol

from .. import __version__
from ._common import CLIError, printable

__all__ = [
    "EXAMPLE_NAME",
    "HTTPRequest",
    "Source",
    "example_bytes",
    "one_line",
    "open_source",
    "read_all",
]

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


def _read_chunks(
    stream: BinaryIO, name: str, what: str, *, length: int | None = None
) -> Iterator[bytes]:
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
        except http.client.HTTPException as err:
            # LineTooLong for an overlong chunk-size line (a chunk size that is not
            # hexadecimal comes as IncompleteRead, above).
            raise CLIError(
                f"{name}: malformed HTTP body after {received} bytes "
                f"({type(err).__name__}: {one_line(str(err))})"
            ) from None
        except TimeoutError:
            raise CLIError(f"{name}: timed out waiting for data after {received} bytes") from None
        except OSError as err:
            raise CLIError(f"{name}: {what} failed after {received} bytes: {err}") from None
        if not chunk:
            # http.client ends a body that is shorter than its Content-Length as if
            # it were complete; it is not.
            if length is not None and received < length:
                raise CLIError(
                    f"{name}: the connection closed after {received} of the "
                    f"{length} bytes its Content-Length announced"
                )
            return
        received += len(chunk)
        yield chunk


def _is_url(arg: str) -> bool:
    return "://" in arg


@dataclass(frozen=True, slots=True)
class HTTPRequest:
    """What ``inspect`` sends to a URL: ``method`` (``None``: POST with a body, else
    GET), extra ``headers`` (they replace the defaults of the same name) and ``body``."""

    method: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None


# How much of an error body a one-line message shows: enough for an API's error
# object, never a whole HTML page.
_ERROR_BODY_LIMIT = 4096
_ERROR_SHOWN = 300


def one_line(text: str) -> str:
    """Return ``text`` on one line: whitespace runs become one space, controls escaped."""
    return printable(" ".join(text.split()))


class _Readable(Protocol):
    def read(self, amt: int, /) -> bytes: ...


def _error_body(response: _Readable) -> str:
    try:
        data = response.read(_ERROR_BODY_LIMIT)
    except (OSError, http.client.HTTPException, ValueError):
        return ""
    text = one_line(data.decode("utf-8", "replace"))
    if len(text) > _ERROR_SHOWN or len(data) == _ERROR_BODY_LIMIT:
        text = text[:_ERROR_SHOWN] + "..."
    return f": {text}" if text else ""


def _open_url(
    url: str, *, timeout: float | None, force: bool, request: HTTPRequest, stack: ExitStack
) -> Source:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (validates the port)
    except ValueError as err:
        raise CLIError(f"bad URL {url}: {err}") from None
    if parts.scheme not in ("http", "https"):
        raise CLIError(f"unsupported URL scheme {parts.scheme!r}: use http:// or https://")
    if not parts.hostname:
        raise CLIError(f"bad URL (no host): {url}")
    headers = {
        "Accept": "text/event-stream",
        "Cache-Control": "no-cache",
        "User-Agent": f"sse-codec/{__version__}",
    }
    given = {name.lower() for name, _ in request.headers}
    headers = {name: value for name, value in headers.items() if name.lower() not in given}
    headers.update(request.headers)
    method = request.method or ("POST" if request.body is not None else "GET")
    req = urllib.request.Request(url, data=request.body, headers=headers, method=method)
    try:
        response = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as err:
        reason = err.reason if isinstance(err.reason, str) else ""
        body = _error_body(err)
        err.close()
        raise CLIError(f"{url}: HTTP {err.code} {reason}".rstrip() + body) from None
    except urllib.error.URLError as err:
        raise CLIError(f"cannot connect to {url}: {err.reason}") from None
    except http.client.RemoteDisconnected:
        raise CLIError(f"{url}: the server closed the connection without a response") from None
    except http.client.HTTPException as err:
        # BadStatusLine, LineTooLong, too many headers: the reply is not HTTP/1.x.
        raise CLIError(
            f"{url}: malformed HTTP response ({type(err).__name__}: {one_line(str(err))})"
        ) from None
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
            f"{url}: not an event stream (HTTP {response.status}, Content-Type: "
            f"{response.headers.get('Content-Type')}; --force reads it anyway)"
            + _error_body(response)
        )
    length_header = response.headers.get("Content-Length")
    length = None
    if length_header and length_header.isdigit() and not response.chunked:
        length = int(length_header)
    chunks = _read_chunks(response, url, "reading the response", length=length)
    return Source(url, length, chunks, live=True)


@contextmanager
def open_source(
    arg: str | None,
    *,
    timeout: float | None = None,
    force: bool = False,
    request: HTTPRequest | None = None,
) -> Iterator[Source]:
    """Open ``arg`` (a path, ``-``, an http(s) URL, or ``None`` for the example);
    a URL is fetched with ``request`` (default: a plain GET).

    Raises :class:`CLIError` for anything that cannot be opened or read, and for
    a ``request`` with a method, headers or a body when ``arg`` is not a URL.
    """
    if request is not None and request != HTTPRequest() and (arg is None or not _is_url(arg)):
        raise CLIError("-X, -H, -d and --api-key-env apply to a URL, not to a file")
    with ExitStack() as stack:
        if arg is None:
            data = example_bytes()
            yield Source(f"bundled example {EXAMPLE_NAME}", len(data), iter((data,)))
        elif arg == "-":
            yield Source(
                "<stdin>", None, _read_chunks(sys.stdin.buffer, "<stdin>", "reading"), live=True
            )
        elif _is_url(arg):
            request = request or HTTPRequest()
            yield _open_url(arg, timeout=timeout, force=force, request=request, stack=stack)
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
