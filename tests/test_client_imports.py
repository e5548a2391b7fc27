"""``import sse_codec`` loads no HTTP client and no json; each adapter names its extra."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_import_sse_codec_loads_no_client_and_no_json() -> None:
    code = (
        "import sys, sse_codec\n"
        "loaded = [m for m in ('httpx', 'aiohttp', 'json') if m in sys.modules]\n"
        "assert loaded == [], loaded\n"
        "sse_codec.Reconnector().decoder().feed(b'data: x\\n\\n')\n"
        "assert 'json' not in sys.modules\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("module", "client"), [("httpx", "httpx"), ("aiohttp", "aiohttp")])
def test_an_adapter_without_its_client_names_the_extra(module: str, client: str) -> None:
    code = (
        f"import sys; sys.modules[{client!r}] = None\n"
        "try:\n"
        f"    import sse_codec.{module}\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert f"pip install 'sse-codec[{client}]'" in result.stdout
