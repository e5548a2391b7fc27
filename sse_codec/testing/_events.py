"""The ``events()`` strategy and the model of what a parser reads back from encoded events."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hypothesis import strategies as st

from .._constants import MAX_RETRY
from .._event import ServerSentEvent

__all__ = ["events", "expected_events", "field_text"]

# Characters that break naive encoders and parsers, drawn more often than
# uniform sampling would: line ends, NUL, the BOM, the field separator, space,
# Unicode line separators that str.splitlines() wrongly treats as line ends,
# and characters of two, three and four UTF-8 bytes.
_SPECIAL = "\r\n\x00\ufeff: \t\x0b\x0c\x1c\x85\u2028\u2029é€\U0001f600\U0010ffff"


def field_text(
    *, exclude: str = "", min_size: int = 0, max_size: int = 24
) -> st.SearchStrategy[str]:
    """Strategy for text that UTF-8 can carry (no lone surrogates), rich in tricky characters.

    Draws CR, LF, NUL, the BOM, ``:``, Unicode line separators and astral
    characters often, besides any other code point.  ``exclude`` lists
    characters never to draw (``field_text(exclude="\\r\\n")`` for one line).
    Raises hypothesis's ``InvalidArgument`` for bad sizes.
    """
    specials = [c for c in _SPECIAL if c not in exclude]
    others = st.characters(codec="utf-8", exclude_characters=exclude)
    alphabet = st.one_of(st.sampled_from(specials), others) if specials else others
    return st.text(alphabet, min_size=min_size, max_size=max_size)


def events(
    *,
    data: st.SearchStrategy[str] | None = None,
    event: st.SearchStrategy[str] | None = None,
    id: st.SearchStrategy[str | None] | None = None,
    retry: st.SearchStrategy[int | None] | None = None,
) -> st.SearchStrategy[ServerSentEvent]:
    """Strategy for :class:`~sse_codec.ServerSentEvent` values the encoder accepts.

    By default ``data`` is any text, including CR, LF, CRLF, NUL, the BOM and
    astral characters; ``event`` is ``"message"`` or any non-empty text without
    CR or LF; ``id`` is ``None``, ``""`` (a reset) or text without CR, LF and
    NUL; ``retry`` is ``None`` or an int from 0 to ``MAX_RETRY``.  Pass a
    strategy for any field to narrow it (for instance JSON text for ``data``).

    Encoding an event never raises, but decoding does not always give the same
    value back: CR and CRLF in ``data`` come back as LF, and an ``id`` of
    ``None`` or ``""`` reads as the stream's current ID.  :func:`expected_events`
    says exactly what a conforming parser reads back::

        from hypothesis import given, strategies as st
        from sse_codec import SSEDecoder
        from sse_codec.testing import events, expected_events

        @given(st.lists(events()))
        def test_round_trip(sent):
            body = b"".join(event.encode() for event in sent)
            assert SSEDecoder().feed(body) == expected_events(sent)

    Raises nothing itself; hypothesis reports invalid argument strategies.
    """
    return st.builds(
        ServerSentEvent,
        event=event
        if event is not None
        else st.one_of(st.just("message"), field_text(exclude="\r\n", min_size=1)),
        data=data if data is not None else field_text(),
        id=id
        if id is not None
        else st.one_of(st.none(), st.just(""), field_text(exclude="\r\n\x00", min_size=1)),
        retry=retry
        if retry is not None
        else st.one_of(st.none(), st.integers(0, 100_000), st.integers(0, MAX_RETRY)),
    )


_LINE_BREAKS = re.compile(r"\r\n|\r")


def expected_events(sent: Iterable[ServerSentEvent]) -> list[ServerSentEvent]:
    """Return what a conforming parser yields for the concatenated encodings of ``sent``.

    Models the spec, not sse-codec's decoder: CRLF and CR in ``data`` become LF;
    an empty ``event`` reads as ``"message"``; ``id`` is the stream's last event
    ID, which persists from earlier events when an event sets none and is reset
    by ``""`` (read back as ``None``); ``retry`` is the event's own.  Assumes a
    fresh stream and events the encoder accepts (see :func:`events`).
    Raises nothing.
    """
    last_id = ""
    out: list[ServerSentEvent] = []
    for event in sent:
        if event.id is not None:
            last_id = event.id
        out.append(
            ServerSentEvent(
                event.event or "message",
                _LINE_BREAKS.sub("\n", event.data),
                last_id or None,
                event.retry,
            )
        )
    return out
