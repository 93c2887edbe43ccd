"""A fake OAuth token endpoint for refresh requests, scripted per provider.

    fake = OAuthTokenFake(server)              # or the ``oauth_token_fake`` fixture
    AuthOptions(endpoints=AuthEndpoints(fake.endpoint_overrides()))
    fake.invalid_grant("claude")               # the next claude refresh is rejected
    fake.succeed("gemini", rotate=False)       # Google never rotates its refresh token
    fake.server_error("codex", 503); fake.drop("qwen"); fake.slow("kimi", 5.0)
    fake.refresh_requests("claude")[0].fields  # what the client sent (form or JSON)

Every provider has its own token path (``/oauth/{provider}/token``); Kiro has the
AWS SSO OIDC path (``/kiro/oidc/token``, camelCase JSON) and the Kiro social path
(``/kiro/social/refreshToken``); iFlow's API-key exchange is ``/iflow/userinfo``.
Without a script each refresh succeeds with numbered tokens (``at-claude-1``,
``rt-claude-1``…) valid for ``expires_in`` seconds. One-shot scripts are served first,
in order.
"""

from __future__ import annotations

import base64
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from tests.fakes._replies import Drop, Json, Reply, Stall, Text
from tests.fakes.server import FakeServer, RecordedRequest

OAUTH_PROVIDERS = ("claude", "codex", "gemini", "antigravity", "qwen", "kimi", "amp", "iflow")
KIRO_OIDC_PATH = "/kiro/oidc/token"
KIRO_SOCIAL_PATH = "/kiro/social/refreshToken"
IFLOW_USERINFO_PATH = "/iflow/userinfo"


def token_path(provider: str) -> str:
    if provider == "kiro":
        return KIRO_OIDC_PATH
    if provider == "kiro-social":
        return KIRO_SOCIAL_PATH
    return f"/oauth/{provider}/token"


@dataclass(frozen=True)
class RefreshRequest:
    """A recorded refresh: the request plus its decoded body."""

    provider: str
    request: RecordedRequest
    fields: dict[str, Any]
    is_json: bool

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        value = self.request.headers.get("authorization", "")
        if not value.lower().startswith("basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password


def decode_fields(request: RecordedRequest) -> tuple[dict[str, Any], bool]:
    if "json" in request.headers.get("content-type", ""):
        data = orjson.loads(request.body or b"{}")
        return (data if isinstance(data, dict) else {}), True
    return dict(parse_qsl(request.body.decode(), keep_blank_values=True)), False


class OAuthTokenFake:
    """Token endpoints for every provider on one :class:`FakeServer`."""

    def __init__(self, server: FakeServer, *, expires_in: int = 3600) -> None:
        self.server = server
        self.expires_in = expires_in
        self._lock = threading.Lock()
        self._issued: Counter[str] = Counter()
        self._rotate: dict[str, bool] = {}
        self._extra: dict[str, dict[str, Any]] = {}
        for provider in OAUTH_PROVIDERS:
            server.route("POST", token_path(provider), self._handler(provider))
        server.route("POST", KIRO_OIDC_PATH, self._handler("kiro"))
        server.route("POST", KIRO_SOCIAL_PATH, self._handler("kiro-social"))
        server.route("GET", IFLOW_USERINFO_PATH, self._userinfo)

    # ------------------------------------------------------------------ wiring

    @property
    def url(self) -> str:
        return self.server.url

    def token_url(self, provider: str) -> str:
        return f"{self.server.url}{token_path(provider)}"

    def endpoint_overrides(self) -> dict[str, str]:
        """``AuthEndpoints`` overrides pointing every refresh here (and no client document)."""
        out = {f"{p}_token": self.token_url(p) for p in OAUTH_PROVIDERS}
        out["kiro_token"] = self.token_url("kiro")
        out["kiro_social"] = f"{self.server.url}/kiro/social"
        out["iflow_userinfo"] = f"{self.server.url}{IFLOW_USERINFO_PATH}"
        out["credentials_base"] = ""
        return out

    # --------------------------------------------------------------- scripting

    def succeed(
        self, provider: str, *, rotate: bool = True, extra: dict[str, Any] | None = None
    ) -> None:
        """How un-scripted refreshes answer: rotate the refresh token or not, extra fields."""
        with self._lock:
            self._rotate[provider] = rotate
            self._extra[provider] = dict(extra or {})

    def queue(self, provider: str, *replies: Reply) -> None:
        """One-shot replies served before the default answer, in order."""
        self.server.find_route("POST", token_path(provider)).queue(*replies)

    def invalid_grant(self, provider: str, description: str = "refresh token revoked") -> None:
        self.queue(
            provider,
            Json(400, {"error": "invalid_grant", "error_description": description}),
        )

    def rejected(self, provider: str, status: int = 400, error: str = "invalid_client") -> None:
        self.queue(provider, Json(status, {"error": error, "error_description": f"{error}!"}))

    def server_error(self, provider: str, status: int = 503, *, json_body: bool = False) -> None:
        reply: Reply = (
            Json(status, {"error": "temporarily_unavailable"})
            if json_body
            else Text(status, "<html>upstream sad</html>", content_type="text/html")
        )
        self.queue(provider, reply)

    def drop(self, provider: str) -> None:
        """Close the connection without answering."""
        self.queue(provider, Drop())

    def slow(self, provider: str, seconds: float, then: Reply | None = None) -> None:
        """Answer only after ``seconds`` (the success default when ``then`` is None)."""
        self.queue(provider, Stall(seconds, then or self._success(provider)))

    # ------------------------------------------------------------------ records

    def refresh_requests(self, provider: str) -> list[RefreshRequest]:
        out = []
        for request in self.server.requests_to(token_path(provider), "POST"):
            fields, is_json = decode_fields(request)
            out.append(RefreshRequest(provider, request, fields, is_json))
        return out

    def issued(self, provider: str) -> int:
        """How many successful default answers ``provider`` got."""
        with self._lock:
            return self._issued[provider]

    # ---------------------------------------------------------------- handlers

    def _success(self, provider: str) -> Json:
        with self._lock:
            self._issued[provider] += 1
            n = self._issued[provider]
            rotate = self._rotate.get(provider, True)
            extra = dict(self._extra.get(provider, {}))
        name = "kiro" if provider.startswith("kiro") else provider
        if name == "kiro":
            body: dict[str, Any] = {
                "accessToken": f"at-{provider}-{n}",
                "expiresIn": self.expires_in,
            }
            if rotate:
                body["refreshToken"] = f"rt-{provider}-{n}"
        else:
            body = {
                "access_token": f"at-{provider}-{n}",
                "expires_in": self.expires_in,
                "token_type": "bearer",
            }
            if rotate:
                body["refresh_token"] = f"rt-{provider}-{n}"
        body.update(extra)
        return Json(200, body)

    def _handler(self, provider: str) -> Any:
        def handle(request: RecordedRequest) -> Reply:
            fields, _ = decode_fields(request)
            grant = fields.get("grantType") if provider == "kiro" else fields.get("grant_type")
            if provider != "kiro-social" and grant != "refresh_token":
                return Json(400, {"error": "unsupported_grant_type"})
            refresh = fields.get("refreshToken" if provider.startswith("kiro") else "refresh_token")
            if not refresh:
                return Json(400, {"error": "invalid_request", "error_description": "no token"})
            return self._success(provider)

        return handle

    def _userinfo(self, request: RecordedRequest) -> Reply:
        access = request.query.get("accessToken", "")
        return Json(200, {"success": True, "data": {"apiKey": f"sk-iflow-for-{access}"}})
