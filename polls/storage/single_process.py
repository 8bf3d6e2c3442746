"""One serving process per SQLite file.

Two ``polls serve`` processes on one SQLite file would each keep their own rooms, tallies and
usage counts for limits: each presenter would see only its own process's answers and limits
would not hold. The service therefore holds an exclusive lock on ``<file>.serve-lock`` for as
long as it runs; the operating system releases it when the process ends, however it ends, so a
crash never leaves a stale lock. Commands that only read or purge (``polls export``,
``polls purge``) take no lock and keep working beside the service.

The lock file also holds the address the service is serving at, so that ``polls create`` and
``polls list`` beside it print links that work (``served_at``).
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO


class AlreadyServed(Exception):
    """Another process serves this SQLite file."""


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for other storage (or SQLite in memory)."""
    if not url.startswith("sqlite") or ":///" not in url:
        return None
    path = url.split(":///", 1)[1].split("?", 1)[0]
    return None if not path or path == ":memory:" else Path(path)


def _lock_file(path: Path) -> Path:
    return path.parent / f"{path.name}.serve-lock"


def claim(url: str, base_url: str = "") -> IO[str] | None:
    """Hold the serving lock of a SQLite database for as long as the returned file is open,
    noting base_url in it; raise AlreadyServed if another process holds it. Other storage
    needs no lock."""
    path = sqlite_file(url)
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = _lock_file(path).open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise AlreadyServed(str(path)) from None
    lock.truncate(0)
    lock.write(base_url)
    lock.flush()
    return lock


def served_at(url: str) -> str | None:
    """The address of the service serving this SQLite database now, or None if none does."""
    path = sqlite_file(url)
    if path is None or not _lock_file(path).exists():
        return None
    with _lock_file(path).open() as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # held: a service is running, and wrote where
            return lock.read().strip() or None
        return None  # nobody serves it: what the file says is from an earlier run
