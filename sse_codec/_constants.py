"""Numbers shared by the decoders and the encoder (the bottom layer: imports nothing)."""

from __future__ import annotations

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "DEFAULT_MAX_LINE_SIZE", "MAX_RETRY"]

#: Default bound on one line (any field, or the unterminated tail of the stream), in bytes.
DEFAULT_MAX_LINE_SIZE = 32 * 1024 * 1024
#: Default bound on the data of one event (sum of its ``data`` values plus one LF each).
DEFAULT_MAX_EVENT_SIZE = 32 * 1024 * 1024
#: Largest ``retry`` value: the decoder ignores longer ones like other invalid values,
#: and the encoder refuses them (a reconnection time past this is no time at all).
MAX_RETRY = 2**63 - 1
