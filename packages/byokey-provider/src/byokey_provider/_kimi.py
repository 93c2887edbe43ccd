"""Kimi: Moonshot's Kimi For Coding API, with the Kimi CLI's identity.

``POST {base}/chat/completions`` (default ``https://api.kimi.com/coding/v1``)
with a Bearer token and the ``x-msh-*`` device headers Kimi CLI sends. The
gateway's ``kimi-`` model prefix is dropped (``kimi-k2-0711`` → ``k2-0711``).
The device id is made once per executor, and executors live for the process,
so Kimi sees one steady device instead of a new one per request (the original
rebuilt executors, and so device ids, for every request).
"""

from __future__ import annotations

import uuid
from functools import cached_property

from byokey_types import ProviderId

from ._executor import UpstreamRequest
from ._openai_chat import OpenAIChatExecutor, chat_completions_headers

__all__ = ["KIMI_CLI_VERSION", "KimiExecutor"]

KIMI_CLI_VERSION = "1.10.6"
"""``x-msh-version`` (kept constant even when the fetched user agent moves on, as Kimi CLI's is)."""


class KimiExecutor(OpenAIChatExecutor):
    """The ``kimi`` provider."""

    @cached_property
    def device_id(self) -> str:
        """Made on first use and kept for the executor's (the process's) lifetime."""
        return str(uuid.uuid4())

    def upstream_model(self, model: str) -> str:
        return model.removeprefix("kimi-")

    def chat_headers(self, request: UpstreamRequest, secret: str) -> dict[str, str]:
        return {
            **chat_completions_headers(secret, stream=request.stream),
            "user-agent": self.versions.user_agent(ProviderId.KIMI),
            "x-msh-platform": "kimi_cli",
            "x-msh-version": KIMI_CLI_VERSION,
            "x-msh-device-name": "byokey-client",
            "x-msh-device-model": "MacBookPro",
            "x-msh-device-id": self.device_id,
        }
