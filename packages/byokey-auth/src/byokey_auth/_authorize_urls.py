"""Authorize URLs, built in each provider's exact parameter order and encoding.

Values are concatenated, not re-encoded: client ids, PKCE challenges and states
are URL-safe already, and the Google scopes are sent with raw ``https://`` the
way the original (and Google's own CLIs) send them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from byokey_types.provider import ProviderId

__all__ = ["AuthorizeParams", "build_authorize_url"]


@dataclass(frozen=True, slots=True)
class AuthorizeParams:
    base: str
    client_id: str
    redirect_uri: str
    challenge: str
    state: str

    @property
    def redirect(self) -> str:
        return quote(self.redirect_uri, safe="")

    def join(self, query: str) -> str:
        return f"{self.base}{'&' if '?' in self.base else '?'}{query}"


def _claude(p: AuthorizeParams) -> str:
    return p.join(
        f"client_id={p.client_id}&code=true&code_challenge={p.challenge}"
        f"&code_challenge_method=S256&redirect_uri={p.redirect}&response_type=code"
        f"&scope=org%3Acreate_api_key+user%3Aprofile+user%3Ainference&state={p.state}"
    )


def _codex(p: AuthorizeParams) -> str:
    return p.join(
        f"client_id={p.client_id}&code_challenge={p.challenge}&code_challenge_method=S256"
        "&codex_cli_simplified_flow=true&id_token_add_organizations=true&prompt=login"
        f"&redirect_uri={p.redirect}&response_type=code"
        f"&scope=openid+email+profile+offline_access&state={p.state}"
    )


def _google(scope: str) -> Callable[[AuthorizeParams], str]:
    def build(p: AuthorizeParams) -> str:
        return p.join(
            f"response_type=code&client_id={p.client_id}&redirect_uri={p.redirect}"
            f"&scope={scope}&state={p.state}&code_challenge={p.challenge}"
            "&code_challenge_method=S256&access_type=offline&prompt=consent"
        )

    return build


def _iflow(p: AuthorizeParams) -> str:
    return p.join(
        f"response_type=code&client_id={p.client_id}&redirect_uri={p.redirect}"
        f"&state={p.state}&loginMethod=phone&type=phone"
    )


def _amp(p: AuthorizeParams) -> str:
    return p.join(
        f"client_id={p.client_id}&response_type=code&code_challenge={p.challenge}"
        f"&code_challenge_method=S256&redirect_uri={p.redirect}"
        f"&scope=openid+profile+email+offline_access&state={p.state}"
    )


_GEMINI_SCOPE = "openid%20email%20https://www.googleapis.com/auth/generative-language.retriever"
_ANTIGRAVITY_SCOPE = (
    "openid%20email%20profile%20https://www.googleapis.com/auth/cloud-platform"
    "%20https://www.googleapis.com/auth/userinfo.email"
)

_BUILDERS: dict[ProviderId, Callable[[AuthorizeParams], str]] = {
    ProviderId.CLAUDE: _claude,
    ProviderId.CODEX: _codex,
    ProviderId.GEMINI: _google(_GEMINI_SCOPE),
    ProviderId.ANTIGRAVITY: _google(_ANTIGRAVITY_SCOPE),
    ProviderId.IFLOW: _iflow,
    ProviderId.AMP: _amp,
}


def build_authorize_url(provider: ProviderId, params: AuthorizeParams) -> str:
    return _BUILDERS[provider](params)
