"""``byokey serve --workers N``: N server processes sharing the same listeners.

One Python process uses one core, and at high concurrency the gateway's own
per-request work is what limits it. With ``--workers N`` a small supervisor
binds the listeners, forks N workers that each run the whole server on those
sockets (the kernel spreads connections across their ``accept`` calls), and
then only forwards signals and restarts a worker that died. The supervisor
never serves, starts no thread and no event loop, so forking again from it to
replace a worker is safe.

What stays correct across processes:

- **OAuth refresh** — every worker's ``AuthManager`` takes a file lock per
  account around a refresh and re-reads the store under it, so a rotating
  refresh token is spent once and the others pick up the new token.
- **the store** — one SQLite file (WAL); its schema migration is serialised.
- **control** — worker 0 holds the control socket; ``byokey stop`` and
  ``byokey reload`` through it reach the supervisor (``SIGTERM`` / ``SIGHUP``),
  which tells every worker. ``SIGHUP`` to any worker reloads its settings.

What is per worker (documented in docs/performance.md): cooldowns, rate-limit
snapshots, in-flight counts and the usage counters since start — the
management usage totals are read from the store, where every worker writes.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from byokey_proxy import Listeners

if TYPE_CHECKING:
    from byokey_cli._server_run import ServeOptions

__all__ = ["WorkerRole", "run_workers"]

_log = logging.getLogger("byokey.serve")

_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_WATCHED = {*_FORWARDED, signal.SIGCHLD}
_RESTARTS_PER_MINUTE = 5
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True, slots=True)
class WorkerRole:
    """What a worker process knows of the group it belongs to."""

    index: int
    count: int
    listeners: Listeners
    supervisor: int
    """The supervisor's pid: control ``shutdown`` / ``reload`` are sent to it."""

    @property
    def holds_control(self) -> bool:
        return self.index == 0

    def stop_all(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.supervisor, signal.SIGTERM)

    def reload_all(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.supervisor, signal.SIGHUP)


def run_workers(options: ServeOptions) -> None:
    """Bind, fork ``options.workers`` workers, supervise them until they all ended."""
    from byokey_cli._server_listeners import bind_listeners, close_listeners
    from byokey_cli._server_run import open_settings

    settings = open_settings(options).current
    listeners = bind_listeners(settings.host, settings.port, settings.amp.port)
    # What is imported now is shared with every worker; frozen, the collector of
    # a worker never writes to those objects, so their pages stay shared.
    gc.collect()
    gc.freeze()
    try:
        code = _Supervisor(options, listeners).run()
    finally:
        close_listeners(listeners)
    if code:
        sys.exit(code)


class _Supervisor:
    def __init__(self, options: ServeOptions, listeners: Listeners) -> None:
        self._options = options
        self._listeners = listeners
        self._count = options.workers
        self._children: dict[int, int] = {}
        self._restarts: deque[float] = deque()
        self._stopping = False
        self._failed = False

    def run(self) -> int:
        signal.pthread_sigmask(signal.SIG_BLOCK, _WATCHED)
        try:
            for index in range(self._count):
                self._spawn(index)
            while self._children:
                info = signal.sigtimedwait(_WATCHED, 1.0)
                if info is not None and info.si_signo != signal.SIGCHLD:
                    self._forward(signal.Signals(info.si_signo))
                self._reap()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _WATCHED)
        return 1 if self._failed else 0

    def _forward(self, sig: signal.Signals) -> None:
        if sig is signal.SIGHUP:
            self._tell_all(signal.SIGHUP)
            return
        # The first stop signal starts every worker's drain; a second one cuts it short.
        self._tell_all(signal.SIGINT if self._stopping else signal.SIGTERM)
        self._stopping = True

    def _tell_all(self, sig: signal.Signals) -> None:
        for pid in list(self._children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def _reap(self) -> None:
        while self._children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self._children.clear()
                return
            if pid == 0:
                return
            index = self._children.pop(pid, None)
            if index is None:
                continue
            code = os.waitstatus_to_exitcode(status)
            if self._stopping:
                self._failed = self._failed or code != 0
                continue
            self._replace(index, pid, code)

    def _replace(self, index: int, pid: int, code: int) -> None:
        now = time.monotonic()
        while self._restarts and now - self._restarts[0] > 60:
            self._restarts.popleft()
        if len(self._restarts) >= _RESTARTS_PER_MINUTE:
            _log.error(
                "workers keep dying (%d restarts in a minute); stopping", len(self._restarts)
            )
            self._failed = True
            self._stopping = True
            self._tell_all(signal.SIGTERM)
            return
        self._restarts.append(now)
        _log.warning("worker %d (pid %d) exited with %d; starting a new one", index, pid, code)
        self._spawn(index)

    def _spawn(self, index: int) -> None:
        supervisor = os.getpid()
        pid = os.fork()
        if pid:
            self._children[pid] = index
            return
        code = 1
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _WATCHED)
            _die_with(supervisor)
            from byokey_cli._server_run import run_serve

            role = WorkerRole(index, self._count, self._listeners, supervisor)
            run_serve(replace(self._options, workers=1, worker=role))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # the worker's own logging already has the details
            code = 1
        finally:
            logging.shutdown()
            os._exit(code)


def _die_with(parent: int) -> None:
    """Linux: SIGTERM this worker if the supervisor dies (no orphaned servers)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:  # it died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)
