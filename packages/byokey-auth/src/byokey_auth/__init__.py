"""OAuth login flows, token lifecycle and background refresh for byokey."""

from byokey_auth._background import RefreshLoop
from byokey_auth._browser import BrowserOpener, open_in_browser
from byokey_auth._callback import CallbackServer
from byokey_auth._clients import COMPILED_CLIENTS, OAuthClient
from byokey_auth._clock import Clock, ManualClock, SystemClock
from byokey_auth._context import FlowContext
from byokey_auth._credentials import CredentialDocument, CredentialResolver
from byokey_auth._endpoints import ENDPOINT_NAMES, AuthEndpoints
from byokey_auth._flow_device import classify_poll
from byokey_auth._import_tokens import IMPORT_SOURCES, ImportedToken, import_tokens
from byokey_auth._kimi_device import DEVICE_MODEL, device_id, device_name
from byokey_auth._login import (
    LOGIN_KINDS,
    LoginKind,
    authenticate,
    flow_context,
    login,
    login_with_api_key,
)
from byokey_auth._login_events import LoginEvent, LoginFinished, login_events
from byokey_auth._manager import NEEDS_LOGIN_KEY, AuthManager, RefreshResult, needs_login
from byokey_auth._metadata_keys import (
    CHATGPT_ACCOUNT_ID_KEY,
    EXECUTOR_METADATA_KEYS,
    KIRO_PROFILE_ARN,
    KIRO_REGION,
    PROJECT_ID_KEY,
    RESOURCE_URL_KEY,
)
from byokey_auth._options import DEFAULT_CALLBACK_PORTS, AuthOptions, ClientOverride
from byokey_auth._pkce import Pkce, challenge_for, generate_pkce, random_state
from byokey_auth._prompts import (
    BrowserPrompt,
    DeviceCodePrompt,
    LoginPrompt,
    ProgressPrompt,
    PromptHandler,
)
from byokey_auth._refresh import InvalidGrant, RefreshUnavailable, refresh_oauth_token
from byokey_auth._refresh_lock import RefreshLocks

__version__ = "0.1.0"

__all__ = [
    "CHATGPT_ACCOUNT_ID_KEY",
    "COMPILED_CLIENTS",
    "DEFAULT_CALLBACK_PORTS",
    "DEVICE_MODEL",
    "ENDPOINT_NAMES",
    "EXECUTOR_METADATA_KEYS",
    "IMPORT_SOURCES",
    "KIRO_PROFILE_ARN",
    "KIRO_REGION",
    "LOGIN_KINDS",
    "NEEDS_LOGIN_KEY",
    "PROJECT_ID_KEY",
    "RESOURCE_URL_KEY",
    "AuthEndpoints",
    "AuthManager",
    "AuthOptions",
    "BrowserOpener",
    "BrowserPrompt",
    "CallbackServer",
    "ClientOverride",
    "Clock",
    "CredentialDocument",
    "CredentialResolver",
    "DeviceCodePrompt",
    "FlowContext",
    "ImportedToken",
    "InvalidGrant",
    "LoginEvent",
    "LoginFinished",
    "LoginKind",
    "LoginPrompt",
    "ManualClock",
    "OAuthClient",
    "Pkce",
    "ProgressPrompt",
    "PromptHandler",
    "RefreshLocks",
    "RefreshLoop",
    "RefreshResult",
    "RefreshUnavailable",
    "SystemClock",
    "__version__",
    "authenticate",
    "challenge_for",
    "classify_poll",
    "device_id",
    "device_name",
    "flow_context",
    "generate_pkce",
    "import_tokens",
    "login",
    "login_events",
    "login_with_api_key",
    "needs_login",
    "open_in_browser",
    "random_state",
    "refresh_oauth_token",
]
