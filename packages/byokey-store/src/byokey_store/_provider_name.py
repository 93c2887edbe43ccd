"""The one spelling of a provider that goes into storage.

Rows are keyed by the canonical name so that ``claude``, ``Anthropic`` and
``ProviderId.CLAUDE`` all reach the same account, in this process and in a
database written by the original.
"""

from __future__ import annotations

from byokey_types.provider import ProviderId

__all__ = ["canonical_provider"]


def canonical_provider(provider: ProviderId | str) -> str:
    """The stored name of ``provider``; raises ``UnsupportedProvider`` for unknown names."""
    if isinstance(provider, ProviderId):
        return provider.value
    return ProviderId.parse(provider).value
