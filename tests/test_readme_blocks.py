"""Every Python block of the README runs when pasted alone.

Each block runs by itself in a fresh interpreter (its own imports, no names from
the blocks before it), as a reader who copies one example gets it.  What each
block prints or claims is checked by the section's own test (test_readme_core,
test_openai_readme, test_anthropic_readme, test_testing_readme).  A block under a
``<!-- readme-... -->`` marker belongs to the test that owns that marker: the
HTTP-client examples need a server and are run alone against one
(test_readme_clients), the ASGI app is the tested file ``examples/starlette_app.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
_BLOCK = re.compile(
    r"(?:<!-- (?P<marker>readme-[^>]*?) -->\n)?```python\n(?P<code>.*?)```", re.DOTALL
)


def python_blocks() -> dict[str, str]:
    """The README's Python blocks without a marker, keyed by their line."""
    text = README.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for match in _BLOCK.finditer(text):
        if match["marker"]:
            continue  # run by the test that owns the marker
        line = text.count("\n", 0, match.start("code")) + 1
        found[f"README.md:{line}"] = match["code"]
    return found


BLOCKS = python_blocks()


def test_the_readme_has_its_blocks() -> None:
    # At least: Decoding, Encoding, OpenAI (2), Anthropic, Responses, convert, and
    # the three fuzz-testing blocks.
    assert len(BLOCKS) >= 10


@pytest.mark.parametrize("where", sorted(BLOCKS))
def test_block_runs_alone_in_a_fresh_interpreter(where: str, tmp_path: Path) -> None:
    # This checkout's package (also when the tests run from an unpacked sdist), in an
    # empty working directory.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", BLOCKS[where]],
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
        text=True,
    )
    assert done.returncode == 0, f"{where}:\n{done.stderr}"
