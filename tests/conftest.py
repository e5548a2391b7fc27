"""Shared test configuration: hypothesis profiles.

``ci`` (selected when CI=true) is thorough but bounded; ``dev`` is quick for local
runs. ``HYPOTHESIS_PROFILE`` overrides both.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

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
