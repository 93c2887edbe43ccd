"""Micro-benchmark of byokey-translate: conversions and stream events per second.

Run with ``make bench-translate`` (``BENCH_ARGS="--seconds 1"`` for longer rounds).
Workloads:

* a small chat request (one system prompt, one user turn) for every ordered pair;
* a ~500 KB Claude Code-style request (long system prompt, dozens of tools with
  JSON schemas, hundreds of turns with tool calls and results), built in
  Anthropic's format and converted from it into each other format, and from
  the OpenAI, Responses and Gemini versions of it back into Anthropic's;
* streams through :class:`StreamConverter`: an OpenAI chunk stream with
  reasoning, text and a tool call, and the same stream as Anthropic, Responses
  and Gemini events, each re-expressed in other formats; plus one full path
  (SSE bytes decoded, converted, encoded again).

Figures are wall-clock on this machine, best of several rounds, so one noisy
round does not decide the result. The default run takes about 40 seconds.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from typing import Any

import orjson

from byokey_translate import Format, SSEDecoder, StreamConverter, convert_request, encode_sse

Frames = list[tuple[str | None, Any]]

SMALL_OPENAI: dict[str, Any] = {
    "model": "claude-sonnet-4-5",
    "messages": [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Write a haiku about the sea."},
    ],
    "max_tokens": 256,
    "temperature": 0.7,
}

BIG_PAIRS = [
    (Format.ANTHROPIC, Format.OPENAI),
    (Format.OPENAI, Format.ANTHROPIC),
    (Format.ANTHROPIC, Format.OPENAI_RESPONSES),
    (Format.OPENAI_RESPONSES, Format.ANTHROPIC),
    (Format.ANTHROPIC, Format.GEMINI),
    (Format.GEMINI, Format.ANTHROPIC),
    (Format.ANTHROPIC, Format.GEMINI_CLOUDCODE),
]
STREAM_PAIRS = [
    (Format.ANTHROPIC, Format.OPENAI),
    (Format.OPENAI, Format.ANTHROPIC),
    (Format.OPENAI_RESPONSES, Format.ANTHROPIC),
    (Format.OPENAI_RESPONSES, Format.OPENAI),
    (Format.OPENAI, Format.OPENAI_RESPONSES),
    (Format.ANTHROPIC, Format.OPENAI_RESPONSES),
    (Format.GEMINI, Format.OPENAI),
    (Format.OPENAI, Format.GEMINI),
]


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


def openai_stream(n_reasoning: int = 100, n_text: int = 400, n_args: int = 50) -> Frames:
    """An OpenAI chunk stream: reasoning deltas, text deltas, one tool call, usage."""
    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1, "model": "m"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"reasoning_content": f"thought{i} "}) for i in range(n_reasoning)]
    chunks += [chunk({"content": f"word{i} "}) for i in range(n_text)]
    call = {"index": 0, "id": "call_1", "type": "function"}
    chunks.append(chunk({"tool_calls": [{**call, "function": {"name": "read", "arguments": ""}}]}))
    piece = {"index": 0, "function": {"arguments": '{"a":1'}}
    chunks += [chunk({"tool_calls": [piece]}) for _ in range(n_args)]
    chunks.append(chunk({}, "tool_calls"))
    chunks.append({**base, "choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 450}})
    return [(None, c) for c in chunks] + [(None, "[DONE]")]


def convert_stream(frames: Frames, source: Format, target: Format) -> Frames:
    conv = StreamConverter(source, target)
    out: Frames = []
    for name, data in frames:
        out.extend(conv.feed(name, data))
    out.extend(conv.finish())
    return out


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


def bench_small(seconds: float, rounds: int) -> None:
    small = {fmt: convert_request(SMALL_OPENAI, source=Format.OPENAI, target=fmt) for fmt in Format}
    print("small chat request, conversions/s")
    for src, dst in itertools.permutations(Format, 2):

        def run(b: dict[str, Any] = small[src], s: Format = src, d: Format = dst) -> int:
            convert_request(b, source=s, target=d)
            return 1

        rate = best_rate(run, seconds=seconds, rounds=rounds)
        print(f"  {src.value:>16} -> {dst.value:<16} {rate:>10,.0f}")


def bench_big(seconds: float, rounds: int) -> None:
    anthropic = claude_code_request()
    bodies = {Format.ANTHROPIC: anthropic}
    for fmt in (Format.OPENAI, Format.OPENAI_RESPONSES, Format.GEMINI):
        bodies[fmt] = convert_request(anthropic, source=Format.ANTHROPIC, target=fmt)
    print(
        f"Claude Code-style request ({len(anthropic['messages'])} messages, "
        f"{len(anthropic['tools'])} tools), conversions/s"
    )
    for src, dst in BIG_PAIRS:
        body = bodies[src]
        size_kb = len(orjson.dumps(body)) / 1024

        def run(b: dict[str, Any] = body, s: Format = src, d: Format = dst) -> int:
            convert_request(b, source=s, target=d)
            return 1

        rate = best_rate(run, seconds=seconds, rounds=rounds)
        print(
            f"  {src.value:>16} -> {dst.value:<16} {rate:>10,.1f}"
            f"   ({size_kb:,.0f} KB in, {rate * size_kb / 1024:,.1f} MB/s)"
        )


def bench_streams(seconds: float, rounds: int) -> None:
    streams: dict[Format, Frames] = {Format.OPENAI: openai_stream()}
    for fmt in (Format.ANTHROPIC, Format.OPENAI_RESPONSES, Format.GEMINI):
        streams[fmt] = convert_stream(streams[Format.OPENAI], Format.OPENAI, fmt)
    print("stream conversion through StreamConverter, source events/s")
    for src, dst in STREAM_PAIRS:
        frames = streams[src]
        produced = len(convert_stream(frames, src, dst))

        def run(f: Frames = frames, s: Format = src, d: Format = dst) -> int:
            convert_stream(f, s, d)
            return len(f)

        rate = best_rate(run, seconds=seconds, rounds=rounds)
        print(
            f"  {src.value:>16} -> {dst.value:<16} {rate:>10,.0f}"
            f"   ({len(frames)} events in, {produced} out)"
        )
    raw = b"".join(encode_sse(name, data) for name, data in streams[Format.ANTHROPIC])
    step = 1400  # about one TCP segment per read

    def full_path() -> int:
        decoder = SSEDecoder()
        conv = StreamConverter(Format.ANTHROPIC, Format.OPENAI)
        out = bytearray()
        for i in range(0, len(raw), step):
            for event in decoder.feed(raw[i : i + step]):
                for name, data in conv.feed(event.event, event.data):
                    out += encode_sse(name, data)
        for event in decoder.finish():
            for name, data in conv.feed(event.event, event.data):
                out += encode_sse(name, data)
        for name, data in conv.finish():
            out += encode_sse(name, data)
        return len(streams[Format.ANTHROPIC])

    rate = best_rate(full_path, seconds=seconds, rounds=rounds)
    mb = rate / len(streams[Format.ANTHROPIC]) * len(raw) / 2**20
    print(f"  anthropic SSE bytes -> openai SSE bytes {rate:>10,.0f}   ({mb:,.1f} MB/s decoded)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.2, help="length of one round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    start = time.perf_counter()
    bench_small(args.seconds, args.rounds)
    bench_big(args.seconds * 2.5, args.rounds)
    bench_streams(args.seconds * 1.5, args.rounds)
    print(f"total {time.perf_counter() - start:,.1f} s")


if __name__ == "__main__":
    main()
