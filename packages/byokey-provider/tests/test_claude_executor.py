"""ClaudeExecutor against the Anthropic fake on 127.0.0.1: URL, headers and body in
API-key and OAuth (Claude Code) mode, JSON and SSE answers cut at awkward byte
boundaries, tool names mapped out and back, thinking, and upstream errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

import orjson
import pytest

from byokey_config import (
    ApiKeyEntry,
    ClaudeHeaderDefaults,
    CloakConfig,
    Endpoints,
    ProviderConfig,
    RoutingStrategy,
    Settings,
)
from byokey_provider import (
    ConfigCredentials,
    ProviderGateway,
    RateLimitBook,
    UpstreamHttp,
)
from byokey_provider._claude import ClaudeExecutor, messages_url
from byokey_provider._claude_cloak import CLAUDE_CODE_PREFIX, account_uuid, billing_block
from byokey_provider._claude_identity import ANTHROPIC_BETA
from byokey_provider._executors import EXECUTORS
from byokey_provider._version_store import VersionInfo, VersionStore
from byokey_types import (
    AccountInfo,
    ChatRequest,
    ChatResponse,
    ChatStream,
    OAuthToken,
    ProviderId,
    RateLimited,
    SSEEvent,
    TransportError,
    UpstreamError,
    WireFormat,
)
from tests.fakes.anthropic import MESSAGES_PATH, OAUTH_BETA, AnthropicFake, error_event
from tests.fakes.content import answer, thinking, tool_call
from tests.fakes.server import FakeServer

C = ProviderId.CLAUDE
KEY = "sk-ant-api03-fake-claude-key-0123456789"
TOKEN = "sk-ant-oat01-fake-claude-oauth-token-0123456789"
ACCOUNT = "0f9e8d7c-6b5a-4f3e-9d2c-1b0a99887766"
BASH_TOOL = {"name": "bash", "description": "run", "input_schema": {"type": "object"}}
ANTHROPIC = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 256,
    "system": "Be terse.",
    "messages": [{"role": "user", "content": "Hello, world! This is a test message."}],
}
CHAT = {
    "model": "claude-sonnet-4-5",
    "messages": [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": "List files"},
    ],
    "tools": [
        {
            "type": "function",
            "function": {"name": "bash", "parameters": {"type": "object"}},
        }
    ],
}
FINGERPRINT = (
    "anthropic-dangerous-direct-browser-access",
    "x-app",
    "user-agent",
    "x-claude-code-session-id",
    "x-stainless-lang",
    "x-stainless-runtime",
    "x-stainless-runtime-version",
    "x-stainless-package-version",
    "x-stainless-os",
    "x-stainless-arch",
    "x-stainless-retry-count",
    "x-stainless-timeout",
    "x-client-request-id",
)


class Tokens:
    """The Claude login: one active account whose token names its account UUID."""

    def __init__(self, metadata: dict[str, str] | None = None) -> None:
        self.metadata = {"account_uuid": ACCOUNT} if metadata is None else metadata

    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        assert provider is C
        return OAuthToken(TOKEN, metadata=self.metadata)


@pytest.fixture
def http(pool: UpstreamHttp) -> UpstreamHttp:
    """The shared pool of the package's conftest."""
    return pool


@pytest.fixture
def fake() -> Iterator[AnthropicFake]:
    with FakeServer("anthropic") as server:
        fake = AnthropicFake(server)
        fake.accept_only(KEY, "sk-ant-second-key-000000", TOKEN)
        fake.require_oauth_beta = True
        yield fake


def executor(
    fake: AnthropicFake,
    http: UpstreamHttp,
    *,
    api_keys: tuple[ApiKeyEntry, ...] = (),
    tokens: Tokens | None = None,
    versions: VersionStore | None = None,
    ratelimits: RateLimitBook | None = None,
    **config: Any,
) -> ClaudeExecutor:
    settings = Settings(
        providers={C: ProviderConfig(base_url=fake.url, api_keys=api_keys, **config)}
    )
    return ClaudeExecutor(
        C,
        settings,
        ConfigCredentials(settings, tokens or Tokens()),
        http,
        versions=versions,
        ratelimits=ratelimits,
    )


def keyed(fake: AnthropicFake, http: UpstreamHttp, **kw: Any) -> ClaudeExecutor:
    return executor(fake, http, api_keys=(ApiKeyEntry(api_key=KEY, label="main"),), **kw)


async def events_of(response: object) -> list[SSEEvent]:
    assert isinstance(response, ChatStream)
    return [e async for e in response.events]


def anthropic_request(
    body: dict[str, Any], *, account_id: str | None = None, **headers: str
) -> ChatRequest:
    return ChatRequest(body, format=WireFormat.ANTHROPIC, headers=headers, account_id=account_id)


def test_registered_for_claude() -> None:
    assert EXECUTORS[C] is ClaudeExecutor


def test_messages_url() -> None:
    assert messages_url("https://api.anthropic.com/") == (
        "https://api.anthropic.com/v1/messages?beta=true"
    )
    assert messages_url("http://127.0.0.1:9/v1") == "http://127.0.0.1:9/v1/messages?beta=true"


# ------------------------------------------------------------------- API-key mode


async def test_api_key_mode_openai_client_headers_body_and_answer(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    fake.reply_with(answer("Here: ", tool_call("bash", {"cmd": "ls"})))
    response = await keyed(fake, http).chat(ChatRequest(CHAT))

    sent = fake.last_request
    assert sent.path == MESSAGES_PATH and sent.query == {"beta": "true"}
    sent.assert_header("x-api-key", KEY)
    sent.assert_no_header("authorization")
    sent.assert_header("anthropic-version", "2023-06-01")
    betas = sent.headers["anthropic-beta"].split(",")
    assert OAUTH_BETA not in betas
    assert betas == [b for b in ANTHROPIC_BETA.split(",") if b != OAUTH_BETA]
    sent.assert_header("content-type", "application/json")
    sent.assert_header("accept", "application/json")
    sent.assert_header("accept-encoding", "identity")
    for name in FINGERPRINT:
        sent.assert_header(name)
    sent.assert_header("user-agent", "claude-cli/2.1.109 (external, cli)")
    sent.assert_header("x-app", "cli")
    assert re.fullmatch(r"[0-9a-f-]{36}", sent.headers["x-client-request-id"])

    body = sent.json()
    assert body["model"] == "claude-sonnet-4-5"
    assert body["system"] == [
        {"type": "text", "text": "Be terse.", "cache_control": {"type": "ephemeral"}}
    ]
    assert body["tools"][0]["name"] == "bash"  # no renaming with an API key
    assert body["tools"][0]["cache_control"] == {"type": "ephemeral"}
    assert "metadata" not in body and "stream" not in body

    assert isinstance(response, ChatResponse) and response.format is WireFormat.OPENAI
    message = response.body["choices"][0]["message"]
    assert message["content"] == "Here: "
    assert message["tool_calls"][0]["function"]["name"] == "bash"
    assert response.body["choices"][0]["finish_reason"] == "tool_calls"


async def test_api_key_mode_anthropic_stream_passes_events_through(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    fake.shape_streams(split="every_byte")
    fake.reply_with(answer(thinking("hmm"), "Grüße 👋 — done", chunk_size=3))
    request = anthropic_request({**ANTHROPIC, "stream": True})
    events = await events_of(await keyed(fake, http).chat(request))

    sent = fake.last_request
    sent.assert_header("accept", "text/event-stream")
    body = sent.json()
    assert body["stream"] is True
    assert body["system"] == "Be terse."  # passthrough: no breakpoints, no identity blocks
    assert [e.event for e in events][:2] == ["message_start", "content_block_start"]
    assert events[-1].event == "message_stop"
    texts = [
        e.data["delta"].get("text", "")
        for e in events
        if isinstance(e.data, dict) and e.event == "content_block_delta"
    ]
    assert "".join(texts) == "Grüße 👋 — done"
    assert all(e.event == e.data["type"] for e in events if isinstance(e.data, dict))


async def test_client_betas_merged_once_and_body_member_removed(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    body = {**ANTHROPIC, "betas": ["context-1m-2025-08-07", "effort-2025-11-24"]}
    request = anthropic_request(
        body, **{"anthropic-beta": "files-api-2025-04-14, claude-code-20250219"}
    )
    await keyed(fake, http).chat(request)
    sent = fake.last_request
    betas = sent.headers["anthropic-beta"].split(",")
    assert betas[-2:] == ["files-api-2025-04-14", "context-1m-2025-08-07"]
    assert len(betas) == len(set(betas))
    assert "betas" not in sent.json()


# --------------------------------------------------------------------- OAuth mode


async def test_oauth_mode_identity_billing_and_tool_names(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    fake.reply_with(answer("ok", tool_call("Bash", {"cmd": "ls"}), tool_call("Read", {"p": "x"})))
    body = {
        **ANTHROPIC,
        "tools": [BASH_TOOL, {"name": "read", "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "auto"},
    }
    response = await executor(fake, http).chat(anthropic_request(body))

    sent = fake.last_request
    sent.assert_header("authorization", f"Bearer {TOKEN}")
    sent.assert_no_header("x-api-key")
    assert sent.headers["anthropic-beta"] == ANTHROPIC_BETA
    sent_body = sent.json()
    system = sent_body["system"]
    assert system[0] == billing_block(ANTHROPIC)
    assert system[0]["text"] == (
        "x-anthropic-billing-header: cc_version=2.1.109.bc3; cc_entrypoint=cli;"
    )
    assert system[1] == {"type": "text", "text": CLAUDE_CODE_PREFIX}
    assert system[2] == {"type": "text", "text": "Be terse."}
    user = orjson.loads(sent_body["metadata"]["user_id"])
    assert user["account_uuid"] == ACCOUNT
    assert user["session_id"] == sent.headers["x-claude-code-session-id"]
    assert re.fullmatch(r"[0-9a-f]{64}", user["device_id"])
    assert [t["name"] for t in sent_body["tools"]] == ["Bash", "Read"]

    assert isinstance(response, ChatResponse) and response.format is WireFormat.ANTHROPIC
    names = [b["name"] for b in response.body["content"] if b["type"] == "tool_use"]
    assert names == ["bash", "read"]


async def test_oauth_account_uuid_falls_back_to_the_scope(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    await executor(fake, http, tokens=Tokens(metadata={})).chat(anthropic_request(ANTHROPIC))
    user = orjson.loads(fake.last_request.json()["metadata"]["user_id"])
    assert user["account_uuid"] == account_uuid("global")
    assert user["account_uuid"] == "58538c3e-4faa-538b-92d5-daac7840d58d"


async def test_oauth_stream_reverse_maps_tool_names_split_every_byte(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    fake.shape_streams(split="every_byte")
    fake.reply_with(answer("Läuft 🚀", tool_call("Bash", {"cmd": "ls -la"}), chunk_size=2))
    body = {**ANTHROPIC, "stream": True, "tools": [BASH_TOOL]}
    events = await events_of(await executor(fake, http).chat(anthropic_request(body)))

    assert fake.last_request.json()["tools"][0]["name"] == "Bash"
    starts = [
        e.data["content_block"]
        for e in events
        if isinstance(e.data, dict) and e.event == "content_block_start"
    ]
    assert [b["type"] for b in starts] == ["text", "tool_use"]
    assert starts[1]["name"] == "bash"
    deltas = [e.data["delta"] for e in events if isinstance(e.data, dict) and "delta" in e.data]
    assert "".join(d.get("text", "") for d in deltas) == "Läuft 🚀"
    assert orjson.loads("".join(d.get("partial_json", "") for d in deltas)) == {"cmd": "ls -la"}


async def test_oauth_openai_client_stream_sees_its_own_tool_name(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    fake.shape_streams(split="random", seed=11)
    fake.reply_with(answer(tool_call("Bash", {"cmd": "pwd"})))
    events = await events_of(await executor(fake, http).chat(ChatRequest({**CHAT, "stream": True})))

    sent = fake.last_request.json()
    assert sent["tools"][0]["name"] == "Bash"
    assert sent["system"][0]["text"].startswith("x-anthropic-billing-header")
    assert sent["system"][-1]["cache_control"] == {"type": "ephemeral"}
    calls = [
        call
        for e in events
        if isinstance(e.data, dict)
        for choice in e.data.get("choices", [])
        for call in choice["delta"].get("tool_calls") or []
    ]
    assert calls[0]["function"]["name"] == "bash"
    assert events[-1].data == "[DONE]"


async def test_titlecase_names_sent_by_the_client_are_not_lowercased(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    fake.reply_with(answer(tool_call("Bash", {})), answer(tool_call("Bash", {})))
    own = {**ANTHROPIC, "tools": [{**BASH_TOOL, "name": "Bash"}]}
    response = await executor(fake, http).chat(anthropic_request(own))
    assert isinstance(response, ChatResponse)
    assert response.body["content"][0]["name"] == "Bash"

    both = {**ANTHROPIC, "tools": [BASH_TOOL, {**BASH_TOOL, "name": "Bash"}]}
    response = await executor(fake, http).chat(anthropic_request(both))
    assert [t["name"] for t in fake.last_request.json()["tools"]] == ["bash", "Bash"]
    assert isinstance(response, ChatResponse)
    assert response.body["content"][0]["name"] == "Bash"


async def test_device_profile_is_stable_unless_switched_off(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    ex = executor(fake, http)
    for _ in range(2):
        await ex.chat(anthropic_request(ANTHROPIC))
    one, two = fake.message_requests[-2:]
    assert one.headers["x-claude-code-session-id"] == two.headers["x-claude-code-session-id"]
    assert one.json()["metadata"] == two.json()["metadata"]
    assert one.headers["x-client-request-id"] != two.headers["x-client-request-id"]

    fresh = executor(
        fake, http, claude_headers=ClaudeHeaderDefaults(stabilize_device_profile=False)
    )
    for _ in range(2):
        await fresh.chat(anthropic_request(ANTHROPIC))
    three, four = fake.message_requests[-2:]
    assert three.headers["x-claude-code-session-id"] != four.headers["x-claude-code-session-id"]


async def test_identity_from_config_over_version_store(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    versions = VersionStore(
        {
            C: VersionInfo(
                cli_version="2.3.0",
                user_agent="claude-cli/2.3.0 (external, cli)",
                stainless_package_version="0.80.0",
            )
        }
    )
    await executor(fake, http, versions=versions).chat(anthropic_request(ANTHROPIC))
    sent = fake.last_request
    sent.assert_header("user-agent", "claude-cli/2.3.0 (external, cli)")
    sent.assert_header("x-stainless-package-version", "0.80.0")
    assert "cc_version=2.3.0." in sent.json()["system"][0]["text"]

    config = ClaudeHeaderDefaults(
        user_agent="claude-cli/2.4.1 (external, cli)", os="Linux", arch="x64", timeout=120
    )
    await executor(fake, http, versions=versions, claude_headers=config).chat(
        anthropic_request(ANTHROPIC)
    )
    sent = fake.last_request
    sent.assert_header("user-agent", "claude-cli/2.4.1 (external, cli)")
    sent.assert_header("x-stainless-os", "Linux")
    sent.assert_header("x-stainless-arch", "x64")
    sent.assert_header("x-stainless-timeout", "120")
    sent.assert_header("x-stainless-package-version", "0.80.0")
    assert "cc_version=2.4.1." in sent.json()["system"][0]["text"]


async def test_full_cloaking_from_settings(fake: AnthropicFake, http: UpstreamHttp) -> None:
    cloak = CloakConfig(enabled=True, strict_mode=True, sensitive_words=("opencode",))
    body = {
        **ANTHROPIC,
        "system": [{"type": "text", "text": "You are OpenCode."}],
        "messages": [{"role": "user", "content": "Ask OpenCode to list files"}],
    }
    await executor(fake, http, cloak=cloak).chat(anthropic_request(body))
    sent = fake.last_request.json()
    assert [b["text"] for b in sent["system"]][1:] == [CLAUDE_CODE_PREFIX]
    assert sent["messages"][0]["content"] == "Ask O\u200bpenCode to list files"
    assert "user_id" in sent["metadata"]


async def test_key_mode_ignores_cloak_settings(fake: AnthropicFake, http: UpstreamHttp) -> None:
    cloak = CloakConfig(enabled=True, sensitive_words=("terse",))
    await keyed(fake, http, cloak=cloak).chat(anthropic_request(ANTHROPIC))
    assert fake.last_request.json()["system"] == "Be terse."


# ----------------------------------------------------------------------- thinking


@pytest.mark.parametrize(
    ("model", "openai_client", "thinking", "effort"),
    [
        ("claude-opus-4-6(high)", False, {"type": "adaptive"}, "high"),
        ("claude-sonnet-4-5(8192)", True, {"type": "enabled", "budget_tokens": 8192}, None),
    ],
)
async def test_thinking_suffix_and_temperature(
    fake: AnthropicFake,
    http: UpstreamHttp,
    model: str,
    openai_client: bool,
    thinking: dict[str, Any],
    effort: str | None,
) -> None:
    if openai_client:
        request = ChatRequest({**CHAT, "model": model, "temperature": 0.5})
    else:
        request = anthropic_request({**ANTHROPIC, "model": model, "temperature": 0.2})
    await keyed(fake, http).chat(request)
    sent = fake.last_request.json()
    assert sent["model"] == model.partition("(")[0]
    assert sent["thinking"] == thinking
    assert sent.get("output_config", {}).get("effort") == effort
    assert sent["temperature"] == 1
    if thinking["type"] == "enabled":
        assert sent["max_tokens"] > thinking["budget_tokens"]


async def test_passthrough_sanitising(fake: AnthropicFake, http: UpstreamHttp) -> None:
    body = {
        **ANTHROPIC,
        "model": "claude-opus-4-6",
        "system": [{"type": "text", "text": ""}],
        "thinking": {"type": "auto"},
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "x", "signature": "gemini#QzZ"},
                    {"type": "thinking", "thinking": "y", "signature": "EqQBreal"},
                    {"type": "text", "text": "hello"},
                ],
            },
            {"role": "user", "content": "again"},
        ],
    }
    await keyed(fake, http).chat(anthropic_request(body))
    sent = fake.last_request.json()
    assert "system" not in sent
    assert sent["thinking"] == {"type": "adaptive"}
    assert [b.get("signature") for b in sent["messages"][1]["content"]] == ["EqQBreal", None]
    assert "cache_control" not in orjson.dumps(sent).decode()

    forced = {**body, "tool_choice": {"type": "tool", "name": "bash"}, "tools": [BASH_TOOL]}
    await keyed(fake, http).chat(anthropic_request(forced))
    assert "thinking" not in fake.last_request.json()


# ------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("status", "client_status", "retryable"),
    [(400, 400, False), (500, 502, True), (529, 502, True)],
)
async def test_upstream_errors_are_mapped(
    fake: AnthropicFake,
    http: UpstreamHttp,
    status: int,
    client_status: int,
    retryable: bool,
) -> None:
    fake.fail_next(status, f"failure {status} for {KEY}")
    with pytest.raises(UpstreamError) as caught:
        await keyed(fake, http).chat(anthropic_request(ANTHROPIC))
    err = caught.value
    assert err.upstream_status == status and err.status == client_status
    assert err.is_retryable() is retryable
    assert f"failure {status}" in err.client_message
    assert KEY not in str(err) and KEY not in repr(err) and KEY not in err.client_message
    assert len(fake.message_requests) == 1


async def test_401_fails_over_to_the_next_key_and_hides_both(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    keys = (
        ApiKeyEntry(api_key="sk-ant-bad-key-99999999", label="bad"),
        ApiKeyEntry(api_key="sk-ant-second-key-000000", label="good"),
    )
    ex = executor(fake, http, api_keys=keys, routing=None)
    response = await ex.chat(anthropic_request(ANTHROPIC))
    assert isinstance(response, ChatResponse)
    assert [r.headers["x-api-key"] for r in fake.message_requests] == [
        "sk-ant-bad-key-99999999",
        "sk-ant-second-key-000000",
    ]
    assert ex.cooldowns.ready_in("bad", "claude-sonnet-4-5") > 0

    fake.accept_only()
    with pytest.raises(UpstreamError) as caught:
        await executor(fake, http, api_keys=keys[:1]).chat(anthropic_request(ANTHROPIC))
    assert caught.value.status == 401
    assert "sk-ant-bad-key" not in str(caught.value)


async def test_oauth_token_never_in_error_text(fake: AnthropicFake, http: UpstreamHttp) -> None:
    fake.fail_next(403, f"token {TOKEN} lacks scope")
    with pytest.raises(UpstreamError) as caught:
        await executor(fake, http).chat(anthropic_request(ANTHROPIC))
    assert caught.value.status == 403
    assert TOKEN not in str(caught.value) and TOKEN not in caught.value.client_message


async def test_429_retry_after_cools_the_key_and_rate_limits_are_captured(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    fake.response_headers = {
        "anthropic-ratelimit-requests-remaining": "41",
        "anthropic-ratelimit-tokens-limit": "80000",
    }
    fake.rate_limit_next(retry_after=7)
    book = RateLimitBook()
    ex = keyed(fake, http, ratelimits=book)
    with pytest.raises(RateLimited) as caught:
        await ex.chat(anthropic_request(ANTHROPIC))
    assert caught.value.status == 429 and caught.value.retry_after == 7
    snapshot = book.get("claude", "main")
    assert snapshot is not None
    assert snapshot.headers["anthropic-ratelimit-requests-remaining"] == "41"
    assert snapshot.headers["retry-after"] == "7"
    assert ex.cooldowns.ready_in("main", "claude-sonnet-4-5") == pytest.approx(7, abs=1)


async def test_overloaded_event_before_anything_else_is_an_error(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    fake.reply_with(fake.stream_shape.sse([error_event()]))
    with pytest.raises(UpstreamError) as caught:
        await keyed(fake, http).chat(anthropic_request({**ANTHROPIC, "stream": True}))
    assert caught.value.upstream_status == 503 and caught.value.is_retryable()


async def test_base_url_from_the_endpoints_table(fake: AnthropicFake, http: UpstreamHttp) -> None:
    settings = Settings(
        providers={C: ProviderConfig(api_key=KEY)},
        endpoints=Endpoints(claude_api=fake.url + "/v1/"),
    )
    ex = ClaudeExecutor(C, settings, ConfigCredentials(settings), http)
    await ex.chat(anthropic_request(ANTHROPIC))
    assert fake.last_request.path == MESSAGES_PATH


async def test_gateway_hands_its_version_store_to_the_executor(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    versions = VersionStore({C: VersionInfo(user_agent="claude-cli/2.9.0 (external, cli)")})
    settings = Settings(providers={C: ProviderConfig(base_url=fake.url)})
    credentials = ConfigCredentials(settings, Tokens())
    gateway = ProviderGateway(settings, credentials, http, versions=versions)
    routed = await gateway.chat(anthropic_request(ANTHROPIC))
    assert routed.provider == "claude" and routed.account_id == "active"
    fake.last_request.assert_header("user-agent", "claude-cli/2.9.0 (external, cli)")
    # the billing header follows the version the user agent names
    assert "cc_version=2.9.0." in fake.last_request.json()["system"][0]["text"]


class TwoAccounts:
    """Two stored Claude logins; ``b`` has no account UUID in its metadata."""

    tokens: ClassVar[dict[str, str]] = {
        "a": "sk-ant-oat01-account-a-00000000",
        "b": "sk-ant-oat01-account-b-00000000",
    }

    async def get_token(self, provider: ProviderId, account: str | None = None) -> OAuthToken:
        assert account in self.tokens
        metadata = {"account_uuid": ACCOUNT} if account == "a" else {}
        return OAuthToken(self.tokens[account], metadata=metadata)

    async def list_accounts(self, provider: ProviderId) -> list[AccountInfo]:
        return [AccountInfo("a", is_active=True), AccountInfo("b")]


async def test_each_oauth_account_is_its_own_device_and_a_401_fails_over(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    settings = Settings(
        providers={C: ProviderConfig(base_url=fake.url, routing=RoutingStrategy.PRIORITY)}
    )
    ex = ClaudeExecutor(C, settings, ConfigCredentials(settings, TwoAccounts()), http)
    fake.accept_only(*TwoAccounts.tokens.values())
    await ex.chat(anthropic_request(ANTHROPIC, account_id="a"))
    fake.fail_next(401, f"revoked {TwoAccounts.tokens['a']}")
    await ex.chat(anthropic_request(ANTHROPIC))
    first, failed, second = fake.message_requests
    assert [r.bearer() for r in (first, failed, second)] == [
        TwoAccounts.tokens["a"],
        TwoAccounts.tokens["a"],
        TwoAccounts.tokens["b"],
    ]
    user_a = orjson.loads(first.json()["metadata"]["user_id"])
    user_b = orjson.loads(second.json()["metadata"]["user_id"])
    assert user_a["account_uuid"] == ACCOUNT
    assert user_b["account_uuid"] == account_uuid("oauth:b")
    assert user_a["device_id"] != user_b["device_id"]
    assert first.headers["x-claude-code-session-id"] == failed.headers["x-claude-code-session-id"]
    assert ex.cooldowns.ready_in("a", "claude-sonnet-4-5") > 0


async def test_stream_cut_mid_way_raises_while_iterating(
    fake: AnthropicFake, http: UpstreamHttp
) -> None:
    fake.shape_streams(drop_after=3, chunk_sizes=[7])
    fake.reply_with(answer("a long answer that never ends", tool_call("Bash", {})))
    body = {**ANTHROPIC, "stream": True, "tools": [BASH_TOOL]}
    response = await executor(fake, http).chat(anthropic_request(body))
    assert isinstance(response, ChatStream)
    seen: list[SSEEvent] = []

    async def drain() -> None:
        async for event in response.events:
            seen.append(event)

    with pytest.raises(TransportError):
        await drain()
    assert [e.event for e in seen] == ["message_start", "content_block_start", "ping"]
