"""The ``chunkings()`` strategy: every way a network may split a byte stream."""

from __future__ import annotations

from hypothesis import strategies as st

from .._chunks import rechunk, tricky_groups

__all__ = ["chunkings"]


def chunkings(data: bytes, *, max_cuts: int = 40) -> st.SearchStrategy[list[bytes]]:
    """Strategy for lists of chunks that concatenate to ``data``.

    Mixes random cuts (up to ``max_cuts``, drawn often at the offsets where a
    decoder's buffering is tested: inside a CRLF, just after a CR, inside the
    BOM, inside a multi-byte UTF-8 character, after a colon), empty chunks
    (a repeated cut, or a cut at either end), fixed-size chunks and one byte
    at a time.  It shrinks towards ``[data]``, a single chunk::

        from hypothesis import given, strategies as st
        from sse_codec import iter_events
        from sse_codec.testing import chunkings

        BODY = "data: caf\\u00e9\\r\\n\\r\\n".encode()

        @given(chunkings(BODY))
        def test_any_split(chunks):
            assert b"".join(chunks) == BODY
            assert [e.data for e in iter_events(chunks)] == ["caf\\u00e9"]

    Raises :class:`ValueError` for a negative ``max_cuts``.
    """
    if max_cuts < 0:
        raise ValueError(f"max_cuts must not be negative, not {max_cuts}")
    data = bytes(data)
    size = len(data)
    # Each kind of tricky offset (after CR, inside the BOM, inside a UTF-8
    # character, after a colon) is as likely as the others, however rare.
    offsets = st.one_of(
        st.integers(0, size), *(st.sampled_from(group) for group in tricky_groups(data))
    )
    cuts = st.lists(offsets, max_size=max_cuts).map(lambda at: rechunk(data, at=at))
    fixed = st.integers(1, max(1, min(size, 16))).map(lambda n: rechunk(data, size=n))
    return st.one_of(cuts, fixed, st.just(rechunk(data, size=1)))
