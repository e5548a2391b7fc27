"""benchmarks/: the harness's own logic, on the smoke run's small sizes (seconds).

The compiled decoder is stood in for by a stub module in ``sys.modules`` (a subclass
of the Python decoder, or a broken one), so the C columns, their checking and their
targets are tested whether or not ``sse_codec._cdecoder`` is built.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # (python -m pytest has it; plain pytest may not)
    sys.path.insert(0, str(_ROOT))

from benchmarks import bench, memory, node  # noqa: E402
from benchmarks.contenders import FLOOR, PYTHON, C, decoders, floor, implementations  # noqa: E402
from benchmarks.workloads import FIXTURES, WORKLOADS, chunk, recorded_blocks  # noqa: E402
from sse_codec import ServerSentEvent, iter_events  # noqa: E402
from sse_codec._decoder import SSEDecoder as PythonDecoder  # noqa: E402


class _StubCompiled(PythonDecoder):
    """Stands in for the compiled decoder: the same behaviour."""


class _DropsEvents(PythonDecoder):
    """A broken 'compiled' decoder: loses the last event of each chunk."""

    def feed(self, data: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
        return super().feed(data)[:-1]


def _compiled(monkeypatch: pytest.MonkeyPatch, cls: type[Any] | None) -> None:
    # None: the import fails, as when the extension is not built.
    if cls is None:
        monkeypatch.setitem(sys.modules, "sse_codec._cdecoder", None)
        return
    module = types.ModuleType("sse_codec._cdecoder")
    module.SSEDecoder = cls  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sse_codec._cdecoder", module)


# -- workloads --------------------------------------------------------------------------


def _events(blocks: list[bytes]) -> list[ServerSentEvent]:
    return list(iter_events([b"".join(blocks)]))


def test_the_recorded_openai_workload_replays_real_token_chunks_of_250_to_350_bytes() -> None:
    blocks = WORKLOADS["openai_chat_recorded"](64 * 1024)
    assert sum(map(len, blocks)) >= 64 * 1024
    sizes = sorted(len(b) for b in blocks[1:-3])
    assert 250 <= sizes[len(sizes) // 2] <= 350
    recorded = b"".join((FIXTURES / n).read_bytes() for n in FIXTURES.glob("openai-chat-*.sse"))
    for block in set(blocks):
        assert block in recorded  # byte for byte what a server sent
    events = _events(blocks)
    assert len(events) == len(blocks) and events[-1].data == "[DONE]"
    fields = json.loads(events[1].data)
    assert {"id", "object", "created", "model", "system_fingerprint", "choices"} <= set(fields)
    assert {"index", "delta", "logprobs", "finish_reason"} <= set(fields["choices"][0])


def test_the_recorded_anthropic_workload_keeps_the_apis_padding() -> None:
    blocks = WORKLOADS["anthropic_recorded"](64 * 1024)
    deltas = [b for b in blocks if b.startswith(b"event: content_block_delta\n")]
    sizes = sorted(map(len, deltas))
    assert 120 <= sizes[len(sizes) // 2] <= 150
    assert sum(1 for b in deltas if b" }\n\n" in b) > len(deltas) // 2  # spaces before }
    events = _events(blocks)
    assert len(events) == len(blocks)
    assert [e.event for e in events[:3]] == ["message_start", "content_block_start", "ping"]
    assert events[-1].event == "message_stop"
    assert recorded_blocks("anthropic-messages-text.sse")[0] == blocks[0]


@pytest.mark.parametrize("workload", ["many_fields", "anthropic_recorded", "big_event_4mib"])
@pytest.mark.parametrize("chunking", ["whole", "7"])
def test_the_floor_makes_one_tuple_per_event(workload: str, chunking: str) -> None:
    chunks = chunk(WORKLOADS[workload](8 * 1024), chunking)
    expected = sum(1 for _ in iter_events(chunks))
    got = floor(iter(chunks))
    assert len(got) == expected
    assert all(type(t) is tuple for t in got)


# -- the implementations and their columns ------------------------------------------------


def test_without_the_compiled_decoder_its_columns_are_left_out_with_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _compiled(monkeypatch, None)
    found, notes = implementations()
    assert found == [(PYTHON, PythonDecoder)]
    assert len(notes) == 1 and notes[0].startswith(f"{C}: not built")
    report = bench.run(True, workloads=["openai_chat"], chunkings=["whole"], parts=["cells"])
    text = report.markdown()
    assert C not in text.split("Notes:")[0]
    assert f"{C}: not built" in text


def test_the_compiled_decoder_gets_its_columns_when_it_imports(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _compiled(monkeypatch, _StubCompiled)
    names = [c.name for c in decoders()[0]]
    assert names[:4] == [
        f"{C} iter_events",
        f"{C} feed",
        f"{PYTHON} iter_events",
        f"{PYTHON} feed",
    ]
    report = bench.run(
        True, workloads=["anthropic_recorded"], chunkings=["whole", "7"], parts=["cells"]
    )
    assert report.implementations == [C, PYTHON]
    for cell in report.cells:
        for name in [*names[:4], FLOOR]:
            assert cell.results[name].status == "ok"
            assert (cell.results[name].seconds or 0) > 0
        assert cell.vs_floor(f"{C} feed") is not None
    text = report.markdown()
    header = next(line for line in text.splitlines() if line.startswith("| chunking |"))
    assert f"| {C} iter_events | {C} feed | {PYTHON} iter_events |" in header
    assert "| C vs peer | C / floor | Python vs peer | Python / floor |" in header


def test_a_compiled_decoder_that_differs_is_shown_wrong_and_misses_its_targets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _compiled(monkeypatch, _DropsEvents)
    report = bench.run(True, workloads=["openai_chat"], chunkings=["per_event"], parts=["cells"])
    (cell,) = report.cells
    assert cell.results[f"{C} feed"].status == "WRONG"
    assert cell.results[f"{C} iter_events"].status == "WRONG"
    assert cell.results[f"{PYTHON} feed"].status == "ok"
    assert "WRONG" in report.markdown()
    report.quick = False
    bench._targets(report)
    assert [ok for ok, _ in report.targets] == [False, False]
    assert "openai_chat/per_event, feed: WRONG" in report.targets[1][1]


def test_the_smoke_run_says_so_and_gives_no_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    _compiled(monkeypatch, _StubCompiled)
    report = bench.run(True, workloads=["openai_chat"], chunkings=["whole"], parts=["cells"])
    text = report.markdown()
    assert "smoke run" in text.splitlines()[0].lower()
    assert report.targets == []
    assert "MET" not in text and "MISSED" not in text


# -- the targets (full run), on made-up timings --------------------------------------------


def _cell(workload: str, chunking: str, times: dict[str, float]) -> bench.Cell:
    cell = bench.Cell(workload, chunking, 1_000_000, 1000)
    for name, seconds in times.items():
        cell.results[name] = bench.Result("ok", seconds)
    return cell


def test_the_targets_are_the_issues_for_the_compiled_decoder_only() -> None:
    report = bench.Report(quick=False, implementations=[C, PYTHON])
    report.contenders = [f"{C} iter_events", f"{C} feed", f"{PYTHON} iter_events", FLOOR]
    report.contenders += ["httpx-sse", "openai", "anthropic"]
    fast = {f"{C} iter_events": 1.0, f"{C} feed": 1.0, f"{PYTHON} iter_events": 50.0}
    report.cells = [
        # 7x the peer: enough in 64-byte chunks (5x), not on OpenAI whole (8x).
        _cell("openai_chat_recorded", "whole", {**fast, FLOOR: 0.4, "httpx-sse": 7.0}),
        _cell("openai_chat_recorded", "64", {**fast, FLOOR: 0.1, "httpx-sse": 7.0}),
        # a WRONG peer does not count as the fastest correct one
        _cell("anthropic_recorded", "whole", {**fast, FLOOR: 0.6, "anthropic": 4.9}),
    ]
    report.cells[2].results["openai"] = bench.Result("WRONG", 1.5, "data differs")
    report.scaling["1-byte chunks"] = {
        C: [(2**k * 1024, 2.0 ** (k - 10)) for k in range(7, 13)],  # exactly linear
        PYTHON: [(2**k * 1024, 4.0 ** (k - 10)) for k in range(7, 13)],  # quadratic: ignored
    }
    report.peak_event_size = 4 * 1024 * 1024
    report.peak_memory = {C: ("ok", 100, 9 * 1024 * 1024), PYTHON: ("ok", 1, 1)}
    report.idle_memory = {C: {"fresh": (0, 1, 150), "parked": (70, 1, 290)}}
    report.node = [
        ("openai_chat_recorded", 10, {f"{C} iter_events": 300.0, bench._NODE: 400.0}),
        ("openai_chat", 10, {f"{PYTHON} iter_events": 300.0, bench._NODE: 200.0}),
    ]
    bench._targets(report)
    verdicts = {msg: ok for ok, msg in report.targets}
    stretch = [(ok, m) for ok, m in report.targets if m.startswith("stretch")]
    assert stretch == [
        (
            False,
            "stretch: openai_chat_recorded whole, 0.75x eventsource-parser's speed on Node.js"
            " (need > 1x)",
        )
    ]
    w = "openai_chat_recorded/whole, iter_events"
    assert verdicts[f"{w}: 7.00x the fastest correct peer (httpx-sse), need 8x"] is False
    assert verdicts[f"{w}: 2.50x the floor's time, need <= 2x"] is False
    assert verdicts[
        "openai_chat_recorded/64, feed: 7.00x the fastest correct peer (httpx-sse), need 5x"
    ]
    a = "anthropic_recorded/whole, feed"
    assert verdicts[f"{a}: 4.90x the fastest correct peer (anthropic), need 5x"] is False
    assert verdicts[f"{a}: 1.67x the floor's time, need <= 2x"] is True
    assert not any("64, feed: " in m and "floor" in m for m in verdicts)  # whole cells only
    assert verdicts["scaling, 1-byte chunks: worst time ratio per 4x size 4.00 (need <= 4.5)"]
    assert not verdicts[
        "peak memory (RSS), big event in 1460-byte chunks: 2.250x its size (need <= 2x)"
    ]
    assert verdicts["idle decoder (RSS), fresh: 150 bytes beyond what it holds (need <= 200)"]
    assert not verdicts["idle decoder (RSS), parked: 220 bytes beyond what it holds (need <= 200)"]
    assert not any(PYTHON in m for m in verdicts)
    text = report.markdown()
    assert "- MISSED: " + f"{w}: 7.00x" in text and "- MET: " in text


def test_without_the_compiled_decoder_no_target_is_checked() -> None:
    report = bench.Report(quick=False, implementations=[PYTHON])
    report.cells = [_cell("openai_chat", "whole", {f"{PYTHON} iter_events": 1.0, "openai": 2.0})]
    bench._targets(report)
    assert report.targets == []
    assert report.notes == [f"{C} is not built: its targets are not checked."]


# -- memory, in child processes ------------------------------------------------------------


def test_read_status_kib_reads_proc_status_lines() -> None:
    status = "Name:\tpython\nVmHWM:\t  20480 kB\nVmRSS:\t   10240 kB\n"
    assert memory.read_status_kib("VmHWM", status) == 20480
    assert memory.read_status_kib("VmRSS", status) == 10240
    assert memory.read_status_kib("VmSwap", status) is None


def test_peak_and_idle_memory_of_the_python_decoder_in_a_child() -> None:
    size = 1024 * 1024
    one_event, peak = memory.peak("sse_codec._decoder", size)
    assert one_event
    # The event's text and the line it is decoded from: about twice its size.
    assert size <= peak.traced <= 4 * size
    if peak.rss is not None:  # (Linux)
        assert 0 < peak.rss <= 6 * size
    idle = memory.idle("sse_codec._decoder", 500)
    assert list(idle) == [label for label, _, _ in memory.IDLE_STATES]
    assert all(50 < m.traced < 2000 for m in idle.values())


def test_a_failing_memory_child_raises_with_its_stderr() -> None:
    def failing(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, stdout="", stderr="no such module")

    with pytest.raises(RuntimeError, match="no such module"):
        memory.peak("sse_codec._nope", 1024, execute=failing)


# -- eventsource-parser on Node.js (faked: the test needs neither node nor the network) ----


def test_node_is_skipped_with_a_reason_when_missing() -> None:
    got, why = node.eventsource_parser({"x": b"data: a\n\n"}, min_time=0.01, repeats=1,
                                       which=lambda name: None)  # fmt: skip
    assert got == {}
    assert why is not None and "not on PATH" in why


def test_node_install_failure_and_success_with_a_fake_runner() -> None:
    calls: list[list[str]] = []

    def which(name: str) -> str:
        return f"/bin/{name}"

    def broken_npm(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, stdout="", stderr="npm ERR! offline")

    got, why = node.eventsource_parser(
        {"x": b""}, min_time=0.01, repeats=1, execute=broken_npm, which=which
    )
    assert got == {} and why is not None and "npm ERR! offline" in why

    def fake(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        if command[0] == "/bin/npm":
            assert node.PACKAGE in command
            return subprocess.CompletedProcess(command, 0, stdout="", stderr="")
        script, data = Path(command[1]), Path(command[2])
        assert script.read_text() == node.SCRIPT
        assert data.read_bytes() == b"data: a\n\ndata: b\n\n"
        return subprocess.CompletedProcess(command, 0, '{"events": 2, "seconds": 0.5}\n', "")

    got, why = node.eventsource_parser(
        {"w": b"data: a\n\ndata: b\n\n"}, min_time=0.01, repeats=3, execute=fake, which=which
    )
    assert (got, why) == ({"w": (2, 0.5)}, None)
    assert calls[1][-2:] == ["0.01", "3"]


def test_memory_tracemalloc_cannot_see_is_pointed_out(monkeypatch: pytest.MonkeyPatch) -> None:
    _compiled(monkeypatch, _StubCompiled)

    def peak(module: str, size: int) -> tuple[bool, memory.Measured]:
        # The "C" decoder as if it took its buffers with malloc: RSS sees 4x more.
        if module == "sse_codec._decoder":
            return True, memory.Measured(2 * size, 2 * size)
        return True, memory.Measured(size // 2, 2 * size + 1024 * 1024)

    monkeypatch.setattr(memory, "peak", peak)
    monkeypatch.setattr(bench, "decoders", lambda: ([], []))  # no peers: this is about ours
    report = bench.Report(quick=True)
    bench._peak_memory(report, bench._QUICK, lambda msg: None)
    size = bench._QUICK.big
    assert report.peak_memory[C] == ("ok", size // 2, 2 * size + 1024 * 1024)
    assert [n for n in report.notes if "tracemalloc cannot see it" in n] == [
        f"{C}: RSS peak 1.1 MiB against tracemalloc's 32 KiB: part of its memory is not"
        " allocated through Python's allocators (tracemalloc cannot see it)"
    ]


def test_only_parsers_of_other_projects_count_as_peers() -> None:
    # Peers get the watchdog and stop early in the size doubling; the baseline and
    # the floor, like sse-codec's decoders, are measured to the end.
    assert bench._is_peer("httpx-sse")
    for name in (bench._BASELINE, FLOOR, f"{C} feed", PYTHON):
        assert not bench._is_peer(name)


def test_the_size_doubling_has_both_decoders_and_the_baseline_to_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _compiled(monkeypatch, _StubCompiled)
    report = bench.run(True, parts=["scaling"])
    for series in report.scaling.values():
        for name in (C, PYTHON, bench._BASELINE):
            assert all(t is not None for _, t in series[name])
