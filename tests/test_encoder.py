"""The encoder: exact output, refusals, and agreement with the decoder."""

from __future__ import annotations

import pytest
from decode_helpers import decode

from sse_codec import (
    KEEP_ALIVE,
    MAX_RETRY,
    ServerSentEvent,
    SSEEncodeError,
    SSEError,
    encode,
    encode_comment,
)

E = ServerSentEvent


def test_single_line_data() -> None:
    assert encode('{"a": 1}') == b'data: {"a": 1}\n\n'


def test_all_fields_in_order() -> None:
    assert encode("x", event="upd", id="42", retry=1500) == (
        b"event: upd\nid: 42\nretry: 1500\ndata: x\n\n"
    )


def test_multi_line_data_with_every_line_end() -> None:
    out = encode("a\nb\r\nc\rd")
    assert out == b"data: a\ndata: b\ndata: c\ndata: d\n\n"
    assert decode(out) == [E(data="a\nb\nc\nd")]


def test_trailing_and_leading_newlines_survive() -> None:
    for data in ["\n", "\n\n", "a\n", "\na", " lead", "  two", ""]:
        assert decode(encode(data)) == [E(data=data)], repr(data)


def test_empty_data_still_dispatches() -> None:
    assert encode("") == b"data: \n\n"
    assert decode(encode("")) == [E(data="")]


def test_no_data_block_sets_state_without_dispatching() -> None:
    assert encode(None, retry=3000) == b"retry: 3000\n\n"
    assert encode(None, id="9") == b"id: 9\n\n"
    assert decode(encode(None, id="9")) == []


def test_empty_id_resets_and_none_writes_nothing() -> None:
    assert encode("x", id="") == b"id: \ndata: x\n\n"
    assert decode(encode("a", id="1") + encode("b", id="") + encode("c")) == [
        E(data="a", id="1"),
        E(data="b"),
        E(data="c"),
    ]


def test_message_type_is_implicit() -> None:
    assert encode("x", event="message") == b"data: x\n\n"
    assert encode("x", event="") == b"data: x\n\n"
    assert E(event="message", data="x").encode() == b"data: x\n\n"


def test_event_method_matches_function() -> None:
    ev = E(event="tick", data="1\n2", id="5", retry=10)
    assert ev.encode() == encode("1\n2", event="tick", id="5", retry=10)
    assert decode(ev.encode()) == [ev]


@pytest.mark.parametrize("line_ending", ["\n", "\r\n", "\r"])
def test_line_endings(line_ending: str) -> None:
    out = encode("a\nb", event="e", line_ending=line_ending)
    le = line_ending.encode()
    assert out == b"event: e" + le + b"data: a" + le + b"data: b" + le + le
    assert decode(out) == [E(event="e", data="a\nb")]


def test_unicode_is_utf8() -> None:
    assert encode("😊 °C", event="ünï") == "event: ünï\ndata: 😊 °C\n\n".encode()


def test_comments_and_keep_alive() -> None:
    assert encode_comment("hi") == b": hi\n"
    assert encode_comment("a\nb\r\n") == b": a\n: b\n:\n"
    assert encode_comment() == b":\n"
    assert encode("x", comment="c") == b": c\ndata: x\n\n"
    assert KEEP_ALIVE == b": keep-alive\n\n"
    assert decode(KEEP_ALIVE + encode_comment("a\nb") + encode("x")) == [E(data="x")]


# -- refusals --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"event": "a\nb"}, "event"),
        ({"event": "a\rb"}, "event"),
        ({"id": "1\n2"}, "id"),
        ({"id": "1\r"}, "id"),
        ({"id": "1\x002"}, "id"),
        ({"retry": True}, "retry"),
        ({"retry": -1}, "retry"),
        ({"retry": 1.5}, "retry"),
        ({"retry": "100"}, "retry"),
        ({"retry": MAX_RETRY + 1}, "retry"),
        ({"event": 5}, "event"),
        ({"id": 5}, "id"),
        ({"data": 5}, "data"),
        ({"data": b"bytes"}, "data"),
        ({"data": "\ud800"}, "data"),
        ({"event": "\udfff"}, "event"),
        ({"comment": "a\ud800"}, "comment"),
        ({"line_ending": "\n\n"}, "line_ending"),
    ],
)
def test_refuses_what_it_cannot_write_safely(kwargs: dict[str, object], field: str) -> None:
    call: dict[str, object] = {"data": "x", **kwargs}
    data = call.pop("data")
    with pytest.raises(SSEEncodeError) as info:
        encode(data, **call)  # type: ignore[arg-type]
    assert info.value.field == field
    assert field in str(info.value)
    assert isinstance(info.value, SSEError) and isinstance(info.value, ValueError)


def test_event_method_refuses_injection_too() -> None:
    with pytest.raises(SSEEncodeError):
        E(event="x\n\ndata: injected", data="a").encode()
    with pytest.raises(SSEEncodeError):
        E(data="a", id="1\nevent: evil").encode()


def test_bool_retry_is_not_written_as_text() -> None:
    with pytest.raises(SSEEncodeError, match="retry"):
        encode("x", retry=False)


def test_retry_bounds() -> None:
    assert encode(None, retry=0) == b"retry: 0\n\n"
    assert encode(None, retry=MAX_RETRY) == f"retry: {MAX_RETRY}\n\n".encode()


def test_comment_refusals() -> None:
    with pytest.raises(SSEEncodeError):
        encode_comment(5)  # type: ignore[arg-type]
    with pytest.raises(SSEEncodeError):
        encode_comment("x", line_ending="\t")


def test_optional_fields_by_position_match_keywords() -> None:
    # The optional fields are positional-or-keyword (cheaper to call on CPython
    # 3.11); their order is part of the signature and must stay as documented.
    by_keyword = encode("a\nb", event="update", id="42", retry=5, comment="c", line_ending="\r\n")
    assert encode("a\nb", "update", "42", 5, "c", "\r\n") == by_keyword
    assert by_keyword == b": c\r\nevent: update\r\nid: 42\r\nretry: 5\r\ndata: a\r\ndata: b\r\n\r\n"


# -- values that lie about themselves -----------------------------------------------


class _Sneaky(str):
    """A str whose methods hide its CR and LF from naive checks."""

    def __contains__(self, item: object) -> bool:
        return False

    def split(self, sep: str | None = None, maxsplit: int = -1) -> list[str]:  # type: ignore[override]
        return [str.__str__(self).replace("\n", " ").replace("\r", " ")]

    def __add__(self, other: str) -> str:
        return "x"

    def __radd__(self, other: str) -> str:
        return other + "x"

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__

    def __str__(self) -> str:
        return "clean"


class _Negative(int):
    def __int__(self) -> int:
        return -5

    def __index__(self) -> int:
        return -5

    def __str__(self) -> str:
        return "-5"

    __repr__ = __str__


@pytest.mark.parametrize("field", ["event", "id"])
def test_a_str_subclass_cannot_smuggle_a_line_end_into_a_field(field: str) -> None:
    with pytest.raises(SSEEncodeError) as info:
        if field == "event":
            encode("d", event=_Sneaky("a\nid: 666"))
        else:
            encode("d", id=_Sneaky("a\nid: 666"))
    assert info.value.field == field


def test_a_str_subclass_is_written_as_its_characters() -> None:
    wire = encode(_Sneaky("a\ndata: b\n\nevent: x"), comment=_Sneaky("c\nid: 1"))
    assert wire == b": c\n: id: 1\ndata: a\ndata: data: b\ndata: \ndata: event: x\n\n"
    assert decode(wire) == [ServerSentEvent(data="a\ndata: b\n\nevent: x")]
    assert encode_comment(_Sneaky("x\ndata: y")) == b": x\n: data: y\n"


def test_a_line_ending_subclass_that_equals_everything_is_refused() -> None:
    with pytest.raises(SSEEncodeError) as info:
        encode("d", event="e", line_ending=_Sneaky("\nid: 5\n"))
    assert info.value.field == "line_ending"


def test_an_int_subclass_is_written_as_its_value() -> None:
    assert encode("d", retry=_Negative(7)) == b"retry: 7\ndata: d\n\n"
    with pytest.raises(SSEEncodeError):
        encode("d", retry=_Negative(-7))


def test_an_event_built_from_lying_values_encodes_safely() -> None:
    event = ServerSentEvent(event=_Sneaky("a\nid: 666"), data="x")
    with pytest.raises(SSEEncodeError):
        event.encode()
    assert ServerSentEvent(event=_Sneaky("ping"), data="x").encode() == b"event: ping\ndata: x\n\n"
