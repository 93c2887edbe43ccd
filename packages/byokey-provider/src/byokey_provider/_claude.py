"""Claude: the Anthropic Messages API, with an API key or as Claude Code (OAuth).

``POST {base}/v1/messages?beta=true`` in Anthropic's own format: OpenAI and
Responses clients are translated to it (with prompt-cache breakpoints placed
by :func:`byokey_translate.inject_cache_control`), Anthropic clients are passed
through — their events reach the client as the very objects the SSE decoder
produced unless a tool name has to be mapped back.

Both modes send ``anthropic-version``, the merged ``anthropic-beta`` list (ours,
the client's header, the body's ``betas``) and the Claude Code fingerprint
headers of a cached device profile. An API key goes in ``x-api-key``. An OAuth
token (Claude Pro/Max) goes in ``Authorization: Bearer`` with the ``oauth``
beta, and the body is made to look like Claude Code's: the billing and
identity system blocks and ``metadata.user_id`` (or full cloaking when
``providers.claude.cloak.enabled``), and third-party tool names renamed to
Claude Code's (``bash`` → ``Bash``) and back in the answer.

Identity values come from ``providers.claude.claude_headers``, then the
VersionStore, then the compiled defaults; ``stabilize_device_profile: false``
gives every request a fresh device (the original's behaviour on this path).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from byokey_config import ClaudeHeaderDefaults, CloakConfig
from byokey_translate import inject_cache_control
from byokey_types import ChatStream, ProviderId, ProviderResponse, WireFormat

from ._claude_body import merge_betas, sanitize_body
from ._claude_cloak import CloakIds, account_uuid, apply_billing_header, cloak_body
from ._claude_identity import (
    ANTHROPIC_BETA,
    ANTHROPIC_VERSION,
    DeviceProfile,
    DeviceProfileCache,
    ProfileDefaults,
    fingerprint_headers,
)
from ._claude_tools import CLAUDE_CODE_TOOL_NAMES, ToolNameMap
from ._credentials import ACTIVE_ACCOUNT, Credential, CredentialSource
from ._executor import Clock, Executor, SettingsSource, UpstreamRequest
from ._http import UpstreamHttp
from ._ratelimits import RateLimitBook
from ._registry import thinking_capability
from ._version_store import VersionStore

__all__ = ["OAUTH_BETA", "ClaudeExecutor", "credential_scope", "messages_url"]

OAUTH_BETA = "oauth-2025-04-20"
"""The beta that makes Anthropic accept a Claude OAuth token; only sent with one."""

_API_KEY_BETAS = tuple(b for b in ANTHROPIC_BETA.split(",") if b != OAUTH_BETA)


def messages_url(base: str) -> str:
    """``{base}/v1/messages?beta=true``; a base that already ends in ``/v1`` is accepted."""
    root = base.rstrip("/")
    root = root.removesuffix("/v1")
    return f"{root}/v1/messages?beta=true"


def credential_scope(credential: Credential, secret: str) -> str:
    """What one device profile belongs to: an API key, an OAuth account, or ``global``.

    The active OAuth account is ``global`` (as in the original, whose account
    UUID ``58538c3e-…`` derives from it); other stored accounts get their own
    device, so two accounts never share one identity.
    """
    if credential.is_api_key:
        return f"api_key:{secret}"
    if credential.account is None or credential.id == ACTIVE_ACCOUNT:
        return "global"
    return f"oauth:{credential.account}"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A forwarded client header, whatever the spelling of its name."""
    found = headers.get(name)
    if found is not None:
        return found
    return next((v for k, v in headers.items() if k.lower() == name), None)


class ClaudeExecutor(Executor):
    """The ``claude`` provider (Anthropic Messages API)."""

    upstream_format = WireFormat.ANTHROPIC

    def __init__(
        self,
        provider: ProviderId,
        settings: SettingsSource,
        credentials: CredentialSource,
        http: UpstreamHttp,
        *,
        ratelimits: RateLimitBook | None = None,
        clock: Clock | None = None,
        versions: VersionStore | None = None,
        profiles: DeviceProfileCache | None = None,
        tool_names: Mapping[str, str] = CLAUDE_CODE_TOOL_NAMES,
    ) -> None:
        super().__init__(
            provider,
            settings,
            credentials,
            http,
            ratelimits=ratelimits,
            clock=clock,
            versions=versions,
        )
        self.profiles = profiles or DeviceProfileCache()
        self.tool_names = ToolNameMap(tool_names)

    # ------------------------------------------------------------------ settings

    @property
    def header_config(self) -> ClaudeHeaderDefaults:
        return self.settings.provider(self.provider).claude_headers

    @property
    def cloak_config(self) -> CloakConfig:
        return self.settings.provider(self.provider).cloak

    def profile_defaults(self) -> ProfileDefaults:
        """Identity values now: config over VersionStore over compiled defaults."""
        return ProfileDefaults.resolve(self.header_config, self.versions)

    def device_profile(self, scope: str, defaults: ProfileDefaults) -> DeviceProfile:
        """The scope's cached profile, or a fresh one when stabilising is switched off.

        A settings change to the identity values starts new profiles, so a reload
        takes effect without a restart.
        """
        if self.header_config.stabilize_device_profile is False:
            return DeviceProfile.fresh(defaults)
        if self.profiles.defaults != defaults:
            self.profiles.clear()
            self.profiles.defaults = defaults
        return self.profiles.resolve(scope)

    # ------------------------------------------------------------------ request

    def headers(
        self,
        credential: Credential,
        secret: str,
        *,
        stream: bool,
        betas: str,
        profile: DeviceProfile,
        timeout: int,
    ) -> dict[str, str]:
        auth = (
            {"x-api-key": secret}
            if credential.is_api_key
            else {"authorization": f"Bearer {secret}"}
        )
        return {
            **fingerprint_headers(profile, timeout=timeout),
            **auth,
            "anthropic-version": ANTHROPIC_VERSION,
            "anthropic-beta": betas,
            "content-type": "application/json",
            "accept": "text/event-stream" if stream else "application/json",
            "accept-encoding": "identity",
        }

    def body(
        self,
        request: UpstreamRequest,
        credential: Credential,
        *,
        ids: CloakIds,
        cli_version: str,
        tools: ToolNameMap,
    ) -> dict[str, Any]:
        """The body to send: sanitised, cache breakpoints for translated requests,
        and in OAuth mode Claude Code's tool names and identity blocks."""
        body = sanitize_body(request.body, capability=thinking_capability(request.model))
        if request.source.format is not WireFormat.ANTHROPIC:
            # An Anthropic client places its own breakpoints (the original never
            # added any on /v1/messages); translated requests get ours.
            body = inject_cache_control(body)
        if credential.is_api_key:
            return body
        body = tools.request(body)
        cloak = self.cloak_config
        if cloak.enabled:
            return cloak_body(body, cloak, ids, cli_version=cli_version)
        return apply_billing_header(body, ids, cli_version=cli_version)

    async def _account_uuid(self, credential: Credential, scope: str) -> str:
        """The login's own account UUID when the token has one, else one derived from
        the scope (what the original always used)."""
        token = await self.credentials.oauth_token(credential)
        found = token.metadata.get("account_uuid") if token is not None else None
        return found or account_uuid(scope)

    async def send(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        scope = credential_scope(credential, secret)
        defaults = self.profile_defaults()
        profile = self.device_profile(scope, defaults)
        oauth = not credential.is_api_key
        tools = self.tool_names.for_request(request.body) if oauth else ToolNameMap({})
        ids = CloakIds(
            device_id=profile.device_id,
            account_uuid=await self._account_uuid(credential, scope) if oauth else "",
            session_id=profile.session_id,
        )
        body = self.body(
            request, credential, ids=ids, cli_version=defaults.cli_version, tools=tools
        )
        betas, body = merge_betas(
            ANTHROPIC_BETA.split(",") if oauth else _API_KEY_BETAS,
            _header(request.headers, "anthropic-beta"),
            body,
        )
        response = await self.post(
            messages_url(self.base_url(credential)),
            credential=credential,
            secret=secret,
            headers=self.headers(
                credential,
                secret,
                stream=request.stream,
                betas=betas,
                profile=profile,
                timeout=defaults.timeout,
            ),
            json=body,
        )
        answer = await self.respond(response, stream=request.stream)
        if not tools:
            return answer
        if isinstance(answer, ChatStream):
            return ChatStream(
                tools.stream_events(answer.events),
                format=answer.format,
                status=answer.status,
                headers=answer.headers,
            )
        answer.body = tools.response(answer.body)
        return answer
