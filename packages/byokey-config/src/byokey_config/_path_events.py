"""The watchdog handler behind ``ConfigWatcher``: events about one path wake the watcher.

A module of its own so that watchdog (its observers start three threads and import
``inotify`` bindings) loads only when watching begins, not when settings are read:
``byokey serve`` starts watching after its listeners accept.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler

__all__ = ["PathEvents"]


class PathEvents(FileSystemEventHandler):
    """Forwards events that concern one path (as source or destination) to the watcher."""

    def __init__(self, target: Path, wake: Callable[[], None]) -> None:
        super().__init__()
        self._targets = {str(target), os.path.realpath(target)}
        self._wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type == "opened" or event.is_directory:
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        for raw in paths:
            if raw and os.path.abspath(os.fsdecode(raw)) in self._targets:
                self._wake()
                return
