"""The encoder: events, comments and keep-alives to ``text/event-stream`` bytes.

Its one promise: a spec-conforming parser (ours, a browser's ``EventSource``)
reads back exactly what was passed in, or the encoder refuses with
:class:`~sse_codec.SSEEncodeError`.  It never lets a value's text start a new
field or a new event.
"""

from __future__ import annotations

import re

from ._constants import MAX_RETRY
from ._errors import SSEEncodeError

__all__ = ["KEEP_ALIVE", "encode", "encode_comment"]

#: A comment line followed by a blank line.  Parsers ignore it; it keeps idle
#: connections (and proxies' read timeouts) alive.  The blank line also flushes
#: naive consumers that split on blank lines, and dispatches nothing.
KEEP_ALIVE = b": keep-alive\n\n"

_LINE_ENDS = ("\n", "\r\n", "\r")
# The default line end.  ``encode``'s fast path tests ``line_ending is _LF``: an
# identity test is cheaper than ``==``, and CPython keeps one object for each
# one-character Latin-1 string, so any "\n" passes; one that did not would only
# take the general path, which gives the same bytes.
_LF = "\n"
# The spec's three line ends; CRLF first so it counts as one.
_SPLIT_LINES = re.compile(r"\r\n|\r|\n")


def _check_line_ending(line_ending: str) -> None:
    if line_ending not in _LINE_ENDS:
        raise SSEEncodeError(
            "line_ending", f'must be "\\n", "\\r\\n" or "\\r", not {line_ending!r}'
        )


def _to_utf8(text: str, field: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SSEEncodeError(field, "contains a lone surrogate, which UTF-8 cannot carry") from exc


def _multiline(prefix: str, text: str, line_ending: str) -> str:
    # str.split is several times cheaper than the regex; CR is rare in data.
    lines = _SPLIT_LINES.split(text) if "\r" in text else text.split("\n")
    return prefix + (line_ending + prefix).join(lines) + line_ending


# The optional fields are positional-or-keyword, not keyword-only, only because
# CPython 3.11 fills keyword-only defaults through a slower path (about 60 ns a
# call, a third of the cost of a token event); callers pass them by keyword.
def encode(
    data: str | None = "",
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
    line_ending: str = _LF,
) -> bytes:
    """Encode one event block and return its UTF-8 bytes, blank line included.

    ``data`` becomes one ``data: `` line per line of text (CRLF, LF and a lone CR
    each end a line, so a parser reads them back as LF); ``""`` still dispatches
    an event with empty data, and ``None`` writes no data line, for a block that
    only sets ``id`` or ``retry``.  ``event`` names the type (``None``, ``""``
    and ``"message"`` write no event line).  ``id=""`` resets the last event ID;
    ``id=None`` writes no id line.  ``retry`` is a reconnection time in
    milliseconds.  ``comment`` is written first, as ``:`` lines.  ``line_ending``
    is ``"\\n"`` (default), ``"\\r\\n"`` or ``"\\r"``.  Pass the fields after
    ``data`` by keyword: ``encode(text, event="update", id="42")``.

    Raises :class:`~sse_codec.SSEEncodeError`, naming the field, for CR or LF in
    ``event`` or ``id``, NUL in ``id``, a ``retry`` that is not an int from 0 to
    ``MAX_RETRY`` (``bool`` refused), text UTF-8 cannot carry (lone surrogates),
    or a value of the wrong type.
    """
    # Fast path: the shape of nearly every LLM token event, written the way a
    # hand-rolled f-string would be (one build, one encode).
    if (
        type(data) is str
        and event is None
        and id is None
        and retry is None
        and comment is None
        and line_ending is _LF
        and "\n" not in data
        and "\r" not in data
    ):
        try:
            return f"data: {data}\n\n".encode()
        except UnicodeEncodeError:
            pass  # the general path names the field
    return _encode_block(data, event, id, retry, comment, line_ending)


def _encode_block(
    data: str | None,
    event: str | None,
    id: str | None,
    retry: int | None,
    comment: str | None,
    line_ending: str,
) -> bytes:
    # encode()'s general path, in a function of its own: with it inline (its local
    # ``parts`` in encode()'s frame) a call of encode() measured about 18 ns slower
    # on CPython 3.11, fast path included: a twentieth of a token event's time.
    # Every value is checked as the exact built-in it stands for (see _plain_str).
    line_ending = _plain_str(line_ending, "line_ending")
    _check_line_ending(line_ending)
    parts: list[str] = []
    if comment is not None:
        comment = _plain_str(comment, "comment")
        _to_utf8(comment, "comment")
        parts.append(_comment_lines(comment, line_ending))
    if event is not None:
        event = _plain_str(event, "event")
        if "\n" in event or "\r" in event:
            raise SSEEncodeError("event", "contains CR or LF, which would end the field early")
        _to_utf8(event, "event")
        if event and event != "message":
            parts.append("event: " + event + line_ending)
    if id is not None:
        id = _plain_str(id, "id")
        if "\n" in id or "\r" in id:
            raise SSEEncodeError("id", "contains CR or LF, which would end the field early")
        if "\x00" in id:
            raise SSEEncodeError("id", "contains NUL, so every parser would ignore it")
        _to_utf8(id, "id")
        parts.append("id: " + id + line_ending)
    if retry is not None:
        if not isinstance(retry, int) or isinstance(retry, bool):
            raise SSEEncodeError("retry", f"must be an int, not {type(retry).__name__}")
        retry = int.__int__(retry)  # a subclass's own __int__/__str__ cannot speak for it
        if not 0 <= retry <= MAX_RETRY:
            raise SSEEncodeError("retry", f"must be between 0 and {MAX_RETRY}, not {retry}")
        parts.append("retry: " + int.__repr__(retry) + line_ending)
    if data is not None:
        data = _plain_str(data, "data")
        parts.append(_multiline("data: ", data, line_ending))
    parts.append(line_ending)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        # Every other field was checked above; data is checked last, here, so a
        # large payload is encoded once, not twice.
        _to_utf8(data or "", "data")
        raise  # pragma: no cover - unreachable: only data can still fail


def _plain_str(value: object, field: str) -> str:
    """``value`` as an exact ``str``, or :class:`SSEEncodeError`.

    A ``str`` subclass can override ``__contains__``, ``split``, ``__eq__`` or
    ``__add__`` and so slip a CR or LF past the checks: it is taken at its plain
    string value (``str.__str__`` copies the characters, bypassing overrides).
    """
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    raise SSEEncodeError(field, f"must be str, not {type(value).__name__}")


def _comment_lines(text: str, line_ending: str) -> str:
    return "".join(
        (": " + line if line else ":") + line_ending for line in _SPLIT_LINES.split(text)
    )


def encode_comment(text: str = "", *, line_ending: str = "\n") -> bytes:
    """Encode a comment as ``: text`` lines (one per line of ``text``).

    Parsers ignore comments; :meth:`~sse_codec.SSEDecoder.feed_items` and
    ``on_comment`` report them.  No blank line is written, so a comment can sit
    anywhere between events.  Raises :class:`~sse_codec.SSEEncodeError` for a
    non-str ``text``, lone surrogates or a bad ``line_ending``.
    """
    text = _plain_str(text, "comment")
    line_ending = _plain_str(line_ending, "line_ending")
    _check_line_ending(line_ending)
    return _to_utf8(_comment_lines(text, line_ending), "comment")
