"""The error a settings load raises when the file, env or overrides are invalid."""

from __future__ import annotations

from collections.abc import Sequence

from byokey_types import ConfigError

__all__ = ["SettingsError"]


class SettingsError(ConfigError):
    """Every problem found in one pass, so a user fixes them all at once.

    ``problems`` holds one line per problem, each starting with the key path
    (``providers.claude.routing: 'fastest' is not one of ...``). Secret values
    never appear: the validator describes their type instead.
    """

    def __init__(self, problems: Sequence[str], *, source: str | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        where = f"invalid settings in {source}" if source else "invalid settings"
        if len(self.problems) == 1:
            message = f"{where}: {self.problems[0]}"
        else:
            lines = "\n  ".join(self.problems)
            message = f"{where}: {len(self.problems)} problems:\n  {lines}"
        super().__init__(message)
