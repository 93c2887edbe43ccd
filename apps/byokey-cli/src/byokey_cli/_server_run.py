"""``byokey serve``: the foreground server, in the spec's start-up order (§4.1).

1. settings: ``--config``, else the default file if it exists, else defaults; a
   ``ConfigWatcher`` keeps them live (``--port`` / ``--host`` are overrides, so they
   survive reloads); a broken file is ``config error: …``, exit 1;
2. logging (``log.*``, ``--log-file``, ``RUST_LOG`` / ``BYOKEY_LOG``);
3. the component graph (``_server_compose``): store, auth, gateway, proxy state;
4. the Amp listener, then the main one (inherited socket first);
5. the control socket (refused when another server answers on it);
6. SIGTERM / SIGINT / control ``shutdown`` → stop accepting, drain in-flight requests
   and streams for ``drain_seconds``, flush usage, remove the control socket, exit 0.
   A second signal while draining cuts the drain short.

The event loop is uvloop's when it is installed (it is in the lock; not on Windows).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from byokey_cli import __version__
from byokey_cli._failures import CommandFailed, describe
from byokey_cli._server_compose import ServerComponents, open_components
from byokey_cli._server_listeners import bind_listeners, close_listeners, listener_address
from byokey_cli._server_logging import configure_logging, remove_logging
from byokey_config import ConfigWatcher, LogFormat, resolve_config_path
from byokey_daemon import ControlServer, DaemonError, DaemonPaths, ServeControl, ShutdownCoordinator
from byokey_proxy import Listeners, ProxyState, serve
from byokey_types import ByokError, ConfigError

if TYPE_CHECKING:
    from byokey_cli._server_workers import WorkerRole

__all__ = [
    "DEFAULT_DRAIN_SECONDS",
    "ServeOptions",
    "open_settings",
    "run_serve",
    "serve_until_stopped",
]

_log = logging.getLogger("byokey.serve")

DEFAULT_DRAIN_SECONDS = 10.0
_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """The ``serve`` command line (spec §5.2); None means "from the settings"."""

    config: Path | None = None
    port: int | None = None
    host: str | None = None
    db: Path | None = None
    log_file: Path | None = None
    drain_seconds: float = DEFAULT_DRAIN_SECONDS
    workers: int = 1
    """Server processes; more than one runs a supervisor (``_server_workers``)."""
    worker: WorkerRole | None = None
    """Set in a worker process of ``--workers N``: its index and inherited listeners."""


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is in the lock except on Windows
        return None
    return uvloop.new_event_loop


def run_serve(options: ServeOptions) -> None:
    """Run the server until it is told to stop (blocking)."""
    if options.workers > 1 and options.worker is None:
        from byokey_cli._server_workers import run_workers

        run_workers(options)
        return
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve_until_stopped(options))


def open_settings(
    options: ServeOptions, loop: asyncio.AbstractEventLoop | None = None
) -> ConfigWatcher:
    """The live settings ``options`` name (not watching yet); a broken file fails the command."""
    path = resolve_config_path(options.config, os.environ)
    overrides = {"port": options.port, "host": options.host}
    try:
        return ConfigWatcher(path, overrides=overrides, loop=loop)
    except ConfigError as exc:
        raise CommandFailed(f"config error: {_config_problem(exc)}") from exc


def _config_problem(exc: ConfigError) -> str:
    """The problem without the generic prefix: the callers add their own (spec §5.4)."""
    return str(exc).removeprefix(exc.prefix)


def _reload_hook(watcher: ConfigWatcher) -> Callable[[], str | None] | None:
    """The control ``reload``: None when it worked, else the text the CLI prints."""
    if watcher.path is None:
        return None

    def reload() -> str | None:
        try:
            watcher.reload()
        except ConfigError as exc:
            return _config_problem(exc)
        return None

    return reload


def _log_file(options: ServeOptions, configured: str | None) -> Path | None:
    if options.log_file is not None:
        return options.log_file.expanduser().absolute()
    return Path(configured).expanduser() if configured else None


async def serve_until_stopped(options: ServeOptions, *, paths: DaemonPaths | None = None) -> None:
    """The whole life of one server process; returns after a graceful shutdown."""
    paths = paths or DaemonPaths.from_environ()
    watcher = open_settings(options, asyncio.get_running_loop())
    settings = watcher.current
    handler = configure_logging(
        level=settings.log.level,
        json_format=settings.log.format is LogFormat.JSON,
        file=_log_file(options, settings.log.file),
    )
    try:
        await _serve_configured(options, watcher, paths)
    except (CommandFailed, DaemonError, ByokError) as exc:
        _log.error("%s", describe(exc))  # the CLI prints it too; with --log-file only here
        raise
    except Exception:
        _log.exception("the server stopped with an error")
        raise
    finally:
        remove_logging(handler)


async def _serve_configured(
    options: ServeOptions, watcher: ConfigWatcher, paths: DaemonPaths
) -> None:
    settings = watcher.current
    for warning in watcher.warnings:
        _log.warning("%s", warning)
    if watcher.path is None:
        _log.info("no config file; running on defaults")
    database = options.db.expanduser().absolute() if options.db else paths.db_file
    async with AsyncExitStack() as stack:
        if watcher.path is not None:
            watcher.start()
            stack.callback(watcher.stop)
        components = await stack.enter_async_context(
            open_components(
                lambda: watcher.current,
                database=database,
                reload=watcher.reload if watcher.path is not None else None,
                shared=options.worker is not None,
            )
        )
        worker = options.worker
        if worker is None:
            listeners = bind_listeners(settings.host, settings.port, settings.amp.port)
        else:
            listeners = worker.listeners
        stack.callback(close_listeners, listeners)
        host, port = listener_address(listeners.main)
        coordinator = ShutdownCoordinator()
        coordinator.attach()
        if worker is None or worker.holds_control:
            control = ControlServer(
                ServeControl(
                    version=__version__,
                    host=host,
                    port=port,
                    on_shutdown=coordinator.request_threadsafe
                    if worker is None
                    else worker.stop_all,
                    on_reload=_group_reload(_reload_hook(watcher), worker),
                ),
                paths.control_socket,
            )
            control.start()
            stack.callback(control.close)
        coordinator.install_signal_handlers(_SIGNALS)
        stack.callback(coordinator.remove_signal_handlers)
        if worker is not None and watcher.path is not None:
            _reload_on_sighup(watcher)
            stack.callback(_stop_reload_on_sighup)
        components.start_background()
        amp_port = listener_address(listeners.amp)[1] if listeners.amp is not None else None
        _log.info(
            "byokey listening on http://%s:%d (Amp on port %s, pid %d%s)",
            _url_host(host),
            port,
            amp_port,
            os.getpid(),
            "" if worker is None else f", worker {worker.index + 1} of {worker.count}",
        )
        store_watch = asyncio.create_task(_stop_if_the_store_fails(components, coordinator))
        try:
            await _serve_with_drain(components.state, listeners, coordinator, options.drain_seconds)
        finally:
            store_watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await store_watch  # raises the store's StorageError when that stopped us
        _log.info("byokey stopped (%s)", coordinator.reason or "listener closed")


async def _stop_if_the_store_fails(
    components: ServerComponents, coordinator: ShutdownCoordinator
) -> None:
    """The store opens while the server already answers; a failed open stops it."""
    try:
        await components.store.ready()
    except ByokError:
        coordinator.request("the database could not be opened")
        raise


def _group_reload(
    own: Callable[[], str | None] | None, worker: WorkerRole | None
) -> Callable[[], str | None] | None:
    """The control ``reload`` of worker 0 reloads every worker (via the supervisor)."""
    if own is None or worker is None:
        return own

    def reload() -> str | None:
        problem = own()
        if problem is None:
            worker.reload_all()
        return problem

    return reload


def _reload_on_sighup(watcher: ConfigWatcher) -> None:
    def reload() -> None:
        try:
            watcher.reload()
        except ConfigError as exc:
            _log.warning("reload on SIGHUP failed: %s", _config_problem(exc))

    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reload)


def _stop_reload_on_sighup() -> None:
    with contextlib.suppress(ValueError, RuntimeError):
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)


async def _serve_with_drain(
    state: ProxyState,
    listeners: Listeners,
    coordinator: ShutdownCoordinator,
    drain_seconds: float,
) -> None:
    """``byokey_proxy.serve`` until shutdown; a second signal while draining ends it."""
    task = asyncio.create_task(
        serve(state, listeners, shutdown_trigger=coordinator.wait, drain_seconds=drain_seconds),
        name="byokey-serve",
    )
    waiter = asyncio.create_task(coordinator.wait())
    await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()
        return
    loop = asyncio.get_running_loop()
    cut_short = asyncio.Event()

    def second_signal(sig: signal.Signals) -> None:
        _log.warning("%s during shutdown: not waiting for in-flight requests", sig.name)
        cut_short.set()
        task.cancel()

    async def keep_cancelling() -> None:
        # One cancel can be absorbed: if it lands while hypercorn is still leaving its
        # accept phase, hypercorn then waits out its whole graceful timeout. Cancel again
        # until the serve task is gone (bounded: 10 s of 50 ms beats).
        await cut_short.wait()
        for _ in range(200):
            if task.done():
                return
            task.cancel()
            await asyncio.sleep(0.05)

    canceller = asyncio.create_task(keep_cancelling(), name="byokey-cut-drain")
    for sig in _SIGNALS:
        loop.add_signal_handler(sig, second_signal, sig)
    # Logged once a second signal would be honoured.
    _log.info("shutting down (%s): draining for up to %g s", coordinator.reason, drain_seconds)
    try:
        await task
    except asyncio.CancelledError:
        if not cut_short.is_set():
            raise
    finally:
        canceller.cancel()
        for sig in _SIGNALS:
            with contextlib.suppress(ValueError, RuntimeError):
                loop.remove_signal_handler(sig)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
