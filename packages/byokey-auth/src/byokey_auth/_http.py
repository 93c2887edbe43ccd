"""One place that turns httpx outcomes into byokey errors.

Transport failures become ``TransportError`` whose text names what was being
done and the failure class only: httpx messages can echo URLs, and the iFlow
user-info URL carries a token in its query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from byokey_auth._log_redaction import install_httpx_redaction
from byokey_types.errors import TransportError, UpstreamTimeout

if TYPE_CHECKING:  # httpx loads with the first client (issue 9: start-up)
    import httpx

__all__ = ["parse_json", "send", "status_text"]


async def send(
    http: httpx.AsyncClient, method: str, url: str, *, what: str, **kwargs: Any
) -> httpx.Response:
    """Send one request; map connection-level failures to byokey errors."""
    import httpx  # loaded already: ``http`` is an httpx client

    install_httpx_redaction()
    try:
        return await http.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise UpstreamTimeout(f"{what}: timed out ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise TransportError(f"{what}: {type(exc).__name__}") from None


def parse_json(response: httpx.Response) -> Any:
    """The decoded body; raises ``ValueError`` (with a short reason) when it is not JSON."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        raise ValueError(str(exc).split(":", 1)[0] or "invalid JSON") from None


def status_text(response: httpx.Response) -> str:
    """``400 Bad Request``: the form the original's messages use."""
    reason = response.reason_phrase
    return f"{response.status_code} {reason}" if reason else str(response.status_code)
