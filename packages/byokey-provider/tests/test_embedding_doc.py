"""``docs/embedding.md``'s example runs as written, against the OpenAI fake."""

from __future__ import annotations

import re
import types
from pathlib import Path

from tests.fakes.content import answer
from tests.fakes.openai import OpenAIFake

DOC = Path(__file__).resolve().parents[3] / "docs" / "embedding.md"


def example_module() -> types.ModuleType:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, "embedding.md should hold exactly one runnable example"
    module = types.ModuleType("embedding_example")
    exec(compile(blocks[0], str(DOC), "exec"), module.__dict__)
    return module


async def test_the_embedding_example_runs(openai_fake: OpenAIFake) -> None:
    openai_fake.reply_with(answer("Hello!"), answer("Streamed hello."), answer("Local hello."))
    openai_fake.shape_streams(split="random", seed=3)
    openai_fake.require_auth = False  # the local upstream has no key
    said = await example_module().main(openai_fake.base_url, "sk-example-secretvalue")
    assert said == ["Hello!", "Streamed hello.", "local: Local hello."]
    first, second, third = openai_fake.chat_requests
    assert first.bearer() == second.bearer() == "sk-example-secretvalue"
    assert first.json()["model"] == "qwen3-coder-plus"
    assert second.json()["stream"] is True
    assert third.json()["model"] == "llama3.1:8b"
    third.assert_no_header("authorization")
