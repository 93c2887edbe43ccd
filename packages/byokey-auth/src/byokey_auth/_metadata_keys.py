"""The token-metadata keys the provider executors read, in one place.

A login or an import that stores one of these under another name silently
degrades the executor (a random Cloud Code project, the wrong Qwen host, the
wrong Kiro region, no ChatGPT account header), so the names are pinned here and
tested against both the flows and the imports.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from byokey_types.provider import ProviderId

__all__ = [
    "CHATGPT_ACCOUNT_ID_KEY",
    "EXECUTOR_METADATA_KEYS",
    "KIRO_PROFILE_ARN",
    "KIRO_REGION",
    "PROJECT_ID_KEY",
    "RESOURCE_URL_KEY",
]

PROJECT_ID_KEY: Final = "project_id"
"""Gemini / Antigravity: the Cloud Code project the account is onboarded to."""
KIRO_REGION: Final = "region"
"""Kiro: the AWS region of the login (OIDC refresh and the CodeWhisperer host)."""
KIRO_PROFILE_ARN: Final = "profile_arn"
"""Kiro: the CodeWhisperer profile (social logins need it in every request)."""

RESOURCE_URL_KEY: Final = "resource_url"
"""Qwen: the API host the account must call (``portal.qwen.ai`` ...)."""
CHATGPT_ACCOUNT_ID_KEY: Final = "chatgpt_account_id"
"""Codex: the ChatGPT account id (from the id_token), sent as ``chatgpt-account-id``."""

EXECUTOR_METADATA_KEYS: Final[Mapping[ProviderId, tuple[str, ...]]] = MappingProxyType(
    {
        ProviderId.GEMINI: (PROJECT_ID_KEY,),
        ProviderId.ANTIGRAVITY: (PROJECT_ID_KEY,),
        ProviderId.KIRO: (KIRO_PROFILE_ARN, KIRO_REGION),
        ProviderId.QWEN: (RESOURCE_URL_KEY,),
        ProviderId.CODEX: (CHATGPT_ACCOUNT_ID_KEY,),
    }
)
"""Provider -> the metadata keys its executor reads (each optional, used when present)."""
