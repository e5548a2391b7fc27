"""Is an HTTP response an event stream?  The EventSource processing model's two checks.

Sans-I/O: the HTTP adapters pass the status, the headers and (for a refused
response) the start of the body; this module says whether to read the stream and
builds the :class:`~sse_codec.SSEResponseError` that explains a refusal.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable
from typing import Any

from ._errors import SSEResponseError

__all__ = [
    "ERROR_BODY_LIMIT",
    "aread_start",
    "content_type_of",
    "is_event_stream",
    "read_start",
    "response_error",
]

#: At most this many bytes of a refused response's body are read into the error.
ERROR_BODY_LIMIT = 64 * 1024
# How much of a non-JSON body the error message quotes.
_QUOTED = 200


def content_type_of(headers: Iterable[tuple[str, str]]) -> str | None:
    """The first ``Content-Type`` value of ``headers`` (any name case), or ``None``."""
    for name, value in headers:
        if name.lower() == "content-type":
            return value
    return None


def is_event_stream(content_type: str | None) -> bool:
    """Whether a ``Content-Type`` value's MIME type essence is ``text/event-stream``.

    Parameters (``; charset=utf-8``) and letter case do not matter, as in the
    spec's check; ``text/event-stream-foo`` or a missing header is not a stream.
    """
    if content_type is None:
        return False
    return content_type.partition(";")[0].strip().lower() == "text/event-stream"


def response_error(
    status: int,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    body_truncated: bool,
) -> SSEResponseError:
    """The :class:`~sse_codec.SSEResponseError` for a response that is not a stream.

    ``body`` is the start of the body the adapter read (bounded by the caller,
    normally :data:`ERROR_BODY_LIMIT`); it is parsed as JSON when it is complete
    and valid JSON, and an LLM API's ``{"error": {"message": ...}}`` becomes the
    error's ``reason``.  Never raises for any body.
    """
    pairs = [(name.lower(), value) for name, value in headers]
    content_type = content_type_of(pairs)
    parsed = None if body_truncated else _json_or_none(body)
    message_in_body = _message_in(parsed)
    if status != 200:
        problem = f"HTTP status {status}, not 200"
    else:
        problem = f"Content-Type {content_type!r}, not 'text/event-stream'"
    if message_in_body is not None:
        reason = message_in_body
    elif body:
        text = body[:_QUOTED].decode("utf-8", "replace")
        more = "..." if body_truncated or len(body) > _QUOTED else ""
        reason = f"{text}{more}"
    else:
        reason = "empty body"
    return SSEResponseError(
        f"the server did not answer with an event stream ({problem}; "
        f"Content-Type {content_type!r}): {reason}",
        status=status,
        headers=pairs,
        body=body,
        body_truncated=body_truncated,
        json=parsed,
        reason=reason,
    )


def read_start(
    chunks: Iterable[bytes], network_errors: tuple[type[BaseException], ...]
) -> tuple[bytes, bool]:
    """The first :data:`ERROR_BODY_LIMIT` bytes of a refused body, and whether it was cut.

    Reading stops at the bound, never holding more than one chunk beyond it; a
    body that breaks (one of ``network_errors``) keeps what arrived and counts
    as cut.
    """
    body = bytearray()
    try:
        for chunk in chunks:
            body += chunk
            if len(body) > ERROR_BODY_LIMIT:
                return bytes(body[:ERROR_BODY_LIMIT]), True
    except network_errors:
        return bytes(body), True
    return bytes(body), False


async def aread_start(
    chunks: AsyncIterable[bytes], network_errors: tuple[type[BaseException], ...]
) -> tuple[bytes, bool]:
    """Async twin of :func:`read_start`."""
    body = bytearray()
    try:
        async for chunk in chunks:
            body += chunk
            if len(body) > ERROR_BODY_LIMIT:
                return bytes(body[:ERROR_BODY_LIMIT]), True
    except network_errors:
        return bytes(body), True
    return bytes(body), False


def _json_or_none(body: bytes) -> Any:
    if not body.strip():
        return None
    # Imported here: the core loads json only when a refused response needs it.
    import json

    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _message_in(parsed: object) -> str | None:
    # Where LLM and web APIs put a human-readable reason: OpenAI, Anthropic and
    # most gateways {"error": {"message": ...}}, some {"error": "..."} or
    # {"message": ...}, FastAPI {"detail": "..."}.
    if not isinstance(parsed, dict):
        return None
    error = parsed.get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    for key in ("error", "message", "detail"):
        value = parsed.get(key)
        if isinstance(value, str):
            return value
    return None
