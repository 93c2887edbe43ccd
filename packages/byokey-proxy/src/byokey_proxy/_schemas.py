"""Shapes of the management API's JSON, as ``TypedDict``s.

These are the single description of each response: handlers build plain dicts
typed by them, and ``/openapi.json`` is generated from them (class name =
schema name, ``NotRequired`` = optional, ``Annotated[int, NonNegative]`` =
``minimum: 0``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, NotRequired, TypedDict

__all__ = [
    "SAFE_INTEGER_MAX",
    "AccountDetail",
    "AccountRateLimit",
    "AccountsResponse",
    "AmpContentBlock",
    "AmpMessage",
    "AmpMessageState",
    "AmpRelationship",
    "AmpThreadDetail",
    "AmpThreadListQuery",
    "AmpThreadListResponse",
    "AmpThreadSummary",
    "AmpToolRun",
    "AmpUsage",
    "AuthStatus",
    "CooldownResetQuery",
    "CooldownResetResponse",
    "ErrorDetail",
    "ErrorResponse",
    "HealthResponse",
    "ModelEntry",
    "ModelStats",
    "ModelsResponse",
    "NonNegative",
    "ProviderAccounts",
    "ProviderRateLimits",
    "ProviderStatus",
    "QueryInt",
    "RateLimitSnapshot",
    "RateLimitsResponse",
    "ReloadResponse",
    "SafeInteger",
    "ServerInfo",
    "StatusResponse",
    "TokenStateDto",
    "UInt",
    "UsageBucket",
    "UsageDimensionName",
    "UsageHistoryQuery",
    "UsageHistoryResponse",
    "UsageSnapshot",
    "UsageTotalEntry",
    "UsageTotalsQuery",
    "UsageTotalsResponse",
]


class NonNegative:
    """Marker: an integer that cannot be negative."""


SAFE_INTEGER_MAX = 2**53 - 1


class SafeInteger:
    """Marker: at most ``SAFE_INTEGER_MAX`` (what JSON clients hold exactly)."""


UInt = Annotated[int, NonNegative]
QueryInt = Annotated[int, NonNegative, SafeInteger]


class AuthStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    NOT_CONFIGURED = "not_configured"


class TokenStateDto(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


class ServerInfo(TypedDict):
    host: str
    port: UInt


class ProviderStatus(TypedDict):
    id: str
    display_name: str
    enabled: bool
    auth_status: AuthStatus
    models_count: UInt


class StatusResponse(TypedDict):
    server: ServerInfo
    providers: list[ProviderStatus]


class AccountDetail(TypedDict):
    account_id: str
    label: NotRequired[str]
    is_active: bool
    token_state: TokenStateDto
    expires_at: NotRequired[UInt]


class ProviderAccounts(TypedDict):
    id: str
    display_name: str
    accounts: list[AccountDetail]


class AccountsResponse(TypedDict):
    providers: list[ProviderAccounts]


class RateLimitSnapshot(TypedDict):
    headers: dict[str, str]
    captured_at: UInt


class AccountRateLimit(TypedDict):
    account_id: str
    snapshot: RateLimitSnapshot


class ProviderRateLimits(TypedDict):
    id: str
    display_name: str
    accounts: list[AccountRateLimit]


class RateLimitsResponse(TypedDict):
    providers: list[ProviderRateLimits]


class ModelStats(TypedDict):
    requests: UInt
    success: UInt
    failure: UInt
    input_tokens: UInt
    output_tokens: UInt


class UsageSnapshot(TypedDict):
    total_requests: UInt
    success_requests: UInt
    failure_requests: UInt
    input_tokens: UInt
    output_tokens: UInt
    models: dict[str, ModelStats]


class UsageBucket(TypedDict):
    """The original's bucket plus success/failure and cache counts (additions)."""

    period_start: UInt
    model: str
    request_count: UInt
    input_tokens: UInt
    output_tokens: UInt
    success_count: UInt
    failure_count: UInt
    cache_read_tokens: UInt
    cache_write_tokens: UInt


UsageHistoryResponse = TypedDict(
    "UsageHistoryResponse",
    {"from": UInt, "to": UInt, "bucket_seconds": UInt, "buckets": list[UsageBucket]},
)

UsageHistoryQuery = TypedDict(
    "UsageHistoryQuery",
    {"from": NotRequired[QueryInt], "to": NotRequired[QueryInt], "model": NotRequired[str]},
)
"""``from``/``to``: Unix seconds (defaults: ``to`` = now, ``from`` = ``to`` - 1 day)."""


class UsageDimensionName(StrEnum):
    PROVIDER = "provider"
    MODEL = "model"
    ACCOUNT = "account_id"


class UsageTotalEntry(TypedDict):
    """One group; only the grouped dimensions appear (no account = API key)."""

    period_start: UInt
    provider: NotRequired[str]
    model: NotRequired[str]
    account_id: NotRequired[str]
    requests: UInt
    successes: UInt
    failures: UInt
    input_tokens: UInt
    output_tokens: UInt
    cache_read_tokens: UInt
    cache_write_tokens: UInt


UsageTotalsResponse = TypedDict(
    "UsageTotalsResponse",
    {
        "from": NotRequired[UInt],
        "to": NotRequired[UInt],
        "group_by": list[UsageDimensionName],
        "totals": list[UsageTotalEntry],
    },
)

UsageTotalsQuery = TypedDict(
    "UsageTotalsQuery",
    {
        "from": NotRequired[QueryInt],
        "to": NotRequired[QueryInt],
        "group_by": NotRequired[str],
        "provider": NotRequired[str],
        "model": NotRequired[str],
        "account_id": NotRequired[str],
    },
)
"""``group_by``: comma-separated ``provider``, ``model``, ``account_id`` (default ``model``)."""


class CooldownResetQuery(TypedDict):
    provider: NotRequired[str]


class AmpThreadListQuery(TypedDict):
    limit: NotRequired[QueryInt]
    offset: NotRequired[QueryInt]
    has_messages: NotRequired[bool]


class ModelEntry(TypedDict):
    id: str
    object: str
    created: UInt
    owned_by: str


class ModelsResponse(TypedDict):
    object: str
    data: list[ModelEntry]


class CooldownResetResponse(TypedDict):
    reset: UInt


class ReloadResponse(TypedDict):
    reloaded: bool


class HealthResponse(TypedDict):
    status: str


class ErrorDetail(TypedDict):
    message: str
    type: str
    code: NotRequired[str]


class ErrorResponse(TypedDict):
    error: ErrorDetail


class AmpThreadSummary(TypedDict):
    id: str
    created: UInt
    title: NotRequired[str]
    message_count: UInt
    agent_mode: NotRequired[str]
    last_model: NotRequired[str]
    total_input_tokens: NotRequired[UInt]
    total_output_tokens: NotRequired[UInt]
    file_size_bytes: UInt


class AmpThreadListResponse(TypedDict):
    threads: list[AmpThreadSummary]
    total: UInt


class AmpToolRun(TypedDict):
    status: str
    result: NotRequired[Any]
    error: NotRequired[Any]


class AmpContentBlock(TypedDict):
    type: str
    text: NotRequired[str]
    thinking: NotRequired[str]
    id: NotRequired[str]
    name: NotRequired[str]
    input: NotRequired[Any]
    tool_use_id: NotRequired[str]
    run: NotRequired[AmpToolRun]
    original_type: NotRequired[str]


class AmpUsage(TypedDict):
    model: str
    input_tokens: NotRequired[UInt]
    output_tokens: NotRequired[UInt]
    cache_creation_input_tokens: NotRequired[UInt]
    cache_read_input_tokens: NotRequired[UInt]
    total_input_tokens: NotRequired[UInt]


class AmpMessageState(TypedDict):
    state_type: str
    stop_reason: NotRequired[str]


class AmpMessage(TypedDict):
    role: str
    message_id: UInt
    content: list[AmpContentBlock]
    usage: NotRequired[AmpUsage]
    state: NotRequired[AmpMessageState]


class AmpRelationship(TypedDict):
    thread_id: str
    rel_type: str
    role: NotRequired[str]


class AmpThreadDetail(TypedDict):
    id: str
    v: UInt
    created: UInt
    title: NotRequired[str]
    agent_mode: NotRequired[str]
    messages: list[AmpMessage]
    relationships: NotRequired[list[AmpRelationship]]
    env: NotRequired[Any]
