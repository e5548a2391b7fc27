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


def test_readme_openai_examples_run() -> None:
    blocks = section_code_blocks()
    assert len(blocks) == 2
    namespace: dict[str, Any] = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    assert out.getvalue() == "Hello"
    completion = namespace["completion"]
    assert completion.choices[0].message.content == "Hello"
    assert completion.to_dict()["object"] == "chat.completion"
    assert namespace["part"] == b"data: [DONE]\n\n"
