"""A fake GitHub Copilot: the GitHub token exchange, the quota endpoint and the chat API.

    fake = CopilotFake(server, clock=clock)         # clock: Unix seconds, injectable
    fake.add_account("gho_alice", percent_remaining=80)
    fake.chat.reply_with("hi")                       # the chat side is an OpenAIFake
    # endpoints: copilot_token_exchange = fake.exchange_url, copilot_user = fake.user_url;
    # the exchange names fake.url as the account's API host (endpoints.api)

``GET /copilot_internal/v2/token`` takes ``Authorization: token <github token>``
(the literal word ``token``) and answers GitHub's shape
(``{"token", "expires_at", "refresh_in", "endpoints": {"api"}, "sku"}``); an
unknown GitHub token gets GitHub's 401 ``Bad credentials``. ``GET
/copilot_internal/user`` answers the account's ``quota_snapshots``.
``POST /chat/completions`` wants a Copilot token it issued that has not expired
(by ``clock``) or been revoked, plus the ``editor-version`` and
``copilot-integration-id`` headers Copilot insists on (400 without, as the real
API); the answer is rendered by :class:`~tests.fakes.openai.OpenAIFake`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes._replies import Json, Reply
from tests.fakes.openai import CHAT_PATH, OpenAIFake
from tests.fakes.server import FakeServer, RecordedRequest

__all__ = ["EXCHANGE_PATH", "USER_PATH", "CopilotAccount", "CopilotFake"]

EXCHANGE_PATH = "/copilot_internal/v2/token"
USER_PATH = "/copilot_internal/user"


@dataclass
class CopilotAccount:
    """One GitHub login the fake knows: its plan and premium quota."""

    plan: str = "copilot_pro"
    percent_remaining: float = 100.0
    unlimited: bool = False
    quota_status: int = 200


class CopilotFake:
    """GitHub's Copilot endpoints and the Copilot chat API on one :class:`FakeServer`."""

    def __init__(
        self,
        server: FakeServer,
        *,
        clock: Callable[[], float] = time.time,
        lifetime: float = 1800.0,
        refresh_in: float | None = 1500.0,
    ) -> None:
        self.server = server
        self.chat = OpenAIFake(server, prefix="")
        self.clock = clock
        self.lifetime = lifetime
        self.refresh_in = refresh_in
        self.accounts: dict[str, CopilotAccount] = {}
        #: API keys accepted as Copilot tokens as they are (API-key mode).
        self.api_keys: set[str] = set()
        #: The API host the exchange names; None: this server.
        self.api_base: str | None = None
        self._issued: dict[str, float] = {}
        self._revoked: set[str] = set()
        self._exchange_failures: deque[Reply] = deque()
        self._serial = 0
        self._lock = threading.Lock()
        server.route("GET", EXCHANGE_PATH, self._exchange)
        server.route("GET", USER_PATH, self._user)
        server.route("POST", CHAT_PATH, self._chat)

    # ------------------------------------------------------------------ scripting

    def add_account(self, github_token: str, **state: Any) -> CopilotAccount:
        account = CopilotAccount(**state)
        self.accounts[github_token] = account
        return account

    def fail_exchange_next(self, status: int, message: str = "fake exchange error") -> None:
        body = {"message": message, "documentation_url": "https://docs.github.com/rest"}
        with self._lock:
            self._exchange_failures.append(Json(status, body))

    def revoke_issued(self) -> None:
        """Every Copilot token handed out so far stops working (401 on chat)."""
        with self._lock:
            self._revoked.update(self._issued)

    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self._issued)

    # ------------------------------------------------------------------ recording

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def exchange_url(self) -> str:
        return self.server.url + EXCHANGE_PATH

    @property
    def user_url(self) -> str:
        return self.server.url + USER_PATH

    @property
    def exchanges(self) -> list[RecordedRequest]:
        return self.server.requests_to(EXCHANGE_PATH)

    @property
    def quota_reads(self) -> list[RecordedRequest]:
        return self.server.requests_to(USER_PATH)

    @property
    def chats(self) -> list[RecordedRequest]:
        return self.server.requests_to(CHAT_PATH)

    # ------------------------------------------------------------------ handlers

    def _github_account(self, request: RecordedRequest) -> tuple[str, CopilotAccount] | None:
        value = request.headers.get("authorization", "")
        if not value.startswith("token "):
            return None
        token = value[len("token ") :]
        found = self.accounts.get(token)
        return (token, found) if found is not None else None

    @staticmethod
    def _bad_credentials() -> Json:
        return Json(
            401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}
        )

    def _exchange(self, request: RecordedRequest) -> Reply:
        with self._lock:
            if self._exchange_failures:
                return self._exchange_failures.popleft()
        found = self._github_account(request)
        if found is None:
            return self._bad_credentials()
        _, account = found
        now = self.clock()
        expires_at = int(now + self.lifetime)
        with self._lock:
            self._serial += 1
            token = f"tid=fake{self._serial};exp={expires_at};sku={account.plan};8kp=1:{self._serial:08x}"
            self._issued[token] = expires_at
        body: dict[str, Any] = {
            "token": token,
            "expires_at": expires_at,
            "endpoints": {"api": self.api_base or self.server.url},
            "sku": account.plan,
            "chat_enabled": True,
        }
        if self.refresh_in is not None:
            body["refresh_in"] = int(self.refresh_in)
        return Json(200, body)

    def _user(self, request: RecordedRequest) -> Reply:
        found = self._github_account(request)
        if found is None:
            return self._bad_credentials()
        _, account = found
        if account.quota_status != 200:
            return Json(account.quota_status, {"message": "quota lookup failed"})
        premium = {
            "entitlement": 300,
            "percent_remaining": account.percent_remaining,
            "remaining": int(3 * account.percent_remaining),
            "unlimited": account.unlimited,
        }
        snapshots = {"premium_interactions": premium, "chat": {"unlimited": True}}
        return Json(200, {"copilot_plan": account.plan, "quota_snapshots": snapshots})

    def _chat(self, request: RecordedRequest) -> Reply:
        for required in ("editor-version", "copilot-integration-id"):
            if required not in request.headers:
                return Json(
                    400,
                    {"error": {"message": f"bad request: missing {required} header for IDE auth"}},
                )
        token = request.bearer() or ""
        with self._lock:
            expires_at = self._issued.get(token)
            valid = token in self.api_keys or (
                expires_at is not None and token not in self._revoked and self.clock() < expires_at
            )
        if not valid:
            return Json(
                401, {"error": {"message": "unauthorized: token expired", "code": "invalid_token"}}
            )
        return self.chat._chat(request)
