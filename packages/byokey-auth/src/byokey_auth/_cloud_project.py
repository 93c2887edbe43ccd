"""Antigravity's Cloud Code project, looked up once at login and kept with the token.

The original never stored one, so its executor invented a random project name on
every request. Cloud Code's ``loadCodeAssist`` tells which project the account is
already onboarded to (``cloudaicompanionProject``: a string, or an object with an
``id``). The lookup is best effort: when it fails the login still succeeds and
the executor falls back to its own choice.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from byokey_auth._context import FlowContext
from byokey_auth._http import parse_json, send
from byokey_auth._metadata_keys import PROJECT_ID_KEY
from byokey_types.errors import ByokError
from byokey_types.token import OAuthToken

__all__ = ["PROJECT_ID_KEY", "with_antigravity_project"]

log = logging.getLogger(__name__)

_BODY: Final = {
    "metadata": {
        "ideType": "ANTIGRAVITY",
        "platform": "PLATFORM_UNSPECIFIED",
        "pluginType": "GEMINI",
    }
}


def _project_of(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    project = data.get("cloudaicompanionProject")
    if isinstance(project, dict):
        project = project.get("id")
    return project if isinstance(project, str) and project else None


async def with_antigravity_project(ctx: FlowContext, token: OAuthToken) -> OAuthToken:
    """``token`` with ``metadata["project_id"]`` when Cloud Code names one."""
    base = ctx.options.endpoints.require("antigravity_api").rstrip("/")
    try:
        response = await send(
            ctx.http,
            "POST",
            f"{base}/v1internal:loadCodeAssist",
            what="antigravity project lookup",
            json=_BODY,
            headers={"Authorization": f"Bearer {token.access_token}"},
        )
        project = _project_of(parse_json(response)) if response.is_success else None
    except (ByokError, ValueError) as exc:
        log.info("antigravity project lookup failed (%s); continuing without one", exc)
        return token
    if project is None:
        log.info("antigravity project lookup gave no project (status %d)", response.status_code)
        return token
    return token.with_metadata(**{PROJECT_ID_KEY: project})
