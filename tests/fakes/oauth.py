"""A fake of every provider's OAuth server, plus a robot browser that drives it.

One :class:`OAuthFake` on a :class:`FakeServer` plays all ten providers under
``/{provider}/...`` and checks what real servers check (PKCE verifier against the
challenge, redirect URI, client authentication, per-provider body shape). A request
that breaks a rule is answered the way the real server would (400 ``invalid_grant``
/ ``invalid_request`` / ``invalid_client``) and the reason is appended to
:attr:`OAuthFake.problems`, so a test can both see the failure and assert
``fake.problems == []``.

    fake = OAuthFake(server)                          # or the ``oauth_fake`` fixture
    options = AuthOptions(endpoints=AuthEndpoints(fake.endpoint_overrides()))
    fake.script_device("qwen", "pending", "slow_down", "success")
    fake.authorize_mode["claude"] = "deny"            # the user clicks "Deny"
    browser = RobotBrowser()                          # the ``open_browser`` of a flow

Routes:

- ``GET /oauth/{p}.json``: the runtime credential document (``doc_mode`` switches).
- ``GET /{p}/authorize``: 302 to the redirect URI (``authorize_mode`` switches).
- ``POST /{p}/token``: ``authorization_code``, ``refresh_token`` and device-code grants.
- ``POST /{p}/device``: RFC 8628 device authorization (GitHub's shape for copilot:
  form-encoded unless ``Accept: application/json``, polls answered with HTTP 200).
- ``GET /api/oauth/getUserInfo``: iFlow's OAuth-token-for-API-key exchange.
- ``POST /v1internal:loadCodeAssist``: Cloud Code's project lookup (Antigravity).
- ``POST /kiro/client/register``, ``/kiro/device_authorization``, ``/kiro/token``:
  AWS SSO-OIDC ``RegisterClient`` / ``StartDeviceAuthorization`` / ``CreateToken``
  (camelCase JSON, errors as 400 with ``error`` in the body and ``x-amzn-ErrorType``).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson

from tests.fakes._replies import Json, Reply, Text
from tests.fakes._routes import REPLY_TYPES
from tests.fakes.server import FakeServer, RecordedRequest

__all__ = [
    "AUTH_CODE_PROVIDERS",
    "DEVICE_GRANT",
    "DEVICE_PROVIDERS",
    "BrowserVisit",
    "IssuedCode",
    "OAuthFake",
    "RobotBrowser",
    "fake_jwt",
    "s256",
]

AUTH_CODE_PROVIDERS = ("claude", "codex", "gemini", "antigravity", "iflow", "amp")
DEVICE_PROVIDERS = ("copilot", "qwen", "kimi")
ALL_PROVIDERS = (*AUTH_CODE_PROVIDERS, *DEVICE_PROVIDERS, "kiro")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

_SECRET_PROVIDERS = ("gemini", "antigravity", "iflow")
_JSON_EXCHANGE = ("claude", "amp")
_JSON_REFRESH = ("claude",)  # Claude Code refreshes with JSON; every other client with a form
_NO_PKCE = ("iflow",)
_KIMI_HEADERS = (
    "X-Msh-Platform",
    "X-Msh-Version",
    "X-Msh-Device-Name",
    "X-Msh-Device-Model",
    "X-Msh-Device-Id",
)
_DEFAULT_LIFETIME = {"copilot": 900, "qwen": 600, "kimi": 600, "kiro": 600}
_AWS_ERROR_TYPES = {
    "authorization_pending": "AuthorizationPendingException",
    "slow_down": "SlowDownException",
    "expired_token": "ExpiredTokenException",
    "access_denied": "AccessDeniedException",
    "invalid_grant": "InvalidGrantException",
    "invalid_client": "InvalidClientException",
    "invalid_request": "InvalidRequestException",
}

AuthorizeMode = Literal["approve", "deny", "wrong_state", "no_code", "no_state", "stale_code"]
"""``stale_code``: a code is issued but has expired by the time it is exchanged."""
DocMode = Literal["ok", "404", "not_json", "no_client_id", "no_token_url", "no_secret"]
UserinfoMode = Literal["ok", "empty_key", "500", "not_json"]
RefreshMode = Literal["rotate", "keep", "invalid_grant", "server_error"]
DeviceStep = str | Reply
"""``"pending"``, ``"slow_down"``, ``"access_denied"``, ``"expired_token"``,
``"success"``, any other RFC 8628 error code, or a raw reply."""


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier`` (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def fake_jwt(claims: Mapping[str, Any]) -> str:
    """An unsigned JWT carrying ``claims`` (what an id_token looks like on the wire)."""

    def part(data: Any) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode("ascii")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(dict(claims))}.sig"


@dataclass
class IssuedCode:
    """An authorization code handed out by the authorize endpoint."""

    provider: str
    client_id: str
    redirect_uri: str
    challenge: str | None
    state: str
    used: bool = False
    expired: bool = False


@dataclass
class _Device:
    provider: str
    client_id: str
    challenge: str | None = None
    done: bool = False
    kiro_secret: str | None = None


@dataclass
class _Kiro:
    clients: dict[str, str] = field(default_factory=dict)
    """Registered clientId -> clientSecret."""
    registrations: list[dict[str, Any]] = field(default_factory=list)
    secret_lifetime: int = 90 * 24 * 3600
    error_style: Literal["body", "header_only"] = "body"


class OAuthFake:
    """Every provider's OAuth endpoints on one fake server, scriptable per provider."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self._lock = threading.Lock()
        self._serial = itertools.count(1)
        #: Accepted client id (and secret, for the confidential clients) per provider.
        self.clients: dict[str, tuple[str, str | None]] = {
            p: (f"test-{p}", f"sec-{p}" if p in _SECRET_PROVIDERS else None) for p in ALL_PROVIDERS
        }
        self.authorize_mode: dict[str, AuthorizeMode] = defaultdict(lambda: "approve")
        self.doc_mode: dict[str, DocMode] = defaultdict(lambda: "ok")
        self.userinfo_mode: UserinfoMode = "ok"
        self.refresh_mode: dict[str, RefreshMode] = defaultdict(lambda: "rotate")
        #: Seconds of validity of issued access tokens (None: omit ``expires_in``).
        self.expires_in: dict[str, int | None] = defaultdict(lambda: 3600)
        self.expires_in["copilot"] = None
        #: Fields merged into every successful authorization-code/device token answer.
        self.token_extra: dict[str, dict[str, Any]] = defaultdict(dict, _default_extras())
        #: Overrides of the device-authorization answer (``None`` removes a field).
        self.device_overrides: dict[str, dict[str, Any]] = defaultdict(dict)
        #: HTTP status of pending/slow_down poll answers (GitHub 200, most others 400).
        self.pending_status: dict[str, int] = defaultdict(lambda: 400, {"copilot": 200})
        #: One-shot replies for the next authorization-code exchange of a provider.
        self.exchange_replies: dict[str, deque[Reply]] = defaultdict(deque)
        self.codes: dict[str, IssuedCode] = {}
        self.issued_tokens: dict[str, str] = {}
        """access token -> provider, for every token this fake handed out."""
        self.refresh_tokens: dict[str, str] = {}
        """live refresh token -> provider."""
        self.problems: list[str] = []
        self.kiro = _Kiro()
        self._devices: dict[str, _Device] = {}
        self._device_script: dict[str, deque[DeviceStep]] = defaultdict(deque)
        server.route("GET", "/oauth/{provider}.json", self._document)
        server.route("GET", "/{provider}/authorize", self._authorize)
        server.route("POST", "/{provider}/token", self._token)
        server.route("POST", "/{provider}/device", self._device)
        server.route("GET", "/api/oauth/getUserInfo", self._userinfo)
        server.route("POST", "/kiro/client/register", self._kiro_register)
        server.route("POST", "/kiro/device_authorization", self._kiro_device)
        server.route("POST", "/v1internal:loadCodeAssist", self._load_code_assist)
        #: What Cloud Code's ``loadCodeAssist`` names as the project (None: not onboarded).
        self.cloud_project: str | dict[str, str] | None = "fake-project-42"

    # ------------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        return self.server.url

    def endpoint_overrides(self, *, with_document: bool = False) -> dict[str, str]:
        """``AuthEndpoints`` overrides pointing every OAuth URL of every provider here.

        Without ``with_document`` the runtime credential document is switched off
        (``credentials_base=""``), so the compiled-in client ids are used unless a
        test sets :attr:`clients` to them or passes config clients.
        """
        base = self.url
        out = {f"{p}_authorize": f"{base}/{p}/authorize" for p in AUTH_CODE_PROVIDERS}
        out.update({f"{p}_token": f"{base}/{p}/token" for p in ALL_PROVIDERS if p != "kiro"})
        out.update({f"{p}_device": f"{base}/{p}/device" for p in DEVICE_PROVIDERS})
        out["iflow_userinfo"] = f"{base}/api/oauth/getUserInfo"
        out["kiro_oidc"] = f"{base}/kiro"
        out["antigravity_api"] = base  # Cloud Code's loadCodeAssist (project lookup)
        out["credentials_base"] = f"{base}/oauth" if with_document else ""
        return out

    def document(self, provider: str) -> dict[str, Any]:
        """The runtime credential document this fake serves for ``provider``."""
        client_id, secret = self.clients[provider]
        doc: dict[str, Any] = {
            "client_id": client_id,
            "token_url": f"{self.url}/{provider}/token",
        }
        if secret is not None:
            doc["client_secret"] = secret
        if provider in DEVICE_PROVIDERS:
            doc["device_code_url"] = f"{self.url}/{provider}/device"
        return doc

    # ------------------------------------------------------------------ scripting

    def script_device(self, provider: str, *steps: DeviceStep) -> OAuthFake:
        """Queue the answers to the next polls; when the queue is empty polls succeed."""
        with self._lock:
            self._device_script[provider].extend(steps)
        return self

    def fail_exchange(self, provider: str, *replies: Reply) -> OAuthFake:
        """Answer the next authorization-code exchanges of ``provider`` with ``replies``."""
        with self._lock:
            self.exchange_replies[provider].extend(replies)
        return self

    def requests_to(self, provider: str, endpoint: str) -> list[RecordedRequest]:
        """Requests to ``/{provider}/{endpoint}`` (``authorize``, ``token``, ``device``...)."""
        return self.server.requests_to(f"/{provider}/{endpoint}")

    def token_requests(self, provider: str, grant_type: str | None = None) -> list[RecordedRequest]:
        found = self.requests_to(provider, "token")
        if grant_type is None:
            return found
        return [r for r in found if _grant_of(provider, _body_of(r)) == grant_type]

    # -------------------------------------------------------------------- helpers

    def _problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def _reject(self, status: int, error: str, text: str) -> Reply:
        self._problem(text)
        return Json(status, {"error": error, "error_description": text})

    def _next(self, prefix: str) -> str:
        return f"{prefix}-{next(self._serial)}"

    def _client_ok(self, provider: str, client_id: str | None) -> bool:
        return client_id == self.clients[provider][0]

    # ----------------------------------------------------------------- document

    def _document(self, request: RecordedRequest) -> Reply:
        provider = request.path_params["provider"]
        if provider not in self.clients:
            return Json(404, {"error": "unknown provider"})
        mode = self.doc_mode[provider]
        if mode == "404":
            return Text(404, "Not Found")
        if mode == "not_json":
            return Text(200, "<html>maintenance</html>", content_type="text/html")
        doc = self.document(provider)
        if mode == "no_client_id":
            doc.pop("client_id")
        elif mode == "no_token_url":
            doc.pop("token_url")
        elif mode == "no_secret":
            doc.pop("client_secret", None)
        return Json(200, doc)

    # ---------------------------------------------------------------- authorize

    def _authorize(self, request: RecordedRequest) -> Reply:
        provider = request.path_params["provider"]
        query = request.query
        redirect = query.get("redirect_uri")
        if provider not in AUTH_CODE_PROVIDERS or not redirect:
            return self._reject(
                400, "invalid_request", f"{provider}: authorize without redirect_uri"
            )
        if not self._client_ok(provider, query.get("client_id")):
            return self._reject(
                400, "invalid_client", f"{provider}: unknown client_id at authorize"
            )
        if query.get("response_type") != "code":
            return self._reject(400, "unsupported_response_type", f"{provider}: response_type")
        challenge = query.get("code_challenge")
        if provider in _NO_PKCE:
            if challenge is not None:
                self._problem(f"{provider}: unexpected code_challenge")
        elif not challenge or query.get("code_challenge_method") != "S256":
            return self._reject(400, "invalid_request", f"{provider}: PKCE S256 required")
        state = query.get("state", "")
        mode = self.authorize_mode[provider]
        params: dict[str, str]
        if mode == "deny":
            params = {
                "error": "access_denied",
                "error_description": "The user denied the request",
                "state": state,
            }
        else:
            code = self._next(f"code-{provider}")
            with self._lock:
                self.codes[code] = IssuedCode(
                    provider,
                    query["client_id"],
                    redirect,
                    challenge,
                    state,
                    expired=mode == "stale_code",
                )
            params = {"code": code, "state": "forged-state" if mode == "wrong_state" else state}
            if mode == "no_code":
                params.pop("code")
            elif mode == "no_state":
                params.pop("state")
        return Text(302, "", headers={"Location": _with_query(redirect, params)})

    # -------------------------------------------------------------------- token

    def _token(self, request: RecordedRequest) -> Reply:
        provider = request.path_params["provider"]
        if provider == "kiro":
            return self._kiro_token(request)
        if provider not in self.clients:
            return Json(404, {"error": "unknown provider"})
        body = _body_of(request)
        grant = _grant_of(provider, body)
        if grant == "authorization_code":
            return self._exchange(provider, request, body)
        if grant == "refresh_token":
            return self._refresh(provider, request, body)
        if grant == DEVICE_GRANT:
            return self._poll(provider, request, body)
        return self._reject(400, "unsupported_grant_type", f"{provider}: grant {grant!r}")

    def _exchange(self, provider: str, request: RecordedRequest, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self.exchange_replies[provider]:
                return self.exchange_replies[provider].popleft()
        if provider in _JSON_EXCHANGE and not _is_json(request):
            return self._reject(400, "invalid_request", f"{provider}: exchange must be JSON")
        if provider not in _JSON_EXCHANGE and _is_json(request):
            return self._reject(400, "invalid_request", f"{provider}: exchange must be a form")
        if provider == "codex" and request.headers.get("accept") != "application/json":
            self._problem("codex: exchange without Accept: application/json")
        problem = self._client_auth_problem(provider, request, body, grant="authorization_code")
        if problem:
            return self._reject(401, "invalid_client", problem)
        code = str(body.get("code", ""))
        with self._lock:
            issued = self.codes.get(code)
            valid = issued is not None and not issued.used and issued.provider == provider
            if issued is not None:
                issued.used = True
        if not valid or issued is None:
            return self._reject(400, "invalid_grant", f"{provider}: unknown or reused code")
        if issued.expired:
            return Json(
                400, {"error": "invalid_grant", "error_description": "authorization code expired"}
            )
        if body.get("redirect_uri") != issued.redirect_uri:
            return self._reject(400, "invalid_grant", f"{provider}: redirect_uri mismatch")
        verifier = body.get("code_verifier")
        if issued.challenge is not None:
            if not isinstance(verifier, str) or s256(verifier) != issued.challenge:
                return self._reject(400, "invalid_grant", f"{provider}: PKCE verifier mismatch")
        elif verifier is not None:
            self._problem(f"{provider}: code_verifier sent without PKCE")
        if provider in _JSON_EXCHANGE and body.get("state") != issued.state:
            return self._reject(400, "invalid_request", f"{provider}: state missing from exchange")
        return Json(200, self._issue(provider, with_extra=True))

    def _client_auth_problem(
        self, provider: str, request: RecordedRequest, body: Mapping[str, Any], *, grant: str
    ) -> str | None:
        client_id, secret = self.clients[provider]
        if provider == "iflow":
            expected = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return "iflow: HTTP Basic client authentication required"
            if "client_secret" in body:
                return "iflow: client_secret must not be in the body"
            if grant == "refresh_token" and "client_id" in body:
                return "iflow: client_id must not be in a refresh body"
            return None
        if body.get("client_id") != client_id:
            return f"{provider}: client_id {body.get('client_id')!r} is not {client_id!r}"
        if secret is not None and body.get("client_secret") != secret:
            return f"{provider}: client_secret missing or wrong"
        if secret is None and "client_secret" in body:
            return f"{provider}: unexpected client_secret"
        return None

    def _issue(self, provider: str, *, with_extra: bool, refresh: bool = True) -> dict[str, Any]:
        access = self._next("gho" if provider == "copilot" else f"at-{provider}")
        out: dict[str, Any] = {"access_token": access, "token_type": "bearer"}
        if refresh and provider != "copilot":
            rt = self._next(f"rt-{provider}")
            out["refresh_token"] = rt
            with self._lock:
                self.refresh_tokens[rt] = provider
        lifetime = self.expires_in[provider]
        if lifetime is not None:
            out["expires_in"] = lifetime
        if provider == "copilot":
            out["scope"] = "read:user"
        if with_extra:
            out.update(self.token_extra[provider])
        with self._lock:
            self.issued_tokens[access] = provider
        return out

    def _refresh(self, provider: str, request: RecordedRequest, body: dict[str, Any]) -> Reply:
        if _is_json(request) != (provider in _JSON_REFRESH):
            shape = "JSON" if provider in _JSON_REFRESH else "a form"
            return self._reject(400, "invalid_request", f"{provider}: refresh must be {shape}")
        problem = self._client_auth_problem(provider, request, body, grant="refresh_token")
        if problem:
            return self._reject(401, "invalid_client", problem)
        mode = self.refresh_mode[provider]
        if mode == "server_error":
            return Json(500, {"error": "server_error", "error_description": "fake outage"})
        token = str(body.get("refresh_token", ""))
        with self._lock:
            known = self.refresh_tokens.get(token) == provider
        if mode == "invalid_grant" or not known:
            return Json(
                400, {"error": "invalid_grant", "error_description": "refresh token revoked"}
            )
        answer = self._issue(provider, with_extra=False, refresh=mode == "rotate")
        if mode == "rotate":
            with self._lock:
                self.refresh_tokens.pop(token, None)
        return Json(200, answer)

    # ------------------------------------------------------------- device flow

    def _device(self, request: RecordedRequest) -> Reply:
        provider = request.path_params["provider"]
        if provider not in DEVICE_PROVIDERS:
            return Json(404, {"error": "no device flow"})
        body = _body_of(request)
        if _is_json(request):
            return self._reject(
                400, "invalid_request", f"{provider}: device request must be a form"
            )
        if not self._client_ok(provider, body.get("client_id")):
            return self._reject(400, "invalid_client", f"{provider}: unknown client_id")
        if provider == "kimi" and (missing := _missing_kimi_headers(request)):
            return self._reject(400, "invalid_request", f"kimi: missing headers {missing}")
        challenge = None
        if provider == "qwen":
            challenge = body.get("code_challenge")
            if not challenge or body.get("code_challenge_method") != "S256":
                return self._reject(400, "invalid_request", "qwen: PKCE S256 required")
        device_code = self._next(f"dc-{provider}")
        with self._lock:
            self._devices[device_code] = _Device(provider, body["client_id"], challenge)
        answer: dict[str, Any] = {
            "device_code": device_code,
            "user_code": "ABCD-1234",
            "verification_uri": f"{self.url}/{provider}/verify",
            "expires_in": _DEFAULT_LIFETIME[provider],
            "interval": 5,
        }
        if provider != "copilot":
            answer["verification_uri_complete"] = f"{self.url}/{provider}/verify?code=ABCD-1234"
        _apply_overrides(answer, self.device_overrides[provider])
        if provider == "copilot" and request.headers.get("accept") != "application/json":
            form = urlencode({k: str(v) for k, v in answer.items()})
            return Text(200, form, content_type="application/x-www-form-urlencoded")
        return Json(200, answer)

    def _next_device_step(self, provider: str) -> DeviceStep:
        with self._lock:
            script = self._device_script[provider]
            return script.popleft() if script else "success"

    def _poll(self, provider: str, request: RecordedRequest, body: dict[str, Any]) -> Reply:
        if _is_json(request):
            return self._reject(400, "invalid_request", f"{provider}: poll must be a form")
        if not self._client_ok(provider, body.get("client_id")):
            return self._reject(400, "invalid_client", f"{provider}: unknown client_id")
        if provider == "kimi" and (missing := _missing_kimi_headers(request)):
            return self._reject(400, "invalid_request", f"kimi: missing headers {missing}")
        with self._lock:
            device = self._devices.get(str(body.get("device_code", "")))
        if device is None or device.provider != provider or device.done:
            return self._reject(400, "invalid_grant", f"{provider}: unknown device_code")
        if device.challenge is not None:
            verifier = body.get("code_verifier")
            if not isinstance(verifier, str) or s256(verifier) != device.challenge:
                return self._reject(400, "invalid_grant", f"{provider}: PKCE verifier mismatch")
        step = self._next_device_step(provider)
        if isinstance(step, REPLY_TYPES):
            return step
        assert isinstance(step, str)
        if step == "success":
            device.done = True
            return Json(200, self._issue(provider, with_extra=True))
        status = self.pending_status[provider] if step in ("pending", "slow_down") else 400
        if provider == "copilot":
            status = 200
        error = "authorization_pending" if step == "pending" else step
        answer: dict[str, Any] = {"error": error, "error_description": f"fake: {error}"}
        if provider == "copilot" and error == "slow_down":
            answer["interval"] = 10
        if error in ("expired_token", "access_denied"):
            device.done = True
        return Json(status, answer)

    # ----------------------------------------------------------------- iflow

    def _userinfo(self, request: RecordedRequest) -> Reply:
        token = request.query.get("accessToken", "")
        with self._lock:
            known = self.issued_tokens.get(token) == "iflow"
        if self.userinfo_mode == "500":
            return Json(500, {"success": False, "message": "fake outage"})
        if self.userinfo_mode == "not_json":
            return Text(200, "<html>oops</html>", content_type="text/html")
        if not known:
            return Json(401, {"success": False, "message": "invalid accessToken"})
        key = "" if self.userinfo_mode == "empty_key" else f"sk-iflow-{token.rsplit('-', 1)[-1]}"
        return Json(
            200,
            {
                "success": True,
                "data": {
                    "apiKey": key,
                    "email": "dev@example.com",
                    "phone": "+86 138",
                    "userId": 42,
                },
            },
        )

    # ------------------------------------------------------------ cloud code

    def _load_code_assist(self, request: RecordedRequest) -> Reply:
        token = request.bearer()
        with self._lock:
            known = token is not None and self.issued_tokens.get(token) == "antigravity"
        if not known:
            return Json(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
        answer: dict[str, Any] = {"currentTier": {"id": "free-tier"}}
        if self.cloud_project is not None:
            answer["cloudaicompanionProject"] = self.cloud_project
        return Json(200, answer)

    # ------------------------------------------------------------------ kiro

    def _aws_error(self, status: int, error: str, description: str = "") -> Reply:
        headers = {
            "x-amzn-ErrorType": f"{_AWS_ERROR_TYPES.get(error, error)}:http://internal.amazon.com/coral/com.amazonaws.ssooidc/"
        }
        if self.kiro.error_style == "header_only":
            return Json(status, {"message": description or error}, headers=headers)
        return Json(
            status, {"error": error, "error_description": description or None}, headers=headers
        )

    def _kiro_json(self, request: RecordedRequest) -> dict[str, Any] | None:
        if not _is_json(request):
            self._problem("kiro: SSO-OIDC requests must be JSON")
            return None
        data = request.json()
        return data if isinstance(data, dict) else None

    def _kiro_register(self, request: RecordedRequest) -> Reply:
        data = self._kiro_json(request)
        if data is None or not data.get("clientName") or data.get("clientType") != "public":
            return self._aws_error(
                400, "invalid_request", "clientName and clientType=public required"
            )
        scopes = data.get("scopes")
        if not isinstance(scopes, list) or "codewhisperer:completions" not in scopes:
            self._problem("kiro: register without codewhisperer scopes")
        client_id = self._next("kiro-client")
        secret = self._next("kiro-secret")
        with self._lock:
            self.kiro.clients[client_id] = secret
            self.kiro.registrations.append(data)
        now = 1_767_225_600
        return Json(
            200,
            {
                "clientId": client_id,
                "clientSecret": secret,
                "clientIdIssuedAt": now,
                "clientSecretExpiresAt": now + self.kiro.secret_lifetime,
            },
        )

    def _kiro_client_ok(self, data: Mapping[str, Any]) -> bool:
        with self._lock:
            return self.kiro.clients.get(str(data.get("clientId"))) == data.get("clientSecret")

    def _kiro_device(self, request: RecordedRequest) -> Reply:
        data = self._kiro_json(request)
        if data is None:
            return self._aws_error(400, "invalid_request", "JSON body required")
        if not self._kiro_client_ok(data):
            return self._reject_kiro_client()
        if not isinstance(data.get("startUrl"), str) or not data["startUrl"]:
            return self._aws_error(400, "invalid_request", "startUrl required")
        device_code = self._next("dc-kiro")
        with self._lock:
            self._devices[device_code] = _Device("kiro", str(data["clientId"]))
        answer: dict[str, Any] = {
            "deviceCode": device_code,
            "userCode": "WXYZ-6789",
            "verificationUri": f"{self.url}/kiro/device",
            "verificationUriComplete": f"{self.url}/kiro/device?user_code=WXYZ-6789",
            "expiresIn": _DEFAULT_LIFETIME["kiro"],
            "interval": 5,
        }
        _apply_overrides(answer, self.device_overrides["kiro"])
        return Json(200, answer)

    def _reject_kiro_client(self) -> Reply:
        self._problem("kiro: unknown clientId/clientSecret")
        return self._aws_error(401, "invalid_client", "unknown client")

    def _kiro_token(self, request: RecordedRequest) -> Reply:
        data = self._kiro_json(request)
        if data is None:
            return self._aws_error(400, "invalid_request", "JSON body required")
        if not self._kiro_client_ok(data):
            return self._reject_kiro_client()
        grant = data.get("grantType")
        if grant == "refresh_token":
            mode = self.refresh_mode["kiro"]
            token = str(data.get("refreshToken", ""))
            with self._lock:
                known = self.refresh_tokens.get(token) == "kiro"
            if mode == "server_error":
                return self._aws_error(500, "internal_server", "fake outage")
            if mode == "invalid_grant" or not known:
                return self._aws_error(400, "invalid_grant", "refresh token revoked")
            return Json(200, self._kiro_tokens(rotate=mode == "rotate", old=token))
        if grant != DEVICE_GRANT:
            return self._aws_error(400, "unsupported_grant_type", f"grantType {grant!r}")
        with self._lock:
            device = self._devices.get(str(data.get("deviceCode", "")))
        if device is None or device.provider != "kiro" or device.done:
            return self._aws_error(400, "invalid_grant", "unknown deviceCode")
        step = self._next_device_step("kiro")
        if isinstance(step, REPLY_TYPES):
            return step
        assert isinstance(step, str)
        if step == "success":
            device.done = True
            return Json(200, self._kiro_tokens(rotate=True, old=None))
        error = "authorization_pending" if step == "pending" else step
        if error in ("expired_token", "access_denied"):
            device.done = True
        return self._aws_error(400, error, f"fake: {error}")

    def _kiro_tokens(self, *, rotate: bool, old: str | None) -> dict[str, Any]:
        issued = self._issue("kiro", with_extra=True, refresh=rotate)
        if rotate and old is not None:
            with self._lock:
                self.refresh_tokens.pop(old, None)
        out: dict[str, Any] = {
            "accessToken": issued["access_token"],
            "tokenType": "Bearer",
            "expiresIn": issued.get("expires_in", 3600),
        }
        if "refresh_token" in issued:
            out["refreshToken"] = issued["refresh_token"]
        return out


# ---------------------------------------------------------------------- browser


@dataclass(frozen=True)
class BrowserVisit:
    """What the robot saw: the authorize answer and the callback page."""

    authorize_url: str
    authorize_status: int
    callback_url: str | None
    callback_status: int | None
    callback_page: str


class RobotBrowser:
    """Stands in for the user's browser: the ``open_browser`` of a login under test.

    Called with the authorize URL, it GETs it, follows the 302 to the local
    callback server and keeps the page that server answered with. Device flows
    call it with the verification URI; those visits are recorded and nothing else
    happens (the user "approves" by the fake's device script).

    ``via_localhost=False`` (default) rewrites ``localhost`` in the redirect to
    ``127.0.0.1`` so the test does not depend on how the machine resolves it.
    ``before_callback`` lets a test hit the callback server first (a favicon
    fetch, a forged state) to check it keeps waiting.
    """

    def __init__(self, *, via_localhost: bool = False, follow: bool = True) -> None:
        self.via_localhost = via_localhost
        self.follow = follow
        self.opened: list[str] = []
        self.visits: list[BrowserVisit] = []
        self.extra_requests: list[str] = []

    async def __call__(self, url: str) -> None:
        self.opened.append(url)
        if not self.follow or "/authorize" not in urlsplit(url).path:
            return
        async with httpx.AsyncClient(timeout=10.0) as client:
            first = await client.get(url)
            location = first.headers.get("location")
            if first.status_code != 302 or not location:
                self.visits.append(BrowserVisit(url, first.status_code, None, None, first.text))
                return
            target = location if self.via_localhost else _to_ipv4(location)
            for extra in self.extra_requests:
                await client.get(_replace_path_query(target, extra))
            page = await client.get(target)
            self.visits.append(BrowserVisit(url, 302, location, page.status_code, page.text))

    @property
    def last(self) -> BrowserVisit:
        assert self.visits, "the robot browser visited no callback"
        return self.visits[-1]


# ---------------------------------------------------------------------- helpers


def _default_extras() -> dict[str, dict[str, Any]]:
    codex_claims = {
        "email": "dev@example.com",
        "https://api.openai.com/auth": {
            "chatgpt_account_id": "acct-fake-123",
            "chatgpt_plan_type": "plus",
        },
    }
    google = {"id_token": fake_jwt({"email": "dev@example.com", "sub": "1234"})}
    return {
        "codex": {"id_token": fake_jwt(codex_claims)},
        "gemini": dict(google),
        "antigravity": dict(google),
        "claude": {
            "account": {"uuid": "acc-uuid-1", "email_address": "dev@example.com"},
            "organization": {"uuid": "org-uuid-1", "name": "Fake Org"},
        },
        "qwen": {"resource_url": "portal.qwen.ai"},
    }


def _is_json(request: RecordedRequest) -> bool:
    return request.headers.get("content-type", "").startswith("application/json")


def _body_of(request: RecordedRequest) -> dict[str, Any]:
    if _is_json(request):
        try:
            data = request.json()
        except orjson.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))


def _grant_of(provider: str, body: Mapping[str, Any]) -> Any:
    return body.get("grantType") if provider == "kiro" else body.get("grant_type")


def _missing_kimi_headers(request: RecordedRequest) -> list[str]:
    return [h for h in _KIMI_HEADERS if not request.headers.get(h)]


def _apply_overrides(answer: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    for key, value in overrides.items():
        if value is None:
            answer.pop(key, None)
        else:
            answer[key] = value


def _with_query(url: str, params: Mapping[str, str]) -> str:
    parts = urlsplit(url)
    query = urlencode(list(parse_qsl(parts.query)) + list(params.items()))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _to_ipv4(url: str) -> str:
    parts = urlsplit(url)
    if parts.hostname != "localhost":
        return url
    netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _replace_path_query(url: str, path_and_query: str) -> str:
    parts = urlsplit(url)
    path, _, query = path_and_query.partition("?")
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))
