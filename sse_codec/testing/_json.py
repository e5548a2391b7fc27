"""JSON mutations: a valid payload changed at every path, the way an attacker or a
broken server would change it.

Byte-level fuzzing of an event stream never changes the structure of the JSON
inside its events.  These mutations do: each value replaced by every JSON type,
keys dropped or sent twice, values nested as deep as a JSON parser goes, huge
numbers and the ``NaN``/``Infinity`` tokens Python's parser accepts.  A consumer
of typed payloads must turn every one of them into its own error, or accept it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

__all__ = ["JSON_REPLACEMENTS", "JsonMutation", "json_mutations", "mutated_json"]

JsonPath = tuple[str | int, ...]

#: The values each JSON value is replaced with, one of every JSON type and the
#: edge cases of each: null, both booleans, zero, a negative, a float, an integer
#: beyond 64 bits, empty and non-empty strings, arrays and objects.
JSON_REPLACEMENTS: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1.5,
    10**40,
    "",
    "x",
    [],
    [1],
    {},
    {"type": "x"},
)

# Spelled as JSON text, because Python values cannot say them: tokens Python's
# json module reads as floats, and a number too long for a float.
_TOKENS = ("NaN", "Infinity", "-Infinity", "1e999", "-0", "1" * 400)

#: Nesting depths tried at every path: deep enough to break a recursive walk,
#: and beyond what CPython's json parser accepts (it must then fail cleanly).
DEPTHS = (500, 5000)

# Marks the spot in a value's JSON text where a token is spliced in.
_HOLE = "\x00hole\x00"


@dataclass(frozen=True, slots=True)
class JsonMutation:
    """One changed payload: ``text`` is its JSON text (compact), ``path`` where it
    was changed (keys and array indexes from the top; ``()`` for the whole value)
    and ``kind`` how: ``"replace"``, ``"token"``, ``"deep"``, ``"drop"``,
    ``"duplicate"``."""

    path: JsonPath
    kind: str
    text: str


def _paths(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Any]]:
    """Every path of ``value`` with the value there, the top first (depth first)."""
    todo: list[tuple[JsonPath, Any]] = [(path, value)]
    while todo:
        here, item = todo.pop()
        yield here, item
        if isinstance(item, dict):
            todo.extend(((*here, k), v) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            todo.extend(((*here, i), v) for i, v in reversed(list(enumerate(item))))


def _replaced(value: Any, path: JsonPath, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: _replaced(v, rest, new) if k == head else v for k, v in value.items()}
    return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _nest(depth: int) -> str:
    return "[" * depth + "]" * depth


def json_mutations(value: Any, *, depths: tuple[int, ...] = DEPTHS) -> Iterator[JsonMutation]:
    """Yield every mutation of the JSON value ``value``, in a fixed order.

    At every path (the whole value included): the value replaced by each of
    :data:`JSON_REPLACEMENTS`, by each number token (``NaN``, ``Infinity``,
    ``1e999``, a 400-digit integer...) and by arrays nested ``depths`` deep; in
    every object, each key dropped and each key sent twice (the first copy
    ``null``; Python's parser keeps the last).  The count grows with the number
    of paths, about 25 per value.  Raises :class:`ValueError` when ``value``
    cannot be written as JSON.
    """
    try:
        _dumps(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a JSON value: {exc}") from exc
    for path, here in _paths(value):
        for new in JSON_REPLACEMENTS:
            if type(new) is not type(here) or new != here:
                yield JsonMutation(path, "replace", _dumps(_replaced(value, path, new)))
        holed = _dumps(_replaced(value, path, _HOLE))
        hole = _dumps(_HOLE)
        for token in _TOKENS:
            yield JsonMutation(path, "token", holed.replace(hole, token, 1))
        for depth in depths:
            yield JsonMutation(path, "deep", holed.replace(hole, _nest(depth), 1))
        if isinstance(here, dict):
            for key in here:
                dropped = {k: v for k, v in here.items() if k != key}
                yield JsonMutation((*path, key), "drop", _dumps(_replaced(value, path, dropped)))
                # Duplicate keys exist only in JSON text: write the key twice.
                twice = _dumps(_replaced(value, path, {_HOLE: None, **here}))
                yield JsonMutation((*path, key), "duplicate", twice.replace(hole, _dumps(key), 1))


def mutated_json(value: Any, *, depths: tuple[int, ...] = DEPTHS) -> st.SearchStrategy[str]:
    """Strategy for the JSON text of one mutation of ``value`` (see :func:`json_mutations`),
    shrinking towards the first mutations of the top-level value::

        import json
        from hypothesis import given
        from sse_codec.testing import mutated_json

        PAYLOAD = {"type": "content_block_delta", "index": 0,
                   "delta": {"type": "text_delta", "text": "Hi"}}

        @given(mutated_json(PAYLOAD))
        def test_my_handler_never_crashes(text):
            try:
                my_handler(json.loads(text))
            except (ValueError, MyError):
                pass

    Raises :class:`ValueError` when ``value`` cannot be written as JSON.
    """
    mutations = [m.text for m in json_mutations(value, depths=depths)]
    return st.sampled_from(mutations)
