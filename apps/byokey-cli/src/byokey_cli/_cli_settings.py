"""Settings for the commands that are not the server (``login``, ``import``, ``doctor``).

They read the same file as ``serve`` (``--config``, else the default file when it
exists, plus ``BYOKEY_*`` variables), so OAuth endpoints, callback ports and client
ids moved in the config apply to a login exactly as they do to the server's refresh.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from byokey_cli._failures import CommandFailed, one_line

if TYPE_CHECKING:
    from byokey_config import LoadedSettings


def load_cli_settings(config: Path | None) -> LoadedSettings:
    """The loaded settings; an invalid file is one ``Error:`` line naming every problem."""
    from byokey_config import SettingsError, read_settings

    try:
        return read_settings(config, discover=True)
    except SettingsError as exc:
        raise CommandFailed(one_line(str(exc))) from exc
