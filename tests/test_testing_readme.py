"""The README's "Fuzz-test your stream consumer" example, run exactly as printed.

The code blocks are read from README.md and each runs alone, in a fresh
namespace: hypothesis must find the naive consumer's bug, and the fixed consumer
and the fault example must pass.  The fix, added to the naive consumer's file as
the README says, must pass the first test too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings

README = Path(__file__).parent.parent / "README.md"
SECTION = "## Fuzz-test your stream consumer"


def _python_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end >= 0 else len(text)]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


_QUIET = settings(
    derandomize=True,
    database=None,
    max_examples=100,
    deadline=None,
    # The explain phase only annotates the report; it is slow and not needed here.
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)


def _run(namespace: dict[str, Any], name: str) -> None:
    test: Callable[[], None] = namespace[name]
    # Deterministic and independent of the example database, so the outcome
    # does not depend on earlier runs.  Applied once per test function.
    if not getattr(test, "_readme_settings", False):
        test = _QUIET(test)
        test._readme_settings = True  # type: ignore[attr-defined]
    test()


def test_the_readme_has_the_three_examples() -> None:
    blocks = _python_blocks()
    assert len(blocks) == 3
    assert 'chunk.decode("utf-8").split("\\n")' in blocks[0]


def _alone(block: str, label: str) -> dict[str, Any]:
    """Run one block as a file of its own: a fresh namespace."""
    namespace: dict[str, Any] = {"__name__": "test_my_consumer"}
    exec(compile(block, f"README.md ({label})", "exec"), namespace)
    return namespace


def test_the_readme_example_finds_the_naive_consumers_bug() -> None:
    naive, _, _ = _python_blocks()
    namespace = _alone(naive, "naive consumer")
    # Hypothesis must find the bug: the test fails with the consumer's own
    # errors (one or several distinct ones), not with a hypothesis error.
    with pytest.raises(Exception) as info:  # the type is checked just below
        _run(namespace, "test_read_messages")
    found = info.value
    errors = list(found.exceptions) if isinstance(found, ExceptionGroup) else [found]
    assert errors
    assert all(isinstance(e, AssertionError | UnicodeDecodeError) for e in errors), errors
    # The consumer does work when the body arrives whole: the bug is the chunking.
    whole = namespace["read_messages"]([b"data: a\n\ndata: b\n\n"])
    assert whole == ["a", "b"]


def test_the_readme_fix_and_fault_example_pass_each_alone() -> None:
    _, fixed, faults = _python_blocks()
    _run(_alone(fixed, "fixed consumer"), "test_read_messages_on_any_stream")
    _run(_alone(faults, "fault example"), "test_a_truncated_answer_is_reported")


def test_the_fix_added_to_the_same_file_passes_the_first_test() -> None:
    # The README adds the fix to the naive consumer's file: there the fixed
    # read_messages replaces the naive one, and the first test passes.
    naive, fixed, _ = _python_blocks()
    namespace = _alone(naive, "naive consumer")
    exec(compile(fixed, "README.md (fixed consumer)", "exec"), namespace)
    _run(namespace, "test_read_messages")
