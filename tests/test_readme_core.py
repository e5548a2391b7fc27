"""The README's "Decoding" and "Encoding" examples print and return what they say."""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path
from typing import Any

README = Path(__file__).parent.parent / "README.md"


def first_code_block(section: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.index("\n## ", start + 1)
    match = re.search(r"```python\n(.*?)```", text[start:end], flags=re.DOTALL)
    assert match is not None
    return match.group(1)


def test_decoding_example_prints_its_comments() -> None:
    block = first_code_block("Decoding")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {})
    claimed = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    assert out.getvalue().splitlines() == claimed


def test_encoding_example_values_are_what_the_comments_say() -> None:
    block = first_code_block("Encoding")
    namespace: dict[str, Any] = {}
    lines = block.splitlines()
    checked = 0
    for i, line in enumerate(lines):
        if line.startswith(("from ", "#")) or not line.strip():
            if line.startswith("from "):
                exec(line, namespace)
            continue
        code, _, comment = line.partition("#")
        if not comment.strip():
            # the expected value is on the next line, as a whole-line comment
            comment = lines[i + 1].lstrip("# ")
        expected_text = comment.strip().split(" (")[0]
        if not expected_text.startswith("b'"):
            continue
        assert eval(code, namespace) == ast.literal_eval(expected_text), line
        checked += 1
    assert checked >= 6
