"""The ``PROVIDER`` argument: a canonical name or any alias, completed in shells."""

from __future__ import annotations

from typing import Any

import click
from click.shell_completion import CompletionItem

from byokey_types import ProviderId, UnsupportedProvider


class ProviderParam(click.ParamType[ProviderId]):
    """Parses to :class:`ProviderId`; an unknown name is a usage error (exit 2)."""

    name = "provider"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> ProviderId:
        if isinstance(value, ProviderId):
            return value
        try:
            return ProviderId.parse(str(value))
        except UnsupportedProvider:
            self.fail(f"unsupported provider: {value}", param, ctx)

    def shell_complete(
        self, ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[CompletionItem]:
        names = [p.value for p in ProviderId.all()]
        names += [alias for p in ProviderId.all() for alias in p.aliases]
        return [
            CompletionItem(n, help=ProviderId.parse(n).display_name)
            for n in names
            if n.startswith(incomplete)
        ]


PROVIDER = ProviderParam()
