"""How the CLI turns failures into one clear stderr line and an exit code.

click already maps usage errors to exit 2 and ``ClickException`` to exit 1 with
``Error: <message>`` on stderr; this module makes every byokey and daemon error take
the second path, with its chain of causes joined by ``: `` as the original printed it.
"""

from __future__ import annotations

from typing import Any

import click

# byokey_daemon and byokey_types are imported only once something failed: this
# module is loaded by ``byokey --help``, which must stay fast.


class CommandFailed(click.ClickException):
    """A runtime failure: ``Error: <message>`` on stderr, exit code 1."""

    exit_code = 1


def failure(exc: BaseException, prefix: str | None = None) -> CommandFailed:
    """``CommandFailed`` for ``exc``, optionally prefixed (``login failed: …``)."""
    text = describe(exc)
    return CommandFailed(f"{prefix}: {text}" if prefix else text)


def one_line(text: str) -> str:
    """A message that may list problems on several lines, as one line.

    ``invalid settings: 2 problems:\n  a\n  b`` becomes
    ``invalid settings: 2 problems: a; b``: stderr keeps one line per error.
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    head, rest = lines[0], lines[1:]
    if not rest:
        return head
    return f"{head} {'; '.join(rest)}" if head.endswith(":") else "; ".join(lines)


def describe(exc: BaseException) -> str:
    """The error and its causes in one line; an OSError shows its reason, not its repr."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = _one(current)
        if text:
            parts.append(text)
        if _self_explanatory(current):
            break
        current = current.__cause__
    return one_line(": ".join(parts)) or type(exc).__name__


def _self_explanatory(exc: BaseException) -> bool:
    """Errors whose own text says everything; their OS-level cause would only repeat it."""
    from byokey_daemon import NotRunningError

    return isinstance(exc, NotRunningError)


def _is_byokey_error(exc: BaseException) -> bool:
    from byokey_daemon import DaemonError
    from byokey_types import ByokError

    return isinstance(exc, DaemonError | ByokError)


def _one(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} (os error {exc.errno})" if exc.errno else exc.strerror
    return str(exc)


class ByokeyGroup(click.Group):
    """A group whose commands may raise byokey or daemon errors directly.

    Catching them here, once, keeps every command body free of boilerplate and
    guarantees the one-line ``Error:`` format and exit code 1.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException:
            raise
        except Exception as exc:
            if _is_byokey_error(exc):
                raise failure(exc) from exc
            raise
