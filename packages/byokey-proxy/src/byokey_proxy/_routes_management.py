"""``/v0/management/*`` on the main listener: status, accounts, usage, limits, control.

Read-mostly views over the token store, the usage recorder and the gateway,
plus the few actions the desktop app and ``byokey`` need (switch or remove an
account, reset cooldowns, reload the settings file).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import cast

from starlette.requests import Request
from starlette.responses import Response

from byokey_types import (
    ByokError,
    InvalidRequest,
    ProviderId,
    StorageError,
    TokenState,
    WireFormat,
)

from ._http_errors import NoStore, NotFound, ReloadRejected
from ._responses import error_response, json_response
from ._routes_chat import Handler
from ._schemas import (
    SAFE_INTEGER_MAX,
    AccountDetail,
    AccountRateLimit,
    AccountsResponse,
    AuthStatus,
    ModelStats,
    ProviderAccounts,
    ProviderRateLimits,
    ProviderStatus,
    RateLimitsResponse,
    StatusResponse,
    TokenStateDto,
    UsageDimensionName,
    UsageHistoryResponse,
    UsageSnapshot,
    UsageTotalEntry,
    UsageTotalsResponse,
)
from ._state import ProxyState
from ._usage_aggregate import aggregating, history_totals

__all__ = [
    "MAX_QUERY_INT",
    "accounts",
    "activate_account",
    "query_int",
    "ratelimits",
    "reload_settings",
    "remove_account",
    "reset_cooldowns",
    "status",
    "usage",
    "usage_history",
    "usage_totals",
]

_log = logging.getLogger("byokey.proxy.management")

_FMT = WireFormat.OPENAI
_DAY = 86_400


MAX_QUERY_INT = SAFE_INTEGER_MAX
"""Largest integer a query parameter takes (JavaScript's safe integers; SQLite holds them)."""


def query_int(request: Request, name: str, default: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequest(f"query parameter {name!r} must be an integer") from None
    if value < 0:
        raise InvalidRequest(f"query parameter {name!r} must not be negative")
    if value > MAX_QUERY_INT:
        raise InvalidRequest(f"query parameter {name!r} must be at most {MAX_QUERY_INT}")
    return value


async def _auth_status(state: ProxyState, provider: ProviderId) -> AuthStatus:
    config = state.settings().provider(provider)
    if config.api_key or config.api_keys:
        return AuthStatus.VALID
    if state.tokens is None:
        return AuthStatus.NOT_CONFIGURED
    try:
        token = await state.tokens.load(provider)
        if token is not None and token.state() is not TokenState.INVALID:
            return AuthStatus.VALID
        listed = await state.tokens.list_accounts(provider)
    except ByokError:
        return AuthStatus.NOT_CONFIGURED
    return AuthStatus.EXPIRED if listed else AuthStatus.NOT_CONFIGURED


def status(state: ProxyState) -> Handler:
    async def handle(request: Request) -> Response:
        settings = state.settings()
        providers: list[ProviderStatus] = []
        for provider in ProviderId.all():
            models = (
                len(state.gateway.supported_models(provider)) if provider.is_model_provider else 0
            )
            providers.append(
                {
                    "id": provider.value,
                    "display_name": provider.display_name,
                    "enabled": settings.provider(provider).enabled,
                    "auth_status": await _auth_status(state, provider),
                    "models_count": models,
                }
            )
        body: StatusResponse = {
            "server": {"host": settings.host, "port": settings.port},
            "providers": providers,
        }
        return json_response(body)

    return handle


async def _account_details(state: ProxyState, provider: ProviderId) -> list[AccountDetail]:
    if state.tokens is None:
        return []
    try:
        listed = await state.tokens.list_accounts(provider)
    except ByokError:
        return []
    details: list[AccountDetail] = []
    for info in listed:
        try:
            token = await state.tokens.load_account(provider, info.account_id)
        except ByokError:
            token = None
        detail: AccountDetail = {
            "account_id": info.account_id,
            "is_active": info.is_active,
            "token_state": TokenStateDto(token.state().value) if token else TokenStateDto.INVALID,
        }
        if info.label is not None:
            detail["label"] = info.label
        if token is not None and token.expires_at is not None:
            detail["expires_at"] = max(0, token.expires_at)
        details.append(detail)
    return details


def accounts(state: ProxyState) -> Handler:
    async def handle(request: Request) -> Response:
        providers: list[ProviderAccounts] = [
            {
                "id": provider.value,
                "display_name": provider.display_name,
                "accounts": await _account_details(state, provider),
            }
            for provider in ProviderId.all()
        ]
        body: AccountsResponse = {"providers": providers}
        return json_response(body)

    return handle


def _account_action(state: ProxyState, *, activate: bool) -> Handler:
    async def handle(request: Request) -> Response:
        try:
            provider = ProviderId.parse(request.path_params["provider"])
            account_id: str = request.path_params["account_id"]
            if state.tokens is None:
                raise NoStore("no token store configured")
            if activate:
                known = {a.account_id for a in await state.tokens.list_accounts(provider)}
                if account_id not in known:
                    raise NotFound(f"account {account_id!r} not found for provider {provider}")
                await state.tokens.set_active(provider, account_id)
            else:
                await state.tokens.remove_account(provider, account_id)
        except ByokError as err:
            return error_response(err, _FMT)
        return Response(status_code=204)

    return handle


def remove_account(state: ProxyState) -> Handler:
    return _account_action(state, activate=False)


def activate_account(state: ProxyState) -> Handler:
    return _account_action(state, activate=True)


def usage(state: ProxyState) -> Handler:
    async def handle(request: Request) -> Response:
        try:
            totals = await state.usage.current_totals()
        except Exception as exc:  # only a shared store is read here
            return _store_failure(exc)
        models: dict[str, ModelStats] = {
            name: {
                "requests": s.requests,
                "success": s.success,
                "failure": s.failure,
                "input_tokens": s.input_tokens,
                "output_tokens": s.output_tokens,
            }
            for name, s in totals.models.items()
        }
        body: UsageSnapshot = {
            "total_requests": totals.total_requests,
            "success_requests": totals.success_requests,
            "failure_requests": totals.failure_requests,
            "input_tokens": totals.input_tokens,
            "output_tokens": totals.output_tokens,
            "models": models,
        }
        return json_response(body)

    return handle


def _history_range(request: Request) -> tuple[int, int]:
    end = query_int(request, "to", int(time.time()))
    assert end is not None
    start = query_int(request, "from", max(0, end - _DAY))
    assert start is not None
    if start > end:
        raise InvalidRequest("'from' must not be after 'to'")
    return start, end


def _no_usage_store() -> NoStore:
    return NoStore("no persistent usage store configured")


def usage_history(state: ProxyState) -> Handler:
    """Buckets of ``[from, to]`` (``to`` inclusive, so a request made this second shows)."""

    async def handle(request: Request) -> Response:
        try:
            start, end = _history_range(request)
        except ByokError as err:
            return error_response(err, _FMT)
        model = request.query_params.get("model") or None
        store = state.usage.store
        if store is None:
            return error_response(_no_usage_store(), _FMT)
        from byokey_store import history_bucket_secs  # SQLAlchemy loads on first use

        bucket = history_bucket_secs(end - start)
        await state.usage.flush()
        try:
            totals = await history_totals(store, start, end + 1, model=model, bucket_secs=bucket)
        except Exception as exc:
            return _store_failure(exc)
        body: UsageHistoryResponse = {
            "from": start,
            "to": end,
            "bucket_seconds": bucket,
            "buckets": [
                {
                    "period_start": t.period_start,
                    "model": t.model or "",
                    "request_count": t.requests,
                    "input_tokens": t.input_tokens,
                    "output_tokens": t.output_tokens,
                    "success_count": t.successes,
                    "failure_count": t.failures,
                    "cache_read_tokens": t.cache_read_tokens,
                    "cache_write_tokens": t.cache_write_tokens,
                }
                for t in totals
            ],
        }
        return json_response(body)

    return handle


def _store_failure(exc: Exception) -> Response:
    _log.warning("usage store read failed: %s", exc)
    failure = exc if isinstance(exc, ByokError) else StorageError(type(exc).__name__)
    return error_response(failure, _FMT)


def usage_totals(state: ProxyState) -> Handler:
    """Totals grouped by any of provider, model, account, over an optional range."""

    async def handle(request: Request) -> Response:
        params = request.query_params
        try:
            start = query_int(request, "from")
            end = query_int(request, "to")
            if start is not None and end is not None and start > end:
                raise InvalidRequest("'from' must not be after 'to'")
            from byokey_store import UsageDimension, UsageQuery  # SQLAlchemy on first use

            raw_group = params.get("group_by") or UsageDimension.MODEL.value
            query = UsageQuery.build(
                start=start,
                end=None if end is None else end + 1,
                group_by=[g.strip() for g in raw_group.split(",") if g.strip()],
                provider=params.get("provider") or None,
                model=params.get("model") or None,
                account_id=params.get("account_id") or None,
            )
        except ByokError as err:
            return error_response(err, _FMT)
        store = aggregating(state.usage.store)
        if store is None:
            return error_response(_no_usage_store(), _FMT)
        await state.usage.flush()
        try:
            totals = await store.aggregate(
                start=query.start,
                end=query.end,
                group_by=query.group_by,
                provider=query.provider,
                model=query.model,
                account_id=query.account_id,
            )
        except Exception as exc:
            return _store_failure(exc)
        body: UsageTotalsResponse = {
            "group_by": [UsageDimensionName(d.value) for d in query.group_by],
            "totals": [cast(UsageTotalEntry, t.to_dict()) for t in totals],
        }
        if start is not None:
            body["from"] = start
        if end is not None:
            body["to"] = end
        return json_response(body)

    return handle


def ratelimits(state: ProxyState) -> Handler:
    async def handle(request: Request) -> Response:
        snapshots = state.gateway.rate_limits()
        providers: list[ProviderRateLimits] = []
        for provider in ProviderId.all():
            per_account = snapshots.get(provider)
            if not per_account:
                continue
            entries: list[AccountRateLimit] = [
                {"account_id": account, "snapshot": snap.to_dict()}
                for account, snap in per_account.items()
            ]
            providers.append(
                {"id": provider.value, "display_name": provider.display_name, "accounts": entries}
            )
        body: RateLimitsResponse = {"providers": providers}
        return json_response(body)

    return handle


def reset_cooldowns(state: ProxyState) -> Handler:
    async def handle(request: Request) -> Response:
        name = request.query_params.get("provider")
        try:
            provider = ProviderId.parse(name) if name else None
        except ByokError as err:
            return error_response(err, _FMT)
        return json_response({"reset": state.gateway.reset_cooldowns(provider)})

    return handle


def reload_settings(state: ProxyState) -> Handler:
    async def handle(request: Request) -> Response:
        if state.reload is None:
            return error_response(NoStore("this server was started without a settings file"), _FMT)
        try:
            await asyncio.to_thread(state.reload)
        except ByokError as err:
            return error_response(ReloadRejected(str(err)), _FMT)
        return json_response({"reloaded": True})

    return handle
