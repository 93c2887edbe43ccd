"""The shared pieces every flow and refresh needs, passed as one value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from byokey_auth._clock import Clock
from byokey_auth._credentials import CredentialResolver
from byokey_auth._options import AuthOptions

if TYPE_CHECKING:  # only an annotation here; the flows import httpx themselves
    import httpx

__all__ = ["FlowContext"]


@dataclass(frozen=True, slots=True)
class FlowContext:
    http: httpx.AsyncClient
    credentials: CredentialResolver
    options: AuthOptions
    clock: Clock

    def now(self) -> int:
        return int(self.clock.time())
