"""The rpyc service of the control socket: exactly ``status``, ``shutdown`` and ``reload``."""

from __future__ import annotations

import logging

import rpyc  # type: ignore[import-untyped]

from ._control_protocol import ControlHandler, Reply, encode_status

__all__ = ["ControlService"]

_log = logging.getLogger("byokey_daemon.control")


def _failure_text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class ControlService(rpyc.Service):  # type: ignore[misc]
    """Exposes exactly three methods; every answer is a by-value ``(ok, text)`` tuple."""

    def __init__(self, handler: ControlHandler) -> None:
        super().__init__()
        self._handler = handler

    def exposed_status(self) -> Reply:
        try:
            return True, encode_status(self._handler.status())
        except Exception as exc:
            _log.warning("control status failed: %s", type(exc).__name__)
            return False, _failure_text(exc)

    def exposed_shutdown(self) -> Reply:
        try:
            self._handler.shutdown()
        except Exception as exc:
            _log.warning("control shutdown failed: %s", type(exc).__name__)
            return False, _failure_text(exc)
        return True, ""

    def exposed_reload(self) -> Reply:
        try:
            error = self._handler.reload()
        except Exception as exc:
            _log.warning("control reload failed: %s", type(exc).__name__)
            return False, _failure_text(exc)
        if error is not None:
            return False, error
        return True, ""
