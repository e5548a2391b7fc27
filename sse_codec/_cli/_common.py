"""Pieces every subcommand shares: the user-error type, progress, safe text."""

from __future__ import annotations

import re
import sys
import time
from typing import TextIO

__all__ = ["CLIError", "Progress", "human_bytes", "indent", "printable"]


class CLIError(Exception):
    """A user mistake or a bad input: printed as one line, exit status ``status``."""

    def __init__(self, message: str, status: int = 1) -> None:
        self.status = status
        super().__init__(message)


# C0 controls (except TAB), DEL and C1 controls: a stream is untrusted input, and
# raw escape sequences in it must not drive the user's terminal.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROL_BUT_LF = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """Return ``text`` with control characters shown as ``\\xNN`` escapes
    (line feeds kept as they are with ``keep_newlines``)."""
    pattern = _CONTROL_BUT_LF if keep_newlines else _CONTROL
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def indent(text: str) -> str:
    """Return ``text`` indented by four spaces, each line made printable."""
    return "\n".join("    " + printable(line) for line in text.split("\n"))


def human_bytes(n: float) -> str:
    """Return a byte count as a short human-readable string (``12.3 MB``)."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


class Progress:
    """A one-line progress display on stderr, redrawn at most a few times a second.

    Disabled (every method a no-op) unless ``enabled``; callers pass
    ``sys.stderr.isatty()`` and the like, so piped runs stay quiet.
    """

    _INTERVAL = 0.2

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self._stream = stream if stream is not None else sys.stderr
        self._last = 0.0
        self._width = 0

    def show(self, text: str, *, force: bool = False) -> None:
        """Replace the progress line with ``text`` (throttled unless ``force``)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < self._INTERVAL:
            return
        self._last = now
        pad = max(0, self._width - len(text))
        self._stream.write("\r" + text + " " * pad)
        self._stream.flush()
        self._width = len(text)

    def clear(self) -> None:
        """Erase the progress line, if one was drawn."""
        if self.enabled and self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0
