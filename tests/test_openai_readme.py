"""The README's "OpenAI-style chat streams" examples run and say what they claim."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

README = Path(__file__).parent.parent / "README.md"


def section_code_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("## OpenAI-style chat streams")
    end = text.index("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.DOTALL)


def run_alone(block: str) -> tuple[dict[str, Any], str]:
    """Run one block in a fresh namespace; return the namespace and what it printed."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), namespace)
    return namespace, out.getvalue()


def test_readme_openai_examples_run_each_alone() -> None:
    reading, writing = section_code_blocks()
    namespace, printed = run_alone(reading)
    assert printed == "Hello"
    completion = namespace["completion"]
    assert completion.choices[0].message.content == "Hello"
    assert completion.to_dict()["object"] == "chat.completion"

    namespace, _ = run_alone(writing)
    wire = namespace["encode_chunk"](namespace["chunk"])
    assert wire.startswith(b'data: {"id":"c1","object":"chat.completion.chunk",')
    assert wire.endswith(b"}\n\n")
    assert namespace["DONE"] == b"data: [DONE]\n\n"
    assert namespace["part"] == b"data: [DONE]\n\n"
