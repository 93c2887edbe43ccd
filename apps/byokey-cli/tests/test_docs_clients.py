"""docs/clients.md: the openai and anthropic SDK snippets, run as printed.

byokey serves them from a Claude API key whose upstream is a fake Anthropic API, so
the openai snippet also crosses formats (Chat Completions in, Messages upstream,
streamed back as chat chunks).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.anthropic import AnthropicFake

from .conftest import write_config
from .docs_harness import doc_block, documented_serve, run_snippet

pytestmark = pytest.mark.slow


def test_sdk_recipes_work_as_printed(tmp_home: Path, anthropic_fake: AnthropicFake) -> None:
    anthropic_fake.accept_only("sk-ant-doc-test")
    write_config(
        tmp_home,
        {
            "providers": {"claude": {"api_key": "sk-ant-doc-test"}},
            "endpoints": {"claude_api": anthropic_fake.url},
        },
    )
    with documented_serve(tmp_home, "byokey serve") as server:
        openai_out = run_snippet(
            doc_block("clients.md", "clients:openai"),
            server_url=server.url,
            origin="docs/clients.md (openai)",
        )
        anthropic_out = run_snippet(
            doc_block("clients.md", "clients:anthropic"),
            server_url=server.url,
            origin="docs/clients.md (anthropic)",
        )
    assert openai_out == "Hello from the fake.\nHello from the fake.\n"
    assert anthropic_out == "Hello from the fake.\n"
    bodies = anthropic_fake.bodies
    assert [b["model"].startswith("claude-opus-4-6") for b in bodies] == [True] * 3
    assert [bool(b.get("stream")) for b in bodies] == [False, True, False]
