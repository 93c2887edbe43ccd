"""Antigravity: Google's agent IDE backend, Code Assist envelopes on a daily build.

``POST {base}/v1internal:generateContent`` (or ``:streamGenerateContent?alt=sse``)
with a Bearer token (an API key or the Antigravity login) and the envelope
``{"model", "project", "requestId", "userAgent", "requestType", "request"}``.
The model drops the gateway's ``ag-`` prefix; the project is the login's
Cloud Code project (token metadata ``project_id``) when it has one, else made
up per request (``useful-wave-…``), as the Antigravity client does.

The daily endpoint has a sandbox twin: when the primary fails in a way worth
retrying (connection error, timeout, 408/429/5xx) *before the client has seen
a byte* — including a stream that breaks before its first event — the same
request goes once to the fallback base, whose answer (or error) stands. The
answer is read with ``byokey_translate``'s Code Assist stream reader, which
buffers lines across network reads and always ends the client's stream
properly (the original dropped split lines and sent no ``[DONE]``).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from byokey_types import (
    ByokError,
    ChatStream,
    ProviderId,
    ProviderResponse,
    SSEEvent,
    WireFormat,
)

from ._credentials import Credential
from ._executor import Executor, UpstreamRequest
from ._gemini_code_assist import code_assist_url, split_native_body
from ._stream_views import primed

__all__ = [
    "ANTIGRAVITY_DEFAULT_MODEL",
    "ANTIGRAVITY_USER_AGENT",
    "AntigravityExecutor",
    "antigravity_envelope",
]

_log = logging.getLogger("byokey.provider.antigravity")

ANTIGRAVITY_USER_AGENT = "antigravity/1.20.5 darwin/arm64"
ANTIGRAVITY_DEFAULT_MODEL = "gemini-2.5-pro"
_DROPPED = ("safety_settings", "safetySettings")


def antigravity_envelope(
    model: str, body: dict[str, Any], *, request_uuid: str, project: str | None = None
) -> dict[str, Any]:
    """The Code Assist envelope Antigravity sends (safety settings left out, as it does).

    ``project`` is the account's Cloud Code project when the login found one;
    otherwise one is made up from the request id, as the Antigravity client does.
    """
    inner = {k: v for k, v in split_native_body(body).items() if k not in _DROPPED}
    return {
        "model": model,
        "project": project or f"useful-wave-{request_uuid[:5]}",
        "requestId": f"agent-{request_uuid}",
        "userAgent": "antigravity",
        "requestType": "agent",
        "request": inner,
    }


class AntigravityExecutor(Executor):
    """The ``antigravity`` provider, with its sandbox fallback base."""

    upstream_format = WireFormat.GEMINI

    def upstream_model(self, model: str) -> str:
        return model.removeprefix("ag-") or ANTIGRAVITY_DEFAULT_MODEL

    def fallback_base(self) -> str | None:
        url = self.settings.endpoint_url("antigravity_api_fallback")
        return url.rstrip("/") if url else None

    def headers(self, secret: str, *, stream: bool) -> dict[str, str]:
        return {
            "authorization": f"Bearer {secret}",
            "user-agent": self.versions.user_agent(ProviderId.ANTIGRAVITY, ANTIGRAVITY_USER_AGENT),
            "content-type": "application/json",
            "accept": "text/event-stream" if stream else "application/json",
            "accept-encoding": "identity",
        }

    async def send(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        token = await self.credentials.oauth_token(credential)
        envelope = antigravity_envelope(
            request.model,
            request.body,
            request_uuid=str(uuid.uuid4()),
            project=token.metadata.get("project_id") if token is not None else None,
        )
        primary = self.base_url(credential)
        fallback = self.fallback_base()
        try:
            return await self._attempt(primary, request, envelope, credential, secret)
        except ByokError as err:
            if not err.is_retryable() or not fallback or fallback == primary:
                raise
            _log.info(
                "antigravity: primary base failed (status %s); trying the fallback base",
                err.status,
            )
        return await self._attempt(fallback, request, envelope, credential, secret)

    async def _attempt(
        self,
        base: str,
        request: UpstreamRequest,
        envelope: dict[str, Any],
        credential: Credential,
        secret: str,
    ) -> ProviderResponse:
        method = "streamGenerateContent" if request.stream else "generateContent"
        response = await self.post(
            code_assist_url(base, method, stream=request.stream),
            credential=credential,
            secret=secret,
            headers=self.headers(secret, stream=request.stream),
            json=envelope,
        )
        answer = await self.respond(
            response, stream=request.stream, format=WireFormat.GEMINI_CLOUDCODE
        )
        if isinstance(answer, ChatStream):
            # Wait for the first event here, so a stream dying before it still
            # counts as this base failing (and the fallback gets its turn).
            answer = await primed(answer, self.name, _no_check)
        return answer


def _no_check(event: SSEEvent) -> None:
    """Any first event will do here; the base checks it for an in-band error."""
    return
