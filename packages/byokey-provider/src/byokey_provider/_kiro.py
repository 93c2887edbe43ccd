"""Kiro: Claude through AWS CodeWhisperer's ``generateAssistantResponse``, as the Kiro IDE calls it.

The original posted Anthropic bodies to ``https://api.kiro.dev/v1/messages``,
an endpoint Kiro does not serve; Kiro's real backend is CodeWhisperer
(``https://q.{region}.amazonaws.com``), which takes a ``conversationState``
payload and always answers in AWS event-stream frames. This executor
translates the client's request to Anthropic (``byokey_translate``), reshapes
it for CodeWhisperer (:mod:`._kiro_request`), sends it with the Kiro IDE's SDK
headers and reads the frames back as an Anthropic stream or message
(:mod:`._kiro_response`), from which the client gets its own format.

The token is a Kiro / AWS Builder ID access token (or a key configured as
``api_key``), sent as Bearer. Token metadata ``profile_arn`` (social logins
need it) and ``region`` are honoured.
"""

from __future__ import annotations

import hashlib
import socket
import uuid
from collections.abc import AsyncIterator

import orjson

from byokey_config import ENDPOINT_DEFAULTS
from byokey_types import (
    ChatResponse,
    ChatStream,
    ProviderId,
    ProviderResponse,
    SSEEvent,
    TransportError,
    WireFormat,
)

from ._credentials import Credential, CredentialSource
from ._executor import Clock, Executor, SettingsSource, UpstreamRequest
from ._http import UpstreamHttp, UpstreamResponse
from ._kiro_eventstream import EventStreamDecoder
from ._kiro_request import build_payload
from ._kiro_response import KiroAnthropicReader, estimate_tokens
from ._ratelimits import RateLimitBook

__all__ = ["KIRO_IDE_VERSION", "KiroExecutor", "kiro_headers"]

KIRO_IDE_VERSION = "0.7.45"
_AWS_SDK = "aws-sdk-js/1.0.27"
_DEFAULT_REGION = "us-east-1"
_PATH = "/generateAssistantResponse"


def _machine_id() -> str:
    """A stable, anonymous per-host id (the Kiro IDE sends a machine hash too)."""
    return hashlib.sha256(f"byokey-kiro:{socket.gethostname()}".encode()).hexdigest()


def kiro_headers(secret: str, machine_id: str) -> dict[str, str]:
    """The Kiro IDE's request headers (AWS SDK identity, opt-out of data sharing)."""
    kiro = f"KiroIDE-{KIRO_IDE_VERSION}-{machine_id}"
    return {
        "authorization": f"Bearer {secret}",
        "content-type": "application/json",
        "accept-encoding": "identity",
        "user-agent": (
            f"{_AWS_SDK} ua/2.1 os/darwin#24.6.0 lang/js md/nodejs#22.21.1 "
            f"api/codewhispererstreaming#1.0.27 m/E {kiro}"
        ),
        "x-amz-user-agent": f"{_AWS_SDK} {kiro}",
        "x-amzn-codewhisperer-optout": "true",
        "x-amzn-kiro-agent-mode": "vibe",
        "amz-sdk-invocation-id": str(uuid.uuid4()),
        "amz-sdk-request": "attempt=1; max=1",
    }


class KiroExecutor(Executor):
    """The ``kiro`` provider."""

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
        machine_id: str | None = None,
    ) -> None:
        super().__init__(provider, settings, credentials, http, ratelimits=ratelimits, clock=clock)
        self.machine_id = machine_id or _machine_id()

    def api_base(self, credential: Credential, region: str) -> str:
        """The key's or provider's ``base_url``, else an ``endpoints.kiro_api`` override,
        else the built-in ``kiro_api`` (CodeWhisperer in us-east-1) moved to the login's
        ``region``."""
        own = credential.base_url or self.settings.provider(self.provider).base_url
        if own:
            return own.rstrip("/")
        configured = self.settings.endpoint("kiro_api")
        if configured:
            return configured.rstrip("/")
        default = ENDPOINT_DEFAULTS["kiro_api"] or ""
        return default.replace(f".{_DEFAULT_REGION}.", f".{region}.").rstrip("/")

    async def send(
        self, request: UpstreamRequest, credential: Credential, secret: str
    ) -> ProviderResponse:
        token = await self.credentials.oauth_token(credential)
        metadata = token.metadata if token is not None else {}
        payload = build_payload(request.body, profile_arn=metadata.get("profile_arn"))
        region = metadata.get("region") or _DEFAULT_REGION
        response = await self.post(
            self.api_base(credential, region) + _PATH,
            credential=credential,
            secret=secret,
            headers=kiro_headers(secret, self.machine_id),
            json=payload,
        )
        reader = KiroAnthropicReader(
            model=request.model,
            message_id=f"msg_kiro_{uuid.uuid4().hex[:24]}",
            input_tokens=estimate_tokens(len(orjson.dumps(payload["conversationState"]))),
        )
        events = _anthropic_events(response, reader, self.name)
        if request.stream:
            return ChatStream(events, format=WireFormat.ANTHROPIC, status=response.status)
        async for _ in events:
            pass
        return ChatResponse(reader.message(), format=WireFormat.ANTHROPIC, status=response.status)


async def _anthropic_events(
    response: UpstreamResponse, reader: KiroAnthropicReader, upstream: str
) -> AsyncIterator[SSEEvent]:
    decoder = EventStreamDecoder(upstream)
    seen = 0
    async for chunk in response.chunks():
        for message in decoder.feed(chunk):
            seen += 1
            for name, data in reader.feed(message):
                yield SSEEvent(name, data)
    decoder.finish()
    if not seen:
        raise TransportError(f"{upstream}: the event stream ended before any event")
    for name, data in reader.finish():
        yield SSEEvent(name, data)
