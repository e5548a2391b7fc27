"""Re-chunking helpers for tests: split bytes the way a network might.

Standard library only, so the command line's fault server can use it without
hypothesis; the public names are re-exported from :mod:`sse_codec.testing`.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterable

__all__ = ["rechunk", "tricky_groups", "tricky_offsets"]

_BOM = b"\xef\xbb\xbf"
_CR = re.compile(b"\r")
_COLON = re.compile(b":")
_CONTINUATION = re.compile(b"[\x80-\xbf]")


def tricky_groups(data: bytes) -> list[list[int]]:
    """Return :func:`tricky_offsets` grouped by kind, leaving out empty groups.

    The groups are: after a CR (inside a CRLF, or where a decoder cannot yet
    tell CR from CRLF), inside a BOM, inside a multi-byte UTF-8 character, and
    after a colon.  Drawing a group first and then an offset keeps the rare
    kinds (one CR among a hundred continuation bytes) as likely as the common
    ones.  Never raises.
    """
    # Regex scans run in C: this stays fast on multi-megabyte bodies.
    after_cr = {match.end() for match in _CR.finditer(data)}
    after_colon = {match.end() for match in _COLON.finditer(data)}
    in_char = {match.start() for match in _CONTINUATION.finditer(data, 1)}
    in_bom: set[int] = set()
    start = data.find(_BOM)
    while start >= 0:
        in_bom.update((start + 1, start + 2))
        start = data.find(_BOM, start + 1)
    in_char -= in_bom
    groups = (after_cr, in_bom, in_char, after_colon)
    return [sorted(group) for group in groups if group]


def tricky_offsets(data: bytes) -> list[int]:
    """Return the offsets where a split tests a decoder's buffering, sorted.

    These are the offsets inside a CRLF (between CR and LF), just after any CR
    (where a decoder cannot yet tell CR from CRLF), inside a BOM, inside a
    multi-byte UTF-8 character (before any continuation byte) and just after a
    colon (so the optional space after a field name's colon starts a chunk).
    Never raises.
    """
    return sorted({offset for group in tricky_groups(data) for offset in group})


def _split_at(data: bytes, cuts: Iterable[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(data)]
    return [data[start:end] for start, end in itertools.pairwise(bounds)]


def rechunk(
    data: bytes,
    *,
    size: int | None = None,
    at: Iterable[int] | None = None,
    seed: int | random.Random | None = None,
) -> list[bytes]:
    """Split ``data`` into chunks whose concatenation is ``data``; return them.

    Give exactly one of:

    * ``size``: chunks of ``size`` bytes (the last may be shorter);
      ``size=1`` is the one-byte-at-a-time worst case.
    * ``at``: the offsets to cut at (any order, from 0 to ``len(data)``); an
      offset given twice, or 0, or ``len(data)``, makes an empty chunk.
    * ``seed``: random cuts, reproducible from the seed (an ``int`` or a
      ``random.Random``), favouring the offsets of :func:`tricky_offsets`
      (inside CRLF, the BOM and UTF-8 characters) and sometimes adding empty
      chunks.

    The result always has at least one chunk (``[b""]`` for empty ``data``)::

        >>> rechunk(b"data: \\xc3\\xa9\\r\\n\\r\\n", at=[9, 7, 9])
        [b'data: \\xc3', b'\\xa9\\r', b'', b'\\n\\r\\n']

    Raises :class:`ValueError` unless exactly one of ``size``, ``at`` and
    ``seed`` is given, for ``size < 1`` and for offsets outside the data.
    """
    given = sum(option is not None for option in (size, at, seed))
    if given != 1:
        raise ValueError("rechunk() takes exactly one of size=, at= or seed=")
    data = bytes(data)
    if size is not None:
        if type(size) is not int or size < 1:
            raise ValueError(f"size must be a positive int, not {size!r}")
        return _split_at(data, range(size, len(data), size))
    if at is not None:
        cuts = list(at)
        for offset in cuts:
            if type(offset) is not int or not 0 <= offset <= len(data):
                raise ValueError(f"cut offset {offset!r} is outside 0..{len(data)}")
        return _split_at(data, cuts)
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    groups = tricky_groups(data)
    count = rng.randint(0, min(len(data), 64))
    cuts = []
    for _ in range(count):
        if groups and rng.random() < 0.5:
            cuts.append(rng.choice(rng.choice(groups)))
        else:
            cuts.append(rng.randint(0, len(data)))
        if rng.random() < 0.1:
            cuts.append(cuts[-1])  # an empty chunk
    return _split_at(data, cuts)
