"""The object graph of a byokey server: the one place that wires every package together.

``open_components`` is what ``byokey serve`` runs on; benchmarks, walkthroughs and
end-to-end tests can open the same graph in-process and hand ``components.state`` to
``byokey_proxy.serve`` (or ``create_app``) themselves::

    async with open_components(lambda: settings, database="sqlite://") as components:
        await byokey_proxy.serve(components.state, listeners, shutdown_trigger=stop.wait)

Settings are read through a callable so a ``ConfigWatcher``'s hot reloads reach every
request; what is built here from the *first* snapshot (the upstream HTTP pool with its
``proxy_url``, the auth options, the refresh timers) needs a restart to change, as the
spec's live/restart table says.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from byokey_auth import AuthManager, AuthOptions, RefreshLocks, RefreshLoop
from byokey_config import Settings
from byokey_provider import ConfigCredentials, ProviderGateway, UpstreamHttp
from byokey_proxy import ProxyState, UsageRecorder
from byokey_store import DeferredStore

__all__ = ["ServerComponents", "database_url", "open_components"]

_log = logging.getLogger("byokey.serve")


@dataclass(frozen=True, slots=True)
class ServerComponents:
    """Everything a running server holds, for callers that need more than ``state``."""

    settings: Callable[[], Settings]
    store: DeferredStore
    """Opening in the background; ``await store.ready()`` raises its ``StorageError``."""
    auth: AuthManager
    gateway: ProviderGateway
    state: ProxyState
    refresh: RefreshLoop
    """The token refresh loop; :meth:`start_background` starts it."""
    _tasks: set[asyncio.Task[None]] = field(default_factory=set, repr=False)

    def start_background(self) -> None:
        """Start the token refresh loop and fetch the remote identity strings.

        The original fetched the VersionStore documents before serving; here the
        server answers at once on the compiled defaults and picks the fetched values
        up when they arrive (``endpoints.versions_base: ""`` turns fetching off).
        """
        self.refresh.start()
        task = asyncio.create_task(self._load_versions(), name="byokey-versions")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _load_versions(self) -> None:
        loaded = await self.gateway.versions.load()
        if loaded:
            _log.info("fetched %d provider version document(s)", loaded)

    async def stop_background(self) -> None:
        await self.refresh.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _refresh_locks(database: str | Path) -> RefreshLocks | None:
    """Refresh locks beside the database file: every process on that store shares them
    (``--workers N``, a second server on the same file)."""
    text = str(database)
    if "://" in text:
        return None
    path = Path(text).expanduser().absolute()
    return RefreshLocks(path.with_name(path.name + ".locks"))


def database_url(database: str | Path) -> str:
    """A SQLAlchemy URL for a path; URLs (``sqlite://`` in memory) pass through."""
    text = str(database)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().absolute()}"


@asynccontextmanager
async def open_components(
    settings: Callable[[], Settings],
    *,
    database: str | Path,
    reload: Callable[[], object] | None = None,
    shared: bool = False,
) -> AsyncIterator[ServerComponents]:
    """Start opening the store (migrating it), build auth, provider gateway and proxy state.

    ``shared``: other server processes use the same store (``--workers N``), so the
    management usage totals are read from it.

    On exit everything is closed in reverse order: the refresh loop is stopped, pooled
    upstream sessions and the auth HTTP client are closed, then the database.
    """
    first = settings()
    async with AsyncExitStack() as stack:
        # Opened (SQLAlchemy imported, migrations run) in a thread while the listeners
        # open: token and usage calls wait for it, /v1/models and /health do not.
        store = DeferredStore(database_url(database))
        store.start()
        stack.push_async_callback(store.aclose)
        auth = AuthManager(
            store.tokens,
            options=AuthOptions.from_settings(first),
            refresh_locks=_refresh_locks(database),
        )
        stack.push_async_callback(auth.aclose)
        gateway = ProviderGateway(
            settings,
            ConfigCredentials(settings, auth),
            UpstreamHttp.from_settings(first),
        )
        stack.push_async_callback(gateway.aclose)
        state = ProxyState(
            gateway=gateway,
            settings=settings,
            tokens=store.tokens,
            usage=UsageRecorder(store.usage, shared=shared),
            reload=reload,
        )
        stack.push_async_callback(state.aclose)
        refresh = auth.refresh_loop(
            interval=first.auth.refresh_interval_seconds, lead=first.auth.refresh_lead_seconds
        )
        components = ServerComponents(settings, store, auth, gateway, state, refresh)
        stack.push_async_callback(components.stop_background)
        yield components
