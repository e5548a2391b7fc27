"""The official SDKs pointed at ``serve`` as their base URL read a complete, correct
answer: the openai SDK's chat completions stream and the anthropic SDK's
``messages.stream``, with the body cut into small and random chunks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sse_codec._cli._serve import Plan, Reply, serving

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED: dict[str, Any] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))

openai = pytest.importorskip("openai", reason="the openai SDK (e2e extra) is not installed")
anthropic = pytest.importorskip(
    "anthropic", reason="the anthropic SDK (e2e extra) is not installed"
)


@pytest.mark.parametrize("chunk", [7, "random"])
@pytest.mark.parametrize("name", ["openai-chat-basic.sse", "openai-chat-tool-calls-parallel.sse"])
def test_openai_sdk_reads_a_chat_stream_from_serve(name: str, chunk: int | str) -> None:
    want = EXPECTED["openai_chat"][name]["choices"][0]
    plan = Plan((FIXTURES / name).read_bytes(), chunk=chunk)
    with serving(plan, reply=Reply(protocol="openai")) as server:
        client = openai.OpenAI(base_url=server.url + "v1", api_key="x", max_retries=0)
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        text: list[str] = []
        arguments: dict[int, str] = {}
        finish = None
        for chunk_ in stream:
            for choice in chunk_.choices:
                text.append(choice.delta.content or "")
                for call in choice.delta.tool_calls or ():
                    if call.function is not None and call.function.arguments:
                        arguments[call.index] = (
                            arguments.get(call.index, "") + call.function.arguments
                        )
                finish = choice.finish_reason or finish
        client.close()
    assert "".join(text) == (want["content"] or "")
    assert [arguments[n] for n in sorted(arguments)] == [c["arguments"] for c in want["tool_calls"]]
    assert finish == want["finish_reason"]


@pytest.mark.parametrize("chunk", [5, "random"])
@pytest.mark.parametrize(
    "name", ["anthropic-messages-text.sse", "anthropic-messages-tool-use-parallel.sse"]
)
def test_anthropic_sdk_reads_a_message_stream_from_serve(name: str, chunk: int | str) -> None:
    want = EXPECTED["anthropic_messages"][name]
    plan = Plan((FIXTURES / name).read_bytes(), chunk=chunk)
    with serving(plan, reply=Reply(protocol="anthropic")) as server:
        client = anthropic.Anthropic(base_url=server.url.rstrip("/"), api_key="x", max_retries=0)
        with client.messages.stream(
            model="claude-x", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            streamed = "".join(stream.text_stream)
            message = stream.get_final_message()
        client.close()
    texts = [b["text"] for b in want["content_blocks"] if b["type"] == "text"]
    assert streamed == "".join(texts)
    assert message.id == want["message_id"]
    assert message.stop_reason == want["stop_reason"]
    tools = [(b.name, b.input) for b in message.content if b.type == "tool_use"]
    assert tools == [
        (b["name"], b["input_parsed"]) for b in want["content_blocks"] if b["type"] == "tool_use"
    ]


def test_openai_sdk_reads_a_responses_stream_from_serve() -> None:
    name = "openai-responses-api.sse"
    want = EXPECTED["openai_responses"][name]
    plan = Plan((FIXTURES / name).read_bytes(), chunk="random")
    with serving(plan, reply=Reply(protocol="responses")) as server:
        client = openai.OpenAI(base_url=server.url + "v1", api_key="x", max_retries=0)
        stream = client.responses.create(model="gpt-4o", input="hi", stream=True)
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        client.close()
    assert "".join(deltas) == "".join(want["output_text_by_item"].values())


def test_the_readme_mock_endpoint_example_runs_against_serve() -> None:
    import contextlib
    import io
    import re

    readme = (FIXTURES.parent.parent / "README.md").read_text("utf-8")
    match = re.search(r"<!-- readme-sdk: mock endpoint -->\n```python\n(.*?)```", readme, re.DOTALL)
    assert match is not None
    from sse_codec._cli._sources import example_bytes

    with serving(Plan(example_bytes(), chunk=9), reply=Reply(protocol="openai")) as server:
        code = match[1].replace("http://127.0.0.1:34273/", server.url)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, {})
    claimed = match[1].rstrip().splitlines()[-1].removeprefix("# ")
    assert out.getvalue() == claimed + "\n"
