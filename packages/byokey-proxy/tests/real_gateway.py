"""The real stack for end-to-end tests: hypercorn + ``ProviderGateway`` + fake upstreams.

Unlike ``conftest.py``'s scripted gateway, nothing here is a test double above
the wire: the proxy serves from ``byokey_provider.ProviderGateway`` with its
real executors, credentials come from the settings and a real ``AuthManager``
over an in-memory token store, and every upstream is a ``tests.fakes`` server
on 127.0.0.1 speaking its provider's wire format.

Upstreams (one FakeServer each, shared by a test module, reset per test):

===================  ==========================  ======================================
client model         upstream                    wire format
===================  ==========================  ======================================
``lab/small``        ``openai_compatible`` "lab"  OpenAI Chat Completions (``OpenAIFake``)
``gemini-2.0-flash`` gemini (API key)             Gemini native (``GeminiFake``)
``kiro-default``     kiro (OAuth login)           AWS event-stream -> Anthropic (``KiroFake``)
``claude-opus-4-6``  claude (API key)             Anthropic Messages (``AnthropicFake``)
``gpt-5.4``          codex (ChatGPT login)        Responses over SSE (``CodexFake``)
``gpt-4o``           copilot (GitHub login)       token exchange + Chat (``CopilotFake``)
===================  ==========================  ======================================
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
from proxy_fakes import RecordingUsageStore

from byokey_auth import AuthManager
from byokey_config import Settings, load_settings
from byokey_provider import ConfigCredentials, ProviderGateway, Timeouts, UpstreamHttp
from byokey_proxy import Listeners, ProxyState, UsageRecorder, bind, serve
from byokey_store import InMemoryTokenStore
from byokey_types import OAuthToken, ProviderId, UsageRecord, UsageStore
from tests.fakes.anthropic import AnthropicFake
from tests.fakes.codex import CodexFake
from tests.fakes.copilot import EXCHANGE_PATH, USER_PATH, CopilotFake
from tests.fakes.gemini import GeminiFake
from tests.fakes.kiro import KiroFake
from tests.fakes.openai import OpenAIFake
from tests.fakes.server import FakeServer

LAB_KEY = "sk-lab-fake-0123456789"
GEMINI_KEY = "AIzaFakeGeminiKey0123456789"
KIRO_TOKEN = "aoaAAAAA-fake-kiro-access-token"
KIRO_ARN = "arn:aws:codewhisperer:us-east-1:699475941385:profile/FAKE"
LAB_MODEL = "lab/small"
LAB_UPSTREAM_MODEL = "qwen2.5:7b"
GEMINI_MODEL = "gemini-2.0-flash"
KIRO_MODEL = "kiro-default"
CLAUDE_KEY = "sk-ant-api03-fake-0123456789"
CLAUDE_MODEL = "claude-opus-4-6"
CODEX_TOKEN = "eyFakeChatGPTAccessToken0123456789"
CODEX_ACCOUNT = "acct-chatgpt-fake"
CODEX_MODEL = "gpt-5.4"
GITHUB_TOKEN = "gho_fake_github_token_0123"
COPILOT_MODEL = "gpt-4o"


@dataclass
class Upstreams:
    """The family fakes of one test (fresh scripts, recordings cleared)."""

    lab: OpenAIFake
    gemini: GeminiFake
    kiro: KiroFake
    claude: AnthropicFake
    codex: CodexFake
    copilot: CopilotFake


@dataclass
class FakeServers:
    lab: FakeServer
    gemini: FakeServer
    kiro: FakeServer
    claude: FakeServer
    codex: FakeServer
    copilot: FakeServer

    def fresh(self) -> Upstreams:
        for server in (self.lab, self.gemini, self.kiro, self.claude, self.codex, self.copilot):
            server.clear()
        copilot = CopilotFake(self.copilot)
        copilot.add_account(GITHUB_TOKEN)
        return Upstreams(
            lab=OpenAIFake(self.lab).accept_only(LAB_KEY),  # type: ignore[arg-type]
            gemini=GeminiFake(self.gemini).accept_only(GEMINI_KEY),  # type: ignore[arg-type]
            kiro=KiroFake(self.kiro).accept_only(KIRO_TOKEN),  # type: ignore[arg-type]
            claude=AnthropicFake(self.claude).accept_only(CLAUDE_KEY),  # type: ignore[arg-type]
            codex=CodexFake(self.codex).accept_only(CODEX_TOKEN),  # type: ignore[arg-type]
            copilot=copilot,
        )


def settings_for(servers: FakeServers, **overrides: Any) -> Settings:
    """Settings pointing every configured upstream at its fake."""
    base: dict[str, Any] = {
        "providers": {
            "gemini": {"api_key": GEMINI_KEY, "base_url": servers.gemini.url},
            "kiro": {"base_url": servers.kiro.url},
            "claude": {"api_key": CLAUDE_KEY, "base_url": servers.claude.url},
        },
        "endpoints": {
            "codex_chatgpt": f"{servers.codex.url}/backend-api/codex",
            "copilot_token_exchange": servers.copilot.url + EXCHANGE_PATH,
            "copilot_user": servers.copilot.url + USER_PATH,
        },
        "openai_compatible": [
            {
                "name": "lab",
                "base_url": f"{servers.lab.url}/v1",
                "api_keys": [{"api_key": LAB_KEY, "label": "lab-key"}],
                "models": [{"name": LAB_UPSTREAM_MODEL, "alias": "small"}],
                "prefix": "lab",
            }
        ],
        "streaming.keepalive_seconds": 0,
    }
    base.update(overrides)
    return load_settings(env={}, overrides=base)


@dataclass
class Live:
    """A running proxy on the real provider layer."""

    url: str
    amp_url: str
    state: ProxyState
    gateway: ProviderGateway
    http: UpstreamHttp
    up: Upstreams
    servers: FakeServers
    tokens: InMemoryTokenStore
    usage_store: Any
    settings_box: list[Settings]

    def openai(self) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(base_url=f"{self.url}/v1", api_key="client", max_retries=0)

    def anthropic(self) -> anthropic.AsyncAnthropic:
        return anthropic.AsyncAnthropic(base_url=self.url, api_key="client", max_retries=0)

    def configure(self, **overrides: Any) -> None:
        """Replace the settings (the gateway and handlers read them per request)."""
        self.settings_box[0] = settings_for(self.servers, **overrides)

    async def records(self) -> list[UsageRecord]:
        await self.state.usage.flush()
        found: list[UsageRecord] = self.usage_store.records
        return found


@contextlib.asynccontextmanager
async def real_proxy(
    servers: FakeServers, *, store: UsageStore | None = None, threads_dir: Path | None = None
) -> AsyncIterator[Live]:
    """Serve both listeners on 127.0.0.1 (ephemeral ports) over the real gateway."""
    up = servers.fresh()
    current = [settings_for(servers)]
    tokens = InMemoryTokenStore()
    await tokens.save(ProviderId.KIRO, OAuthToken(KIRO_TOKEN, metadata={"profile_arn": KIRO_ARN}))
    await tokens.save(ProviderId.COPILOT, OAuthToken(GITHUB_TOKEN, token_type="bearer"))
    await tokens.save(
        ProviderId.CODEX, OAuthToken(CODEX_TOKEN, metadata={"chatgpt_account_id": CODEX_ACCOUNT})
    )
    auth = AuthManager(tokens)
    http = UpstreamHttp(impersonate=None, timeouts=Timeouts(connect=5, first_byte=20, idle=20))
    gateway = ProviderGateway(lambda: current[0], ConfigCredentials(lambda: current[0], auth), http)
    usage_store = store if store is not None else RecordingUsageStore()
    state = ProxyState(
        gateway=gateway,
        settings=lambda: current[0],
        tokens=tokens,
        usage=UsageRecorder(usage_store),
        threads_dir=threads_dir,
    )
    main, amp = bind("127.0.0.1", 0), bind("127.0.0.1", 0)
    url = f"http://127.0.0.1:{main.getsockname()[1]}"
    amp_url = f"http://127.0.0.1:{amp.getsockname()[1]}"
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve(state, Listeners(main, amp), shutdown_trigger=stop.wait, drain_seconds=2)
    )
    try:
        await _answering(url)
        await _answering(amp_url)
        yield Live(url, amp_url, state, gateway, http, up, servers, tokens, usage_store, current)
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
        await gateway.aclose()
        await auth.aclose()


async def _answering(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(500):  # bounded: about five seconds
            try:
                await client.get(f"{url}/v1/login")  # any answer will do
                return
            except httpx.TransportError:
                await asyncio.sleep(0.01)
    raise RuntimeError("proxy did not start")
