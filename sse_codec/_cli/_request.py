"""``inspect``'s curl-like options: the method, headers and body sent to a URL, and
the API key read from an environment variable (so it is not in shell history)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

from ._common import CLIError
from ._sources import HTTPRequest

__all__ = ["build_request", "parse_header"]

# RFC 9110 token characters: what a header name may hold.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# The API version the Messages API requires when a client sends none.
ANTHROPIC_VERSION = "2023-06-01"


def parse_header(text: str) -> tuple[str, str]:
    """Split ``"Name: value"``; raises :class:`CLIError` for a malformed header."""
    name, colon, value = text.partition(":")
    name = name.strip()
    value = value.strip()
    if not colon or not _TOKEN.fullmatch(name):
        raise CLIError(f"bad header {text!r}: expected 'Name: value'", status=2)
    if any(c in value for c in "\r\n\x00"):
        raise CLIError(f"bad header {name}: a value cannot hold a line break or NUL", status=2)
    return name, value


def _read_data(spec: str) -> bytes:
    # curl's conventions: @FILE reads a file, @- (or -) standard input, else the text.
    if spec in ("-", "@-"):
        return sys.stdin.buffer.read()
    if spec.startswith("@"):
        path = spec[1:]
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError as err:
            raise CLIError(f"--data: cannot read {path}: {err.strerror or err}") from None
    return spec.encode("utf-8", "surrogateescape")


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def build_request(args: argparse.Namespace, mode: str | None) -> HTTPRequest | None:
    """Return what to send for ``args`` (``None`` when nothing but a plain GET was
    asked for).  Raises :class:`CLIError` for a malformed header, an unreadable
    ``--data`` file, and an ``--api-key-env`` variable that is not set."""
    headers = [parse_header(text) for text in args.header or ()]
    names = {name.lower() for name, _ in headers}
    if args.data in ("-", "@-") and args.source == "-":
        raise CLIError("standard input cannot be both the --data and the SOURCE", status=2)
    body = None if args.data is None else _read_data(args.data)
    if body is not None and "content-type" not in names and _is_json(body):
        headers.append(("Content-Type", "application/json"))
    if args.api_key_env:
        key = os.environ.get(args.api_key_env)
        if not key:
            raise CLIError(f"--api-key-env: the environment variable {args.api_key_env} is not set")
        # Anthropic takes its key in x-api-key (and wants a version); the others
        # in a bearer token.
        if mode == "anthropic":
            if "x-api-key" not in names:
                headers.append(("x-api-key", key))
            if "anthropic-version" not in names:
                headers.append(("anthropic-version", ANTHROPIC_VERSION))
        elif "authorization" not in names:
            headers.append(("Authorization", f"Bearer {key}"))
    if args.request is None and not headers and body is None:
        return None
    method = None if args.request is None else args.request.upper()
    return HTTPRequest(method=method, headers=tuple(headers), body=body)
