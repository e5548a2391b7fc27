"""sse_codec.testing's JSON mutations: what they produce, and their strategy."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given

from sse_codec.testing import JSON_REPLACEMENTS, JsonMutation, json_mutations, mutated_json

PAYLOAD = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}


def test_every_path_gets_every_kind_of_mutation() -> None:
    found = list(json_mutations(PAYLOAD, depths=(3,)))
    paths = {m.path for m in found}
    assert {(), ("type",), ("index",), ("delta",), ("delta", "type"), ("delta", "text")} <= paths
    kinds = {(m.path, m.kind) for m in found}
    for path in [("index",), ("delta", "text")]:
        for kind in ("replace", "token", "deep", "drop", "duplicate"):
            assert (path, kind) in kinds
    # Each value replaced by every JSON type (except by the value it already is).
    replaced = [m.text for m in found if m.path == ("index",) and m.kind == "replace"]
    expected = [v for v in JSON_REPLACEMENTS if not (type(v) is int and v == 0)]
    assert [json.loads(t)["index"] for t in replaced] == expected


def test_mutations_are_exact_json_text() -> None:
    for m in json_mutations(PAYLOAD, depths=(3,)):
        assert isinstance(m, JsonMutation)
        value = json.loads(m.text)  # Python's parser reads every one (NaN included)
        if m.kind == "drop":
            parent = value
            for key in m.path[:-1]:
                parent = parent[key]
            assert m.path[-1] not in parent
        elif m.kind == "duplicate":
            assert m.text.count(json.dumps(m.path[-1])) >= 2
    tokens = [
        json.loads(m.text)["index"]
        for m in json_mutations(PAYLOAD)
        if m.kind == "token" and m.path == ("index",)
    ]
    assert any(isinstance(t, float) and math.isnan(t) for t in tokens)
    assert math.inf in tokens and max(t for t in tokens if isinstance(t, int)) > 10**399


def test_deep_nesting_goes_past_the_parser_limit() -> None:
    deep = [m.text for m in json_mutations({"a": 1}) if m.kind == "deep" and m.path == ("a",)]
    assert [text.count("[") for text in deep] == [500, 5000]
    with pytest.raises(RecursionError):
        json.loads(deep[1])


def test_a_value_json_cannot_carry_is_refused() -> None:
    with pytest.raises(ValueError, match="not a JSON value"):
        list(json_mutations({"a": object()}))


@given(mutated_json(PAYLOAD))
def test_the_strategy_draws_mutations(text: str) -> None:
    assert text != json.dumps(PAYLOAD, separators=(",", ":"))
    assert text in {m.text for m in json_mutations(PAYLOAD)}
