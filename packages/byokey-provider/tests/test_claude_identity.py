"""Claude device profiles, fingerprint headers, billing header, cloaking and tool renaming."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st

from byokey_config import ClaudeHeaderDefaults, CloakConfig
from byokey_provider._claude_cloak import (
    CLAUDE_CODE_PREFIX,
    CloakIds,
    account_uuid,
    apply_billing_header,
    billing_block,
    cloak_body,
    obfuscate,
)
from byokey_provider._claude_identity import (
    PROFILE_TTL_SECONDS,
    DeviceProfile,
    DeviceProfileCache,
    ProfileDefaults,
    fingerprint_headers,
    parse_cli_version,
)
from byokey_provider._claude_tools import CLAUDE_CODE_TOOL_NAMES, ToolNameMap
from byokey_provider._version_store import VersionInfo, VersionStore
from byokey_types import ProviderId

ZW = "\u200b"
IDS = CloakIds(device_id="d" * 64, account_uuid=account_uuid("global"), session_id="s-1")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_parse_cli_version() -> None:
    assert parse_cli_version("claude-cli/2.1.109 (external, cli)") == (2, 1, 109)
    assert parse_cli_version("claude-cli/3.0.0(x)") == (3, 0, 0)
    assert parse_cli_version("cli/1.2") is None
    assert parse_cli_version("no-slash") is None
    assert parse_cli_version("cli/1.x.3") is None


def test_fresh_profile_is_baseline_with_random_ids() -> None:
    a, b = DeviceProfile.fresh(), DeviceProfile.fresh()
    assert a.user_agent == "claude-cli/2.1.109 (external, cli)"
    assert (a.package_version, a.runtime_version, a.os, a.arch) == (
        "0.74.0",
        "v24.14.1",
        "MacOS",
        "arm64",
    )
    assert a.version == (2, 1, 109)
    assert re.fullmatch(r"[0-9a-f]{64}", a.device_id)
    assert re.fullmatch(r"[0-9a-f-]{36}", a.session_id)
    assert a.device_id != b.device_id and a.session_id != b.session_id
    assert a.device_id not in repr(a)


def test_profile_cache_is_stable_for_seven_days_then_renews() -> None:
    clock = Clock()
    cache = DeviceProfileCache(clock=clock)
    first = cache.resolve("global")
    assert cache.resolve("global") is first
    assert cache.resolve("api_key:sk-1") is not first
    clock.now += PROFILE_TTL_SECONDS - 1
    assert cache.resolve("global") is first
    clock.now += 1
    assert cache.resolve("global") is not first


def test_profile_upgrade_follows_newer_clients_only() -> None:
    cache = DeviceProfileCache(clock=Clock())
    base = cache.resolve("global")
    assert cache.resolve_or_upgrade("global", "claude-cli/2.1.100 (external, cli)") is base
    assert cache.resolve_or_upgrade("global", "curl/8") is base
    assert cache.resolve_or_upgrade("global", None) is base
    newer = cache.resolve_or_upgrade("global", "claude-cli/2.2.0 (external, cli)")
    assert newer.user_agent == "claude-cli/2.2.0 (external, cli)"
    assert newer.version == (2, 2, 0)
    assert newer.device_id != base.device_id
    assert cache.resolve("global") is newer
    assert cache.resolve_or_upgrade("global", "claude-cli/2.1.200 (external, cli)") is newer


def test_defaults_config_over_versions_over_compiled() -> None:
    assert ProfileDefaults.resolve() == ProfileDefaults()
    versions = VersionStore(
        {
            ProviderId.CLAUDE: VersionInfo(
                cli_version="2.5.0",
                user_agent="claude-cli/2.5.0 (external, cli)",
                stainless_package_version="0.80.0",
            )
        }
    )
    from_store = ProfileDefaults.resolve(None, versions)
    assert from_store.user_agent == "claude-cli/2.5.0 (external, cli)"
    assert from_store.package_version == "0.80.0"
    assert from_store.runtime_version == "v24.14.1"
    assert from_store.cli_version == "2.5.0"
    config = ClaudeHeaderDefaults(
        user_agent="claude-cli/2.6.1 (external, cli)", os="Linux", arch="x64", timeout=300
    )
    both = ProfileDefaults.resolve(config, versions)
    assert (both.user_agent, both.os, both.arch, both.timeout, both.cli_version) == (
        "claude-cli/2.6.1 (external, cli)",
        "Linux",
        "x64",
        300,
        "2.6.1",
    )
    assert both.package_version == "0.80.0"


def test_fingerprint_headers() -> None:
    profile = DeviceProfile.fresh()
    one = fingerprint_headers(profile)
    two = fingerprint_headers(profile, timeout=300)
    assert one == {
        "anthropic-dangerous-direct-browser-access": "true",
        "x-app": "cli",
        "user-agent": profile.user_agent,
        "x-claude-code-session-id": profile.session_id,
        "x-stainless-lang": "js",
        "x-stainless-runtime": "node",
        "x-stainless-runtime-version": "v24.14.1",
        "x-stainless-package-version": "0.74.0",
        "x-stainless-os": "MacOS",
        "x-stainless-arch": "arm64",
        "x-stainless-retry-count": "0",
        "x-stainless-timeout": "600",
        "x-client-request-id": one["x-client-request-id"],
    }
    assert two["x-stainless-timeout"] == "300"
    assert one["x-client-request-id"] != two["x-client-request-id"]


# ----------------------------------------------------------------- billing and cloak


def _body(first_user: Any, system: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "claude-opus-4-6",
        "messages": [{"role": "user", "content": first_user}],
    }
    if system is not None:
        body["system"] = system
    return body


def test_billing_vectors() -> None:
    block = billing_block(_body("Hello, world! This is a test message."))
    assert block == {
        "type": "text",
        "text": "x-anthropic-billing-header: cc_version=2.1.109.bc3; cc_entrypoint=cli;",
    }
    assert billing_block(_body(""))["text"].endswith("2.1.109.6b0; cc_entrypoint=cli;")
    blocks = [
        {"type": "image", "source": {}},
        {"type": "text", "text": "Hello, world! This is a test message."},
    ]
    assert "bc3" in billing_block(_body(blocks))["text"]
    newer = billing_block(_body("abc"), cli_version="3.0.0")["text"]
    fp = hashlib.sha256(b"59cf53e54c78000" + b"3.0.0").hexdigest()[:3]
    assert newer == f"x-anthropic-billing-header: cc_version=3.0.0.{fp}; cc_entrypoint=cli;"


def test_account_uuid_vector() -> None:
    assert account_uuid("global") == "58538c3e-4faa-538b-92d5-daac7840d58d"


def test_light_billing_header_orders_system_and_keeps_the_rest() -> None:
    body = _body("hi", system="Be terse.")
    out = apply_billing_header(body, IDS)
    assert [b["text"] for b in out["system"]][1:] == [CLAUDE_CODE_PREFIX, "Be terse."]
    assert out["system"][0]["text"].startswith("x-anthropic-billing-header")
    assert orjson.loads(out["metadata"]["user_id"]) == {
        "device_id": "d" * 64,
        "account_uuid": "58538c3e-4faa-538b-92d5-daac7840d58d",
        "session_id": "s-1",
    }
    assert body["system"] == "Be terse."  # input untouched
    assert "metadata" not in apply_billing_header(body)
    # already-cloaked bodies are left as they are (idempotent)
    assert apply_billing_header(out, IDS)["system"] == out["system"]


def test_existing_billing_and_prefix_blocks_move_to_the_front() -> None:
    system = [
        {"type": "text", "text": "mine"},
        {"type": "text", "text": "You are Claude Code, custom."},
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=9; cc_entrypoint=cli;"},
    ]
    out = apply_billing_header(_body("hi", system=system))
    assert [b["text"] for b in out["system"]] == [
        "x-anthropic-billing-header: cc_version=9; cc_entrypoint=cli;",
        "You are Claude Code, custom.",
        "mine",
    ]


def test_strict_cloaking_drops_caller_system_and_obfuscates() -> None:
    body = _body(
        "Contact anthropic for help.", system=[{"type": "text", "text": "about Anthropic"}]
    )
    body["messages"].append(
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "ANTHROPIC"},
                {"type": "tool_use", "id": "t", "name": "anthropic", "input": {}},
            ],
        }
    )
    body["metadata"] = {"other": 1}
    config = CloakConfig(enabled=True, strict_mode=False, sensitive_words=("anthropic",))
    out = cloak_body(body, config, IDS)
    assert out["messages"][0]["content"] == f"Contact a{ZW}nthropic for help."
    assert out["messages"][1]["content"][0]["text"] == f"A{ZW}NTHROPIC"
    assert out["messages"][1]["content"][1]["name"] == "anthropic"  # only text is touched
    assert out["system"][1]["text"] == CLAUDE_CODE_PREFIX  # identity lines stay verbatim
    assert out["system"][2]["text"] == f"about A{ZW}nthropic"
    assert out["metadata"]["other"] == 1 and "user_id" in out["metadata"]
    strict = cloak_body(body, CloakConfig(enabled=True, strict_mode=True), IDS)
    assert len(strict["system"]) == 2
    assert strict["messages"] == body["messages"]


def test_obfuscate_longest_first() -> None:
    assert obfuscate("anthropic ant", ["ant", "anthropic"]) == f"a{ZW}nthropic a{ZW}nt"
    assert obfuscate("nothing here", ["", "zzz"]) == "nothing here"


@given(st.text(), st.lists(st.text(min_size=1, max_size=5), max_size=3))
def test_obfuscate_only_inserts_zero_width_spaces(text: str, words: list[str]) -> None:
    if ZW in text or any(ZW in w for w in words):
        return
    assert obfuscate(text, words).replace(ZW, "") == text


# ----------------------------------------------------------------------- tool names


def test_tool_renaming_round_trip() -> None:
    names = ToolNameMap()
    request = {
        "tools": [{"name": "bash", "input_schema": {}}, {"name": "custom"}, {"name": "Bash2"}],
        "tool_choice": {"type": "tool", "name": "read"},
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "bash"},
                    {"type": "tool_use", "id": "t1", "name": "webfetch", "input": {}},
                ],
            },
        ],
    }
    out = names.request(request)
    assert [t["name"] for t in out["tools"]] == ["Bash", "custom", "Bash2"]
    assert out["tool_choice"]["name"] == "Read"
    assert out["messages"][1]["content"][1]["name"] == "WebFetch"
    assert out["messages"][1]["content"][0]["text"] == "bash"
    assert request["tools"][0]["name"] == "bash"  # input untouched
    response = {"content": [{"type": "tool_use", "id": "t", "name": "TodoWrite", "input": {}}]}
    assert names.response(response)["content"][0]["name"] == "todowrite"
    event = {
        "type": "content_block_start",
        "index": 0,
        "content_block": {"type": "tool_use", "name": "LS"},
    }
    assert names.stream_event(event)["content_block"]["name"] == "ls"
    other = {"type": "content_block_start", "content_block": {"type": "tool_use", "name": "bash"}}
    assert names.stream_event(other) is other
    assert len(CLAUDE_CODE_TOOL_NAMES) == 14


def test_custom_tool_map() -> None:
    names = ToolNameMap({"shell": "Bash"})
    assert names.request({"tools": [{"name": "shell"}, {"name": "bash"}]})["tools"] == [
        {"name": "Bash"},
        {"name": "bash"},
    ]
    assert (
        names.response({"content": [{"type": "tool_use", "name": "Bash"}]})["content"][0]["name"]
        == "shell"
    )
