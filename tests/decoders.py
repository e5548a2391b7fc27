"""The decoders under test: every implementation of ``SSEDecoder`` the package has.

The pure-Python decoder is always here; the compiled one joins when it is built.
Decoder test modules say ``pytestmark = pytest.mark.usefixtures("decoder_class")``
(the fixture is in conftest.py): each of their tests then runs once per
implementation, with ``SSEDecoder`` in the module, in ``decode_helpers`` and as
``iter_events``' default decoder bound to that implementation.
"""

from __future__ import annotations

import importlib

from sse_codec._decoder import SSEDecoder as PythonDecoder

__all__ = ["IMPLEMENTATIONS"]

#: Implementation name -> class, the pure-Python reference first.
IMPLEMENTATIONS: dict[str, type[PythonDecoder]] = {"python": PythonDecoder}

try:
    _compiled = importlib.import_module("sse_codec._cdecoder")
except ImportError:  # not built: the Python decoder alone is under test
    pass
else:
    IMPLEMENTATIONS["c"] = _compiled.SSEDecoder
