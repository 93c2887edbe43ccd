"""OAuth client identities: compiled-in public defaults per provider.

These are the public identifiers the official CLIs ship (installed-app clients;
Google's "secret" is public by design). The original fetched them at runtime
only, so an outage of its asset host broke every login and refresh.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from byokey_types.errors import AuthError
from byokey_types.provider import ProviderId

__all__ = ["COMPILED_CLIENTS", "OAuthClient"]


@dataclass(frozen=True, slots=True)
class OAuthClient:
    """The client id, secret and endpoints a provider's flow needs."""

    provider: ProviderId
    client_id: str | None = None
    client_secret: str | None = None
    token_url: str | None = None
    device_code_url: str | None = None

    def __repr__(self) -> str:
        return (
            f"OAuthClient(provider={self.provider.value!r}, client_id={self.client_id!r}, "
            f"has_secret={self.client_secret is not None}, token_url={self.token_url!r}, "
            f"device_code_url={self.device_code_url!r})"
        )

    def merged(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        token_url: str | None = None,
        device_code_url: str | None = None,
    ) -> OAuthClient:
        """A copy with every non-empty value applied (empty means "keep mine")."""
        return replace(
            self,
            client_id=client_id or self.client_id,
            client_secret=client_secret or self.client_secret,
            token_url=token_url or self.token_url,
            device_code_url=device_code_url or self.device_code_url,
        )

    def with_identity(self, client_id: str | None, client_secret: str | None) -> OAuthClient:
        """A copy registered as ``client_id``: a different id never keeps this secret.

        A secret belongs to exactly one client id, so a source that names another
        client (the runtime document, config) brings its own secret or none.
        """
        if client_id and client_id != self.client_id:
            return replace(self, client_id=client_id, client_secret=client_secret or None)
        return replace(self, client_secret=client_secret or self.client_secret)

    def need_client_id(self) -> str:
        if not self.client_id:
            raise AuthError(f"{self.provider.value} credentials missing client_id")
        return self.client_id

    def need_secret(self) -> str:
        if not self.client_secret:
            raise AuthError(f"{self.provider.value} credentials missing client_secret")
        return self.client_secret

    def need_token_url(self) -> str:
        if not self.token_url:
            raise AuthError(f"{self.provider.value} credentials missing token_url")
        return self.token_url

    def need_device_code_url(self) -> str:
        if not self.device_code_url:
            raise AuthError(f"{self.provider.value} credentials missing device_code_url")
        return self.device_code_url


_P = ProviderId
_GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"

COMPILED_CLIENTS: Final[dict[ProviderId, OAuthClient]] = {
    _P.CLAUDE: OAuthClient(
        _P.CLAUDE,
        client_id="9d1c250a-e61b-44d9-88ed-5944d1962f5e",
        token_url="https://api.anthropic.com/v1/oauth/token",
    ),
    _P.CODEX: OAuthClient(
        _P.CODEX,
        client_id="app_EMoamEEZ73f0CkXaXp7hrann",
        token_url="https://auth.openai.com/oauth/token",
    ),
    _P.GEMINI: OAuthClient(
        _P.GEMINI,
        client_id="681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com",
        client_secret="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",
        token_url=_GOOGLE_TOKEN,
    ),
    _P.ANTIGRAVITY: OAuthClient(
        _P.ANTIGRAVITY,
        client_id="1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com",
        client_secret="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",
        token_url=_GOOGLE_TOKEN,
    ),
    _P.COPILOT: OAuthClient(
        _P.COPILOT,
        client_id="Iv1.b507a08c87ecfe98",
        token_url="https://github.com/login/oauth/access_token",
        device_code_url="https://github.com/login/device/code",
    ),
    _P.QWEN: OAuthClient(
        _P.QWEN,
        client_id="f0304373b74a44d2b584a3fb70ca9e56",
        token_url="https://chat.qwen.ai/api/v1/oauth2/token",
        device_code_url="https://chat.qwen.ai/api/v1/oauth2/device/code",
    ),
    _P.KIMI: OAuthClient(
        _P.KIMI,
        client_id="17e5f671-d194-4dfb-9706-5516cb48c098",
        token_url="https://auth.kimi.com/api/oauth/token",
        device_code_url="https://auth.kimi.com/api/oauth/device_authorization",
    ),
    _P.IFLOW: OAuthClient(
        _P.IFLOW,
        client_id="10009311001",
        client_secret="4Z3YjXycVsQvyGF1etiNlIBB4RsqSDtW",
        token_url="https://iflow.cn/oauth/token",
    ),
    # Amp's client id is not public: it comes from the runtime document only.
    _P.AMP: OAuthClient(_P.AMP),
    # Kiro registers a client on demand with AWS SSO OIDC (see _kiro.py).
    _P.KIRO: OAuthClient(_P.KIRO),
}
