"""``import_tokens``: adopt a login the user already made with a provider's own CLI.

Someone who ran ``claude``, ``codex login`` or ``gemini`` needs no second browser
login: the token (refresh token and metadata included) is read from that CLI's
file under ``home`` and stored as a byokey account, which the AuthManager then
refreshes on its own. The file is read in a worker thread, never on the loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from byokey_auth._import_amp import AMP_SOURCE, read_amp
from byokey_auth._import_claude import CLAUDE_SOURCE, read_claude_code
from byokey_auth._import_codex import CODEX_SOURCE, read_codex
from byokey_auth._import_files import ImportedToken, ImportSource
from byokey_auth._import_kiro import KIRO_SOURCE, read_kiro
from byokey_auth._import_oauth_creds import (
    GEMINI_SOURCE,
    QWEN_SOURCE,
    read_gemini_cli,
    read_qwen_code,
)
from byokey_types.errors import AuthError
from byokey_types.protocols import TokenStore
from byokey_types.provider import ProviderId
from byokey_types.token import DEFAULT_ACCOUNT, OAuthToken

__all__ = ["IMPORT_SOURCES", "ImportedToken", "import_tokens"]

log = logging.getLogger(__name__)

_Reader = Callable[[Path], tuple[Path, OAuthToken]]

_READERS: Mapping[ProviderId, tuple[ImportSource, _Reader]] = MappingProxyType(
    {
        ProviderId.CLAUDE: (CLAUDE_SOURCE, read_claude_code),
        ProviderId.CODEX: (CODEX_SOURCE, read_codex),
        ProviderId.GEMINI: (GEMINI_SOURCE, read_gemini_cli),
        ProviderId.QWEN: (QWEN_SOURCE, read_qwen_code),
        ProviderId.KIRO: (KIRO_SOURCE, read_kiro),
        ProviderId.AMP: (AMP_SOURCE, read_amp),
    }
)

IMPORT_SOURCES: Mapping[ProviderId, str] = MappingProxyType(
    {p: source.relative_path for p, (source, _) in _READERS.items()}
)
"""Provider -> the file (relative to HOME) its official CLI keeps the login in."""


async def import_tokens(
    provider: ProviderId | str,
    *,
    home: Path | None = None,
    store: TokenStore,
    account: str | None = None,
    label: str | None = None,
) -> ImportedToken:
    """Read ``provider``'s CLI login under ``home`` (default: the user's) into ``store``.

    The token goes to ``account`` (``default`` when None) and becomes active if
    the provider had no active account. Raises ``AuthError`` naming the file when
    it is missing or malformed, or when the provider's CLI keeps no such file.
    """
    pid = provider if isinstance(provider, ProviderId) else ProviderId.parse(provider)
    entry = _READERS.get(pid)
    if entry is None:
        supported = ", ".join(p.value for p in _READERS)
        raise AuthError(f"no token import for {pid.value}; supported: {supported}")
    _, reader = entry
    base = Path.home() if home is None else home
    path, token = await asyncio.to_thread(reader, base)
    account_id = account or DEFAULT_ACCOUNT
    await store.save_account(pid, account_id, label, token)
    log.info("imported the %s login from %s into account %s", pid.value, path, account_id)
    return ImportedToken(pid, account_id, path, token)
