"""benchmarks/pipeline.py: its streams and sse-codec's contenders agree, and the report
renders (the peers are benchmark-only, so only sse-codec's side runs here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # (python -m pytest has it; plain pytest may not)
    sys.path.insert(0, str(_ROOT))

from benchmarks import pipeline  # noqa: E402
from benchmarks.workloads import chunk  # noqa: E402


def test_the_three_streams_accumulate_to_the_same_answer_in_every_chunking() -> None:
    for make, ours in (
        (pipeline.openai_stream, pipeline._ours_openai),
        (pipeline.anthropic_stream, pipeline._ours_anthropic),
        (pipeline.responses_stream, pipeline._ours_responses),
    ):
        blocks = make(200)
        summaries = {ours(json.loads)(chunk(blocks, c)) for c in ("per_event", "1460", "7")}
        assert len(summaries) == 1
        text, _reasoning, calls, (_inp, out) = summaries.pop()
        assert text.startswith("The quick brown fox") and out == 200
        assert calls and all(json.loads(args) for _id, _name, args in calls)


def test_openai_stream_has_the_issue_shape() -> None:
    payloads = [json.loads(b.split(b"data: ", 1)[1]) for b in pipeline.openai_stream(400)[:-1]]
    deltas = [p["choices"][0]["delta"] for p in payloads if p["choices"]]
    tool_share = sum("tool_calls" in d for d in deltas) / len(payloads)
    assert 0.1 < tool_share < 0.2
    assert any("reasoning" in d for d in deltas)
    assert payloads[-1]["usage"]["completion_tokens"] == 400
    sizes = [len(b) for b in pipeline.openai_stream(400)[1:-2]]
    assert 250 < sum(sizes) / len(sizes) < 400


def test_render_names_every_contender_stage_and_verdict() -> None:
    row = pipeline.Row("openai_chat", "per_event", 10)
    row.us = {"sse-codec": 5.0, "hand-rolled": 4.5, "openai SDK": 120.0}
    row.stages = {"decode": 0.1, "JSON": 0.3, "typed objects": 0.4, "accumulation": 0.2}
    report = pipeline.PipelineReport(quick=False, rows=[row])
    pipeline._verdicts(report)
    text = pipeline.render(report)
    assert "| openai_chat | per_event | 10 | 5.00 | 4.50 | 120.00 | 1.11 |" in text
    assert "| openai_chat | per_event | 10% | 30% | 40% | 20% |" in text
    assert "MET: openai_chat per_event: sse-codec / hand-rolled = 1.11" in text
    assert "MET: openai_chat per_event: openai SDK / sse-codec = 24.0" in text
