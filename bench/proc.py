"""CPU time and resident memory of a server process and its children, from /proc.

A server may fork workers, so every figure is summed over the process tree
rooted at the pid we spawned. RSS of forked workers counts shared pages once
per process (what ``ps`` shows), which overstates a multi-process server;
:func:`pss_bytes` (proportional set size) counts a shared page once, split
between its sharers, and is the figure to compare for ``--workers N``. For a
single process the two differ only by libraries shared with other programs. Linux only, like the rest of the bench.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cpu_seconds", "process_tree", "pss_bytes", "rss_bytes"]

_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")
_PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # the command name may hold spaces and parentheses: split after the last ')'
    return raw[raw.rindex(")") + 2 :].split()


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its live descendants (breadth first)."""
    children: dict[int, list[int]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    queue = [pid]
    while queue and len(found) < 10_000:
        current = queue.pop(0)
        found.append(current)
        queue.extend(children.get(current, ()))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by the tree (live processes only)."""
    total = 0
    for p in process_tree(pid):
        fields = _stat_fields(p)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / _TICKS


def rss_bytes(pid: int) -> int:
    """Resident set size of the tree in bytes."""
    total = 0
    for p in process_tree(pid):
        try:
            total += int((_PROC / str(p) / "statm").read_text().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def pss_bytes(pid: int) -> int:
    """Proportional set size of the tree in bytes (``smaps_rollup``; 0 if unreadable)."""
    total = 0
    for p in process_tree(pid):
        try:
            text = (_PROC / str(p) / "smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1]) * 1024
                break
    return total
