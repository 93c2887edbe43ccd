"""Core types, errors and protocols shared by every byokey package.

This is layer 0: it imports nothing of the workspace and nothing outside the
standard library, so every other package (and ``byokey-translate`` on its own)
can depend on it freely.
"""

from byokey_types import errors, wire
from byokey_types.chat import ChatRequest, ChatResponse, ChatStream, ProviderResponse, SSEEvent
from byokey_types.errors import (
    AuthError,
    ByokError,
    ConfigError,
    InvalidRequest,
    ProviderUnavailable,
    RateLimited,
    SerializationError,
    StorageError,
    TokenExpired,
    TokenNotFound,
    TranslationError,
    TransportError,
    UnsupportedModel,
    UnsupportedProvider,
    UnsupportedTranslation,
    UpstreamError,
    UpstreamTimeout,
)
from byokey_types.protocols import ProviderExecutor, TokenStore, UsageStore
from byokey_types.provider import ProviderId
from byokey_types.ratelimit import RateLimitSnapshot, parse_retry_after
from byokey_types.redact import mask, redact
from byokey_types.token import DEFAULT_ACCOUNT, AccountInfo, OAuthToken, TokenState
from byokey_types.usage import UsageBucket, UsageRecord
from byokey_types.wire.format import WireFormat

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_ACCOUNT",
    "AccountInfo",
    "AuthError",
    "ByokError",
    "ChatRequest",
    "ChatResponse",
    "ChatStream",
    "ConfigError",
    "InvalidRequest",
    "OAuthToken",
    "ProviderExecutor",
    "ProviderId",
    "ProviderResponse",
    "ProviderUnavailable",
    "RateLimitSnapshot",
    "RateLimited",
    "SSEEvent",
    "SerializationError",
    "StorageError",
    "TokenExpired",
    "TokenNotFound",
    "TokenState",
    "TokenStore",
    "TranslationError",
    "TransportError",
    "UnsupportedModel",
    "UnsupportedProvider",
    "UnsupportedTranslation",
    "UpstreamError",
    "UpstreamTimeout",
    "UsageBucket",
    "UsageRecord",
    "UsageStore",
    "WireFormat",
    "__version__",
    "errors",
    "mask",
    "parse_retry_after",
    "redact",
    "wire",
]
