"""iFlow: the iFlow CLI's OpenAI-compatible API, with its request signature.

``POST {base}/chat/completions`` (default ``https://apis.iflow.cn/v1``) with a
Bearer token and three headers iFlow checks on every call: ``session-id``
(``session-<uuid4>``), ``x-iflow-timestamp`` (Unix milliseconds) and
``x-iflow-signature`` — lower-case hex HMAC-SHA256 keyed with the bearer token
over ``{user agent}:{session id}:{timestamp}``. With the default user agent
that message is ``iFlow-Cli:…``; a fetched user agent is signed as sent, so
the server's recomputation matches. The timestamp comes from the executor's
(injectable) clock.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

from byokey_types import ProviderId

from ._executor import UpstreamRequest
from ._openai_chat import OpenAIChatExecutor, chat_completions_headers

__all__ = ["IFlowExecutor", "iflow_signature"]


def iflow_signature(
    token: str, session_id: str, timestamp_ms: int, *, user_agent: str = "iFlow-Cli"
) -> str:
    """HMAC-SHA256 (hex) of ``{user_agent}:{session_id}:{timestamp_ms}`` keyed by ``token``."""
    message = f"{user_agent}:{session_id}:{timestamp_ms}".encode()
    return hmac.new(token.encode(), message, hashlib.sha256).hexdigest()


class IFlowExecutor(OpenAIChatExecutor):
    """The ``iflow`` provider."""

    def chat_headers(self, request: UpstreamRequest, secret: str) -> dict[str, str]:
        user_agent = self.versions.user_agent(ProviderId.IFLOW)
        session = f"session-{uuid.uuid4()}"
        timestamp = int(self.clock() * 1000)
        return {
            **chat_completions_headers(secret, stream=request.stream),
            "user-agent": user_agent,
            "session-id": session,
            "x-iflow-timestamp": str(timestamp),
            "x-iflow-signature": iflow_signature(secret, session, timestamp, user_agent=user_agent),
        }
