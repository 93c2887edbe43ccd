"""Settings schema, loading (YAML/JSON/env) and hot reload for byokey.

``load_settings(path)`` gives an immutable :class:`Settings` snapshot (defaults
< file < ``BYOKEY_*`` environment < overrides); :class:`ConfigWatcher` keeps a
current snapshot in step with the file. The pure helpers of the original
(:func:`glob_match`, ``Settings.resolve_alias``, :func:`apply_payload_rules`)
live here because every request path needs them with the same semantics.
"""

from byokey_config._endpoints import (
    DOCUMENT_ENDPOINTS,
    ENDPOINT_DEFAULTS,
    ENDPOINT_DESCRIPTIONS,
    STARTUP_ENDPOINTS,
    Endpoints,
)
from byokey_config._enums import LogFormat, RoutingStrategy
from byokey_config._errors import SettingsError
from byokey_config._glob import glob_match, glob_match_any
from byokey_config._live import LIVE_KEYS, RESTART_KEYS, changed_restart_keys, reload_mode
from byokey_config._load import LoadedSettings, load_settings, read_settings
from byokey_config._oauth import AuthConfig, OAuthClientConfig
from byokey_config._openai_compatible import OpenAICompatibleModel, OpenAICompatibleProvider
from byokey_config._payload import (
    PayloadFilterRule,
    PayloadRule,
    PayloadRules,
    apply_payload_rules,
)
from byokey_config._provider import (
    ApiKeyEntry,
    ClaudeHeaderDefaults,
    CloakConfig,
    CodexHeaderDefaults,
    ProviderConfig,
)
from byokey_config._sections import (
    AmpConfig,
    HttpConfig,
    LogConfig,
    ModelAlias,
    RoutingConfig,
    StreamingConfig,
    TimeoutsConfig,
    UsageConfig,
)
from byokey_config._settings import DEFAULT_HOST, DEFAULT_PORT, Settings
from byokey_config._sources import ENV_PREFIX, default_config_path, resolve_config_path
from byokey_config._watcher import NO_CONFIG_FILE, ConfigWatcher

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DOCUMENT_ENDPOINTS",
    "ENDPOINT_DEFAULTS",
    "ENDPOINT_DESCRIPTIONS",
    "ENV_PREFIX",
    "LIVE_KEYS",
    "NO_CONFIG_FILE",
    "RESTART_KEYS",
    "STARTUP_ENDPOINTS",
    "AmpConfig",
    "ApiKeyEntry",
    "AuthConfig",
    "ClaudeHeaderDefaults",
    "CloakConfig",
    "CodexHeaderDefaults",
    "ConfigWatcher",
    "Endpoints",
    "HttpConfig",
    "LoadedSettings",
    "LogConfig",
    "LogFormat",
    "ModelAlias",
    "OAuthClientConfig",
    "OpenAICompatibleModel",
    "OpenAICompatibleProvider",
    "PayloadFilterRule",
    "PayloadRule",
    "PayloadRules",
    "ProviderConfig",
    "RoutingConfig",
    "RoutingStrategy",
    "Settings",
    "SettingsError",
    "StreamingConfig",
    "TimeoutsConfig",
    "UsageConfig",
    "__version__",
    "apply_payload_rules",
    "changed_restart_keys",
    "default_config_path",
    "glob_match",
    "glob_match_any",
    "load_settings",
    "read_settings",
    "reload_mode",
    "resolve_config_path",
]
