"""Gemini: the native API with an API key, Code Assist (as Gemini CLI) with a Google login.

The original sent everything to Google's OpenAI-compatible shim, which drops
thought signatures, thinking settings and multimodal parts. Both upstreams
here get native Gemini bodies instead:

* **API key** — ``POST {base}/models/{model}:generateContent`` (or
  ``:streamGenerateContent?alt=sse``) with ``x-goog-api-key``. ``base`` is the
  key's or provider's ``base_url``, else the ``gemini_native`` endpoint; a
  legacy shim base (``…/v1beta/openai``) is read as its API root.
* **OAuth** — a Gemini CLI login only works through Cloud Code Assist:
  ``POST {code assist}/v1internal:generateContent`` with the envelope
  ``{"model", "project", "user_prompt_id", "request"}`` and a Bearer token; the
  account's project is the token's ``project_id`` metadata when the login
  stored one, else discovered once (:class:`ProjectResolver`).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from byokey_types import InvalidRequest, ProviderId, ProviderResponse, UpstreamError, WireFormat

from ._credentials import Credential, CredentialSource
from ._executor import Clock, Executor, SettingsSource, UpstreamRequest
from ._gemini_code_assist import ProjectResolver, code_assist_url, split_native_body
from ._http import UpstreamHttp
from ._ratelimits import RateLimitBook

__all__ = ["GEMINI_CLI_USER_AGENT", "GeminiExecutor", "native_base"]

GEMINI_CLI_USER_AGENT = "GeminiCLI/0.18.0 (darwin; arm64)"
"""What Gemini CLI sends; Code Assist serves CLI traffic (no version document exists)."""
GOOGLE_API_CLIENT = "gl-node/22.17.0"


def native_base(url: str) -> str:
    """The ``…/models`` collection URL for a configured Gemini base.

    Accepts the API root (``https://generativelanguage.googleapis.com``), a
    version root (``…/v1beta``), the collection itself, or the original's
    OpenAI shim base (``…/v1beta/openai``).
    """
    base = url.rstrip("/").removesuffix("/openai")
    if base.endswith("/models"):
        return base
    if base.rsplit("/", 1)[-1].startswith("v1"):
        return f"{base}/models"
    return f"{base}/v1beta/models"


def _accept(stream: bool) -> str:
    return "text/event-stream" if stream else "application/json"


class GeminiExecutor(Executor):
    """The ``gemini`` provider (native API with keys, Code Assist with OAuth)."""

    upstream_format = WireFormat.GEMINI

    def __init__(
        self,
        provider: ProviderId,
        settings: SettingsSource,
        credentials: CredentialSource,
        http: UpstreamHttp,
        *,
        ratelimits: RateLimitBook | None = None,
        clock: Clock | None = None,
        code_assist_url: str | None = None,
        projects: ProjectResolver | None = None,
    ) -> None:
        super().__init__(provider, settings, credentials, http, ratelimits=ratelimits, clock=clock)
        self._code_assist_url = code_assist_url
        self.projects = projects or ProjectResolver()

    # ------------------------------------------------------------------ addresses

    def native_url(self, credential: Credential, model: str, *, stream: bool) -> str:
        cfg = credential.base_url or self.settings.provider(self.provider).base_url
        base = native_base(cfg or self.settings.endpoint_url("gemini_native") or "")
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        return f"{base}/{quote(model, safe='.-_')}:{method}"

    def code_assist_base(self) -> str:
        """Constructor override, else the ``gemini_code_assist`` endpoint."""
        url = self._code_assist_url or self.settings.endpoint_url("gemini_code_assist") or ""
        return url.rstrip("/")

    # ---------------------------------------------------------------------- send

    async def send(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        if not request.model:
            raise InvalidRequest("is required and must be a string", field="model")
        body = split_native_body(request.body)
        if credential.is_api_key:
            return await self._send_native(request, body, credential, secret)
        return await self._send_code_assist(request, body, credential, secret)

    async def _send_native(
        self, request: UpstreamRequest, body: dict[str, Any], credential: Credential, secret: str
    ) -> ProviderResponse:
        headers = {
            "x-goog-api-key": secret,
            "content-type": "application/json",
            "accept": _accept(request.stream),
            "accept-encoding": "identity",
        }
        url = self.native_url(credential, request.model, stream=request.stream)
        response = await self.post(
            url, credential=credential, secret=secret, headers=headers, json=body
        )
        return await self.respond(response, stream=request.stream, format=WireFormat.GEMINI)

    def code_assist_headers(self, secret: str, *, stream: bool) -> dict[str, str]:
        return {
            "authorization": f"Bearer {secret}",
            "content-type": "application/json",
            "accept": _accept(stream),
            "accept-encoding": "identity",
            "user-agent": GEMINI_CLI_USER_AGENT,
            "x-goog-api-client": GOOGLE_API_CLIENT,
        }

    async def _send_code_assist(
        self, request: UpstreamRequest, body: dict[str, Any], credential: Credential, secret: str
    ) -> ProviderResponse:
        base = self.code_assist_base()

        async def post_json(url: str, payload: dict[str, Any]) -> Any:
            headers = self.code_assist_headers(secret, stream=False)
            answer = await self.post(
                url, credential=credential, secret=secret, headers=headers, json=payload
            )
            return await answer.json()

        token = await self.credentials.oauth_token(credential)
        known = token.metadata.get("project_id") if token is not None else None
        project = await self.projects.resolve(credential.id, base, post_json, configured=known)
        envelope = {
            "model": request.model,
            "project": project,
            "user_prompt_id": str(uuid.uuid4()),
            "request": body,
        }
        method = "streamGenerateContent" if request.stream else "generateContent"
        try:
            response = await self.post(
                code_assist_url(base, method, stream=request.stream),
                credential=credential,
                secret=secret,
                headers=self.code_assist_headers(secret, stream=request.stream),
                json=envelope,
            )
        except UpstreamError as err:
            if err.upstream_status == 403:
                # A revoked or moved project: discover it again next time.
                self.projects.forget(credential.id)
            raise
        return await self.respond(
            response, stream=request.stream, format=WireFormat.GEMINI_CLOUDCODE
        )
