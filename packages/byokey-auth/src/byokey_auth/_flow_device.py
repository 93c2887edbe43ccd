"""The device-authorization polling loop (RFC 8628) shared by copilot, qwen, kimi and kiro.

What each provider sends differs (form or JSON, PKCE, device headers, AWS
camelCase); what its answers mean does not, so one classifier reads them all:

- ``authorization_pending``: poll again after ``interval``;
- ``slow_down``: add 5 s to the interval for good (RFC 8628 §3.5), or take the
  server's new ``interval`` when it sends a longer one (GitHub does);
- ``expired_token`` / ``access_denied``: stop with an error that says which;
- an error code can come from the body (``error``), from AWS's
  ``x-amzn-ErrorType`` header / ``__type`` field, or only from the status (a bare
  401/403 means denied), so a proxy that strips bodies does not make us spin.

The first poll waits one interval. The clock's ``sleep`` and ``monotonic`` are the
only time sources, so tests drive the loop with a manual clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from byokey_auth._context import FlowContext
from byokey_auth._http import parse_json, status_text
from byokey_auth._prompts import DeviceCodePrompt, ProgressPrompt, PromptHandler, emit
from byokey_auth._token_response import DeviceCode
from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId

if TYPE_CHECKING:  # httpx loads with the first client (issue 9: start-up)
    import httpx

__all__ = [
    "MIN_INTERVAL",
    "SLOW_DOWN_STEP",
    "PollOutcome",
    "classify_poll",
    "poll_for_token",
]

SLOW_DOWN_STEP: Final = 5.0
MIN_INTERVAL: Final = 1.0
"""Never poll faster than this, whatever the server advertises (0 would spin)."""

_AWS_CODES: Final = {
    "AuthorizationPendingException": "authorization_pending",
    "SlowDownException": "slow_down",
    "ExpiredTokenException": "expired_token",
    "AccessDeniedException": "access_denied",
    "InvalidGrantException": "invalid_grant",
    "InvalidClientException": "invalid_client",
    "UnauthorizedClientException": "unauthorized_client",
    "InvalidRequestException": "invalid_request",
}
_TERMINAL_TEXT: Final = {
    "access_denied": "the request was denied",
    "expired_token": "the code expired before it was approved; run the login again",
}


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """One poll answer: ``error`` is None when ``data`` holds the token response."""

    error: str | None
    data: dict[str, Any]
    interval: float | None = None
    """A new interval the server asked for (``slow_down``), when it said."""


def _aws_code(response: httpx.Response, data: dict[str, Any]) -> str | None:
    raw = response.headers.get("x-amzn-errortype") or data.get("__type")
    if not isinstance(raw, str) or not raw:
        return None
    name = raw.split(":", 1)[0].rsplit("#", 1)[-1]
    return _AWS_CODES.get(name, name)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


def classify_poll(response: httpx.Response) -> PollOutcome:
    """What a poll answer means, whatever its status (Qwen says "pending" with a 400)."""
    try:
        parsed = parse_json(response)
    except ValueError as exc:
        parsed = None
        reason = str(exc)
    data: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
    error = data.get("error") if isinstance(data.get("error"), str) else None
    error = error or _aws_code(response, data)
    if error is None and not response.is_success:
        if response.status_code in (401, 403):
            error = "access_denied"
        else:
            raise AuthError(f"device flow error: the poll returned {status_text(response)}")
    if error is None and parsed is None:
        raise AuthError(f"failed to parse the token reply: {reason}")
    if error is None and not isinstance(parsed, dict):
        raise AuthError("failed to parse the token reply: not a JSON object")
    return PollOutcome(error=error, data=data, interval=_number(data.get("interval")))


async def poll_for_token(
    ctx: FlowContext,
    provider: ProviderId,
    device: DeviceCode,
    send_poll: Callable[[], Awaitable[httpx.Response]],
    *,
    on_prompt: PromptHandler | None,
) -> dict[str, Any]:
    """Poll until the user approves; returns the token response body.

    The deadline is ``expires_in`` after the code was issued, on the monotonic
    clock. A transport failure ends the flow (``TransportError``): retrying a
    dead network for ten minutes helps nobody.
    """
    clock = ctx.clock
    deadline = clock.monotonic() + device.expires_in
    interval = max(device.interval, MIN_INTERVAL)
    await emit(on_prompt, ProgressPrompt(provider, "waiting for the code to be approved"))
    while True:
        await clock.sleep(interval)
        if clock.monotonic() >= deadline:
            raise AuthError("device code expired")
        outcome = classify_poll(await send_poll())
        if outcome.error is None:
            return outcome.data
        if outcome.error == "authorization_pending":
            continue
        if outcome.error == "slow_down":
            interval = max(interval + SLOW_DOWN_STEP, outcome.interval or 0.0)
            continue
        detail = _TERMINAL_TEXT.get(outcome.error)
        raise AuthError(f"device flow error: {outcome.error}" + (f" ({detail})" if detail else ""))


async def show_device_code(
    provider: ProviderId, device: DeviceCode, on_prompt: PromptHandler | None
) -> None:
    await emit(
        on_prompt,
        DeviceCodePrompt(
            provider,
            verification_uri=device.verification_uri,
            user_code=device.user_code,
            verification_uri_complete=device.verification_uri_complete,
            expires_in=device.expires_in,
        ),
    )
