"""Provider executors, model registry and routing for byokey.

Embeddable without the proxy: build an :class:`UpstreamHttp` pool and a
credential source once, then either one executor (``EXECUTORS[provider](...)``)
or a :class:`ProviderGateway` that routes by model name. See ``docs/embedding.md``.
"""

from byokey_provider._catalog import ListedModel, ModelCatalog, Resolution
from byokey_provider._cooldown import CooldownBook, CooldownPolicy, classify
from byokey_provider._credentials import (
    ACTIVE_ACCOUNT,
    ANONYMOUS,
    AccountDirectory,
    ConfigCredentials,
    Credential,
    CredentialSource,
    LoginStatus,
    TokenSource,
    builtin_provider,
)
from byokey_provider._errors import (
    CredentialsExhausted,
    retry_after_from,
    transport_error,
    upstream_error,
)
from byokey_provider._executor import (
    Executor,
    ExecutorFactory,
    SettingsSource,
    UpstreamExecutor,
    UpstreamRequest,
)
from byokey_provider._executors import EXECUTORS
from byokey_provider._gateway import GatewayModel, ProviderGateway, RoutedAnswer
from byokey_provider._http import Timeouts, UpstreamHttp, UpstreamResponse
from byokey_provider._openai_compatible import (
    OpenAICompatibleExecutor,
    chat_completions_body,
    chat_completions_headers,
)
from byokey_provider._ratelimits import RateLimitBook
from byokey_provider._registry import (
    MODELS,
    ModelEntry,
    ThinkingSupport,
    is_copilot_free_model,
    models_for_provider,
    multi_provider_models,
    parse_qualified_model,
    resolve_provider,
    resolve_provider_with,
    split_model,
    thinking_capability,
    thinking_support,
)
from byokey_provider._routing import CredentialRouter, RoutePlan

__version__ = "0.1.0"

__all__ = [
    "ACTIVE_ACCOUNT",
    "ANONYMOUS",
    "EXECUTORS",
    "MODELS",
    "AccountDirectory",
    "ConfigCredentials",
    "CooldownBook",
    "CooldownPolicy",
    "Credential",
    "CredentialRouter",
    "CredentialSource",
    "CredentialsExhausted",
    "Executor",
    "ExecutorFactory",
    "GatewayModel",
    "ListedModel",
    "LoginStatus",
    "ModelCatalog",
    "ModelEntry",
    "OpenAICompatibleExecutor",
    "ProviderGateway",
    "RateLimitBook",
    "Resolution",
    "RoutePlan",
    "RoutedAnswer",
    "SettingsSource",
    "ThinkingSupport",
    "Timeouts",
    "TokenSource",
    "UpstreamExecutor",
    "UpstreamHttp",
    "UpstreamRequest",
    "UpstreamResponse",
    "__version__",
    "builtin_provider",
    "chat_completions_body",
    "chat_completions_headers",
    "classify",
    "is_copilot_free_model",
    "models_for_provider",
    "multi_provider_models",
    "parse_qualified_model",
    "resolve_provider",
    "resolve_provider_with",
    "retry_after_from",
    "split_model",
    "thinking_capability",
    "thinking_support",
    "transport_error",
    "upstream_error",
]
