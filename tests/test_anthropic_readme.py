"""The README's "Anthropic Messages and OpenAI Responses streams" examples run and
say what their comments claim."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

README = Path(__file__).parent.parent / "README.md"
TITLE = "## Anthropic Messages and OpenAI Responses streams"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(TITLE)
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_readme_examples_run_each_alone_and_match_their_comments() -> None:
    section = _section()
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 3
    printed = []
    # Each block runs alone, in a fresh namespace, and ends with `name = (...)` and
    # a comment giving the value.
    for block, name in zip(blocks, ("summary", "answer", "converted"), strict=True):
        namespace: dict[str, Any] = {"__name__": "__main__"}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(README), "exec"), namespace)
        printed.append(out.getvalue())
        claimed = block.rstrip().splitlines()[-1]
        assert claimed.startswith("# ")
        assert repr(namespace[name]) == claimed[2:]
    assert printed == ["Hello", "", ""]


def test_readme_names_only_public_names() -> None:
    import sse_codec.anthropic
    import sse_codec.convert
    import sse_codec.responses

    public = (
        set(sse_codec.anthropic.__all__)
        | set(sse_codec.responses.__all__)
        | set(sse_codec.convert.__all__)
    )
    section = _section()
    for name in (
        "collect_message",
        "acollect_message",
        "aiter_stream_events",
        "ToolInputError",
        "encode_event",
        "iter_response_events",
        "ResponseAccumulator",
        "AnthropicToChat",
        "anthropic_to_chat_chunks",
        "aanthropic_to_chat_sse",
    ):
        assert f"`{name}" in section
        assert name in public
