"""Micro-benchmark of byokey-translate: conversions and stream events per second.

Run with ``make bench-translate``. Three workloads:

* a small chat request (one system prompt, one user turn) for every ordered pair;
* a ~500 KB Claude Code-style Anthropic request (long system prompt, dozens of
  tools with JSON schemas, hundreds of turns with tool calls and results) into
  every other format;
* a stream of OpenAI chunks re-expressed as Anthropic events, and back.

Figures are wall-clock on this machine, best of several rounds, so one noisy
round does not decide the result.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from typing import Any

import orjson

from byokey_translate import Format, StreamConverter, convert_request
from byokey_translate._codecs import codec, stream_module

SMALL_OPENAI: dict[str, Any] = {
    "model": "claude-sonnet-4-5",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Write a haiku about the sea."},
    ],
    "max_tokens": 256,
    "temperature": 0.7,
}


def claude_code_request(target_bytes: int = 500_000) -> dict[str, Any]:
    """An Anthropic request shaped like Claude Code's, grown to ``target_bytes``."""
    tools = [
        {
            "name": f"tool_{i}",
            "description": "Runs an operation on the workspace. " * 8,
            "input_schema": {
                "type": "object",
                "properties": {
                    "path": {"type": "string", "description": "File path"},
                    "pattern": {"type": "string"},
                    "limit": {"type": "integer", "minimum": 1},
                    "options": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["path"],
            },
        }
        for i in range(40)
    ]
    system = [{"type": "text", "text": "You are Claude Code. " + "Follow the rules. " * 600}]
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Refactor the project."}]
    turn = 0
    body: dict[str, Any] = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 32000,
        "system": system,
        "tools": tools,
        "messages": messages,
        "stream": True,
    }
    while len(orjson.dumps(body)) < target_bytes:
        call_id = f"toolu_{turn:06d}"
        messages.append(
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": f"Step {turn}: reading the next file."},
                    {
                        "type": "tool_use",
                        "id": call_id,
                        "name": f"tool_{turn % 40}",
                        "input": {"path": f"src/module_{turn}.py", "limit": 200},
                    },
                ],
            }
        )
        messages.append(
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": call_id,
                        "content": "def f(x):\n    return x * 2\n" * 40,
                    }
                ],
            }
        )
        turn += 1
    return body


def openai_stream(n_text: int = 400) -> list[dict[str, Any]]:
    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    chunks = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
    chunks += [
        {**base, "choices": [{"index": 0, "delta": {"content": f"word{i} "}}]}
        for i in range(n_text)
    ]
    chunks.append(
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "read", "arguments": ""},
                            }
                        ]
                    },
                }
            ],
        }
    )
    chunks += [
        {
            **base,
            "choices": [
                {
                    "index": 0,
                    "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"a":1'}}]},
                }
            ],
        }
        for _ in range(50)
    ]
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    chunks.append({**base, "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 450}})
    return chunks


def _available(load: Callable[[Format], object], fmt: Format) -> bool:
    """Whether the module serving ``fmt`` is built (formats land one by one)."""
    try:
        load(fmt)
    except ModuleNotFoundError:
        return False
    return True


def best_rate(fn: Callable[[], int], *, seconds: float, rounds: int) -> float:
    """Best operations per second over ``rounds`` rounds of about ``seconds`` each."""
    best = 0.0
    for _ in range(rounds):
        ops = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            ops += fn()
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, ops / (now - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    formats = [fmt for fmt in Format if _available(codec, fmt)]
    stream_formats = [fmt for fmt in formats if _available(stream_module, fmt)]

    small = {
        fmt: convert_request(SMALL_OPENAI, source=Format.OPENAI, target=fmt) for fmt in formats
    }
    print("small chat request, conversions/s")
    for src, dst in itertools.permutations(formats, 2):
        body = small[src]
        rate = best_rate(
            lambda b=body, s=src, d=dst: (convert_request(b, source=s, target=d), 1)[1],
            seconds=args.seconds,
            rounds=args.rounds,
        )
        print(f"  {src.value:>16} -> {dst.value:<16} {rate:>10,.0f}")

    big = claude_code_request()
    size_kb = len(orjson.dumps(big)) / 1024
    print(
        f"Claude Code-style request ({size_kb:,.0f} KB, {len(big['messages'])} messages), conversions/s"
    )
    for dst in formats:
        if dst is Format.ANTHROPIC:
            continue
        rate = best_rate(
            lambda d=dst: (convert_request(big, source=Format.ANTHROPIC, target=d), 1)[1],
            seconds=args.seconds * 2,
            rounds=args.rounds,
        )
        print(
            f"  {'anthropic':>16} -> {dst.value:<16} {rate:>10,.1f}   ({rate * size_kb / 1024:,.1f} MB/s)"
        )

    chunks = openai_stream()
    print(f"stream conversion ({len(chunks)} OpenAI chunks per stream), source events/s")
    if Format.OPENAI not in stream_formats:
        print("  (no stream modules yet)")
    for dst in [f for f in stream_formats if f is not Format.OPENAI]:

        def run(d: Format = dst) -> int:
            conv = StreamConverter(Format.OPENAI, d)
            for chunk in chunks:
                conv.feed(None, chunk)
            conv.feed(None, "[DONE]")
            conv.finish()
            return len(chunks)

        rate = best_rate(run, seconds=args.seconds, rounds=args.rounds)
        print(f"  {'openai':>16} -> {dst.value:<16} {rate:>10,.0f}")


if __name__ == "__main__":
    main()
