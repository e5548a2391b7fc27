"""Every strategy's docstring example runs and passes, exactly as written."""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import settings

from sse_codec import testing


def _example(function: Callable[..., object]) -> str:
    """The indented code block after the first ``::`` of the docstring."""
    doc = inspect.getdoc(function) or ""
    _, _, rest = doc.partition("::\n\n")
    lines = []
    for line in rest.splitlines():
        if line and not line.startswith("    "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines))


@pytest.mark.parametrize("name", ["events", "streams", "chunkings", "chat_chunk_streams"])
def test_docstring_example_runs(name: str) -> None:
    code = _example(getattr(testing, name))
    assert "@given" in code
    namespace: dict[str, Any] = {"__name__": f"example_{name}"}
    exec(compile(code, f"{name} docstring", "exec"), namespace)
    tests = [value for key, value in namespace.items() if key.startswith("test_")]
    assert len(tests) == 1
    settings(max_examples=50, database=None, deadline=None)(tests[0])()
