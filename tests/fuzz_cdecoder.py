"""Coverage-guided fuzz target: the compiled decoder against the Python reference.

Run by ``.ci/fuzz.sh`` (atheris, with the extension built by clang with libFuzzer's
coverage instrumentation and AddressSanitizer), or by hand::

    python tests/fuzz_cdecoder.py CORPUS_DIR -max_total_time=60

Any difference between the two decoders after any call, or an exception that is
not the package's own (or the TypeError/RuntimeError the contract names), is a
crash.  With no corpus directory given, one is made from tests/fixtures/*.sse.

An input is 4 option bytes then the stream: flags (dispatch_on_close,
feed_items, the chunk kind; the top bit: through ``iter_events``, the compiled
iterator against the Python generator over the reference), max_line_size and
max_event_size (255: None, else 4x the byte) and the seed of the chunking (1 to
64-byte and whole-rest chunks).
"""

from __future__ import annotations

import random
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))  # for cdecoder_oracle

import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

with atheris.instrument_imports():
    from cdecoder_oracle import KINDS, as_kind, describe_call, make_pair

    import sse_codec._decoder  # noqa: F401  (the oracle's branches guide the fuzzer too)
    from sse_codec._cdecoder import SSEDecoder as CDecoder
    from sse_codec._cdecoder import iter_events as compiled_iter_events
    from sse_codec._streams import _iter_events as generator_iter_events

# Outcomes a decoder may have; anything else is a bug in both or in one.
ALLOWED = {"ok", "SSELimitError", "SSEDecoderClosedError"}
FIXTURES = Path(__file__).parent / "fixtures"
SEED_OPTIONS = b"\x00\xff\xff\x07"


def _limit(byte: int) -> int | None:
    return None if byte == 255 else byte * 4


def _chunks(body: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    chunks, at = [], 0
    while at < len(body):
        size = rng.choice((1, 2, 3, 7, 16, 64, len(body)))
        chunks.append(body[at : at + size])
        at += size
    return chunks


def check(data: bytes) -> None:
    """Feed ``data`` (options, then a stream) to both decoders and compare."""
    if len(data) < 4:
        return
    flags, max_line, max_event, seed = data[:4]
    options: dict[str, Any] = {
        "max_line_size": _limit(max_line),
        "max_event_size": _limit(max_event),
        "dispatch_on_close": bool(flags & 1),
    }
    method = "feed_items" if flags & 2 else "feed"
    kind = KINDS[(flags >> 2) % len(KINDS)]
    (ref, ref_comments), (c, c_comments) = make_pair(CDecoder, **options)
    if flags & 0x80:
        chunks = [as_kind(chunk, kind) for chunk in _chunks(data[4:], seed)]
        by_generator = _drain(generator_iter_events(iter(chunks), ref), ref)
        by_c = _drain(compiled_iter_events(iter(chunks), c), c)
        if by_c != by_generator or by_c[-1][0] not in ALLOWED | {"StopIteration"}:
            raise AssertionError(
                f"iter_events differ on {data!r}:\n C: {by_c}\n Python: {by_generator}"
            )
        return
    close = "close_items" if flags & 2 else "close"
    steps: list[tuple[str, bytes]] = [(method, chunk) for chunk in _chunks(data[4:], seed)]
    for name, chunk in [*steps, (close, b"")]:
        results = []
        for dec in (ref, c):
            bound = getattr(dec, name)
            args = () if name.startswith("close") else (as_kind(chunk, kind),)
            results.append(describe_call(dec, partial(bound, *args)))
        expected, got = results
        if got != expected or got[0] not in ALLOWED or c_comments != ref_comments:
            raise AssertionError(f"decoders differ on {data!r}:\n C: {got}\n Python: {expected}")


def _drain(events: Any, dec: Any) -> list[tuple[Any, ...]]:
    """Each next() on ``events`` described, up to the one that ends the iteration."""
    out = []
    while True:
        out.append(describe_call(dec, lambda: [next(events)]))
        if out[-1][0] != "ok":
            return out


def _seed_corpus() -> str:
    corpus = Path(tempfile.mkdtemp(prefix="sse-fuzz-corpus-"))
    for path in sorted(FIXTURES.glob("*.sse")):
        (corpus / path.name).write_bytes(SEED_OPTIONS + path.read_bytes())
        (corpus / f"iter-{path.name}").write_bytes(b"\x80" + SEED_OPTIONS[1:] + path.read_bytes())
    return str(corpus)


def main() -> None:
    args = sys.argv
    if not any(not a.startswith("-") for a in args[1:]):
        args = [*args, _seed_corpus()]
    atheris.Setup(args, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
