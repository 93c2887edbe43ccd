"""The model table as the settings shape it: aliases, exclusions, ``openai_compatible``
upstreams, ``provider/model`` qualifiers and thinking suffixes.

Resolution of a client's model name, in order:

1. **alias** — ``model_alias`` (``fast`` -> ``claude-opus-4-6``); a suffix survives
   (``fast(high)`` -> ``claude-opus-4-6(high)``);
2. **openai_compatible** — a client name (``prefix/alias``) of an enabled entry;
3. **qualifier** — ``copilot/gpt-5.1`` pins the provider;
4. **thinking suffix** — ``model(high)`` / ``model-thinking-N`` is split off, and
   **kept** for the executor, which writes it into the upstream body (the
   original applied it to the OpenAI body, where most translations lost it);
5. **provider** — the hint, else the first provider of the entry that has keys
   or a login, else the entry's first provider; ``excluded_models`` take a
   provider out of the running (the original only hid them from listings);
6. **backend** — ``providers.<id>.backend`` sends the same model to another provider.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from byokey_config import OpenAICompatibleProvider, Settings
from byokey_translate import ThinkingConfig, parse_model_suffix
from byokey_types import ProviderId, UnsupportedModel

from ._registry import MODELS, models_for_provider, parse_qualified_model

__all__ = ["ListedModel", "ModelCatalog", "Resolution"]


@dataclass(frozen=True, slots=True)
class ListedModel:
    id: str
    owned_by: str


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where a client's model name goes.

    ``upstream`` is the executor's name (a provider id value or an
    ``openai_compatible`` name); ``provider`` the built-in provider the model
    resolved to before ``backend`` (None for ``openai_compatible``); ``model`` the
    clean model (no qualifier, no suffix); ``request_model`` what the executor
    receives: ``model`` plus the original suffix.
    """

    upstream: str
    provider: ProviderId | None
    model: str
    request_model: str
    thinking: ThinkingConfig | None = None


def _split_suffix(name: str) -> tuple[str, str, ThinkingConfig | None]:
    clean, thinking = parse_model_suffix(name)
    return clean, name[len(clean) :] if thinking is not None else "", thinking


class ModelCatalog:
    """Model listing and resolution over the current settings (read per call)."""

    def __init__(self, settings: Callable[[], Settings]) -> None:
        self._settings = settings

    # ---------------------------------------------------------------- listing

    def list_models(self) -> list[ListedModel]:
        """``GET /v1/models`` (proxy spec §3.4), then every ``openai_compatible`` model."""
        s = self._settings()
        out: list[ListedModel] = []
        for entry in MODELS:
            primary = entry.providers[0]
            if self._listed(s, primary, entry.id):
                alias = next((a for a in s.aliases_for(primary) if a.name == entry.id), None)
                if alias is not None:
                    out.append(ListedModel(alias.alias, primary.value))
                    if alias.fork:
                        out.append(ListedModel(entry.id, primary.value))
                else:
                    out.append(ListedModel(entry.id, primary.value))
            if len(entry.providers) > 1:
                out.extend(
                    ListedModel(f"{p.value}/{entry.id}", p.value)
                    for p in entry.providers
                    if self._listed(s, p, entry.id)
                )
        for upstream in s.openai_compatible:
            if upstream.enabled:
                out.extend(ListedModel(m, upstream.name) for m in upstream.client_model_names())
        return out

    @staticmethod
    def _listed(s: Settings, provider: ProviderId, model: str) -> bool:
        return s.provider(provider).enabled and not s.is_model_excluded(provider, model)

    def models_for(self, provider: ProviderId) -> list[str]:
        """The provider's registry models minus its exclusions."""
        s = self._settings()
        return [m for m in models_for_provider(provider) if not s.is_model_excluded(provider, m)]

    # ------------------------------------------------------------- resolution

    def compat_for(self, name: str) -> OpenAICompatibleProvider | None:
        """The enabled ``openai_compatible`` entry serving client model ``name``."""
        for upstream in self._settings().openai_compatible:
            if upstream.enabled and upstream.upstream_model(name) is not None:
                return upstream
        return None

    async def resolve(
        self, name: str, available: Callable[[ProviderId], Awaitable[bool]]
    ) -> Resolution:
        """Resolve a client's model name; ``available(p)`` says whether ``p`` has keys or
        a login (asked only when an entry has several providers). Raises ``UnsupportedModel``."""
        s = self._settings()
        bare, suffix, thinking = _split_suffix(name)
        aliased = s.resolve_alias(name)
        if aliased == name and suffix:
            target = s.resolve_alias(bare)
            if target != bare:
                aliased = target + suffix
        bare, suffix, thinking = _split_suffix(aliased)
        compat = self.compat_for(bare)
        if compat is not None:
            return Resolution(compat.name, None, bare, bare + suffix, thinking)
        hint, model = parse_qualified_model(bare)
        provider = await self._provider_for(s, model, hint, available)
        if provider is None:
            raise UnsupportedModel(name)
        backend = s.provider(provider).backend
        upstream = backend if backend is not None else provider
        return Resolution(upstream.value, provider, model, model + suffix, thinking)

    async def _provider_for(
        self,
        s: Settings,
        model: str,
        hint: ProviderId | None,
        available: Callable[[ProviderId], Awaitable[bool]],
    ) -> ProviderId | None:
        if hint is not None:
            if not hint.is_model_provider or s.is_model_excluded(hint, model):
                return None
            return hint
        entry = next((m for m in MODELS if m.id == model), None)
        if entry is None:
            return None
        candidates = [p for p in entry.providers if not s.is_model_excluded(p, model)]
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        for p in candidates:
            if await available(p):
                return p
        return candidates[0]
