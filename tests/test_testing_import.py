"""sse_codec.testing is optional: it needs hypothesis, and the core never imports it."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_importing_testing_without_hypothesis_names_the_extra() -> None:
    result = _run(
        """
        import sys

        class NoHypothesis:
            def find_spec(self, name, path=None, target=None):
                if name == "hypothesis" or name.startswith("hypothesis."):
                    raise ImportError(f"No module named {name!r}")
                return None

        sys.meta_path.insert(0, NoHypothesis())
        import sse_codec  # the core works without hypothesis
        from sse_codec import _chunks, _faults  # and so do the stdlib-only tools
        assert _faults.FAULTS["slow_drip"](b"ab") == [b"a", b"b"]
        try:
            import sse_codec.testing
        except ImportError as exc:
            print(exc)
        else:
            raise SystemExit("sse_codec.testing imported without hypothesis")
        """
    )
    assert result.returncode == 0, result.stderr
    assert "pip install 'sse-codec[testing]'" in result.stdout
    assert "hypothesis" in result.stdout


def test_the_core_package_never_imports_testing_or_hypothesis() -> None:
    result = _run(
        """
        import sys
        import sse_codec, sse_codec.openai, sse_codec.anthropic, sse_codec._cli
        banned = ("hypothesis", "sse_codec.testing")
        loaded = [m for m in sys.modules if m.split(".")[0] == "hypothesis" or m.startswith(banned)]
        print(loaded)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
