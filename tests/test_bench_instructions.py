"""benchmarks/instructions.py: the callgrind instruction counter's own logic.

valgrind itself is not needed here: the child side runs for real, and the parent
side is given a fake ``execute`` that answers as callgrind does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # (python -m pytest has it; plain pytest may not)
    sys.path.insert(0, str(_ROOT))

from benchmarks import instructions  # noqa: E402
from benchmarks.bench import cell_chunks  # noqa: E402
from sse_codec import iter_events  # noqa: E402

_SUMMARY = "==123== Events    : Ir\n==123== Collected : {}\n==123==\n==123== I   refs:      {}\n"


def test_parse_collected_reads_the_summary_and_refuses_output_without_one() -> None:
    assert instructions.parse_collected(_SUMMARY.format(98765, "98,765")) == 98765
    with pytest.raises(RuntimeError, match="no instruction count"):
        instructions.parse_collected("valgrind: command not found")


def test_count_subtracts_the_one_parse_run_and_fixes_the_hash_seed() -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []

    def execute(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append((command, kwargs["env"]))
        parses = int(command[command.index("--child") + 4])
        # Start-up costs 1,000,000; each parse 5,000 instructions; 7 events a parse.
        stderr = _SUMMARY.format(1_000_000 + 5_000 * parses, "")
        return subprocess.CompletedProcess(command, 0, stdout="7\n", stderr=stderr)

    per_run, events = instructions.count("openai_chat", "64", "sse-codec", 4, True, execute)
    assert (per_run, events) == (5_000.0, 7)
    for (command, env), parses in zip(calls, ["1", "5"], strict=True):
        assert command[:2] == ["valgrind", "--tool=callgrind"]
        assert command[-6:] == ["--child", "openai_chat", "64", "sse-codec", parses, "--quick"]
        assert env["PYTHONHASHSEED"] == "0"

    def failing(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, stdout="", stderr="boom")

    with pytest.raises(RuntimeError, match="boom"):
        instructions.count("openai_chat", "64", "sse-codec", 1, True, failing)


def test_the_child_parses_the_cell_the_benchmark_makes() -> None:
    chunks = cell_chunks("anthropic_named_events", "7", quick=True)
    expected = sum(1 for _ in iter_events(chunks))
    assert expected > 0
    assert instructions.run_child("anthropic_named_events", "7", "sse-codec", 2, True) == expected
    cell = ["anthropic_named_events", "7", "sse-codec", "1"]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.instructions", "--quick", "--child", *cell],
        cwd=_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == str(expected)


def test_without_valgrind_it_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert instructions.main(["--workloads", "openai_chat", "--chunkings", "64"]) == 2
    assert "needs valgrind" in capsys.readouterr().err
