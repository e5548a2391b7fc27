"""Shared test configuration: hypothesis profiles, the decoders under test.

``ci`` (selected when CI=true) is thorough but bounded; ``dev`` is quick for local
runs. ``HYPOTHESIS_PROFILE`` overrides both.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import decode_helpers
import pytest
from decoders import IMPLEMENTATIONS
from hypothesis import HealthCheck, settings

import sse_codec._streams
from sse_codec._decoder import SSEDecoder

settings.register_profile(
    "ci",
    parent=settings.get_profile("ci"),
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.register_profile("default-local", max_examples=100, deadline=None)

_profile = os.environ.get("HYPOTHESIS_PROFILE") or (
    "ci" if os.environ.get("CI", "").lower() in ("1", "true", "yes") else "default-local"
)
settings.load_profile(_profile)


@pytest.fixture(scope="module", params=sorted(IMPLEMENTATIONS), ids=str)
def decoder_class(request: pytest.FixtureRequest) -> Iterator[type[SSEDecoder]]:
    """Each implementation of the decoder in turn (see tests/decoders.py).

    Module-scoped (hypothesis refuses function-scoped fixtures), it binds the name
    ``SSEDecoder`` in the requesting module, in ``decode_helpers`` and in
    ``sse_codec._streams`` to that implementation while the module's tests run.
    """
    cls = IMPLEMENTATIONS[request.param]
    with pytest.MonkeyPatch.context() as patch:
        for target in (request.module, decode_helpers, sse_codec._streams):
            if hasattr(target, "SSEDecoder"):
                patch.setattr(target, "SSEDecoder", cls)
        yield cls
