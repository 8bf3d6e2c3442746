"""Storage backends behind one interface, chosen by URL."""

from __future__ import annotations

from pathlib import Path

from polls.storage.base import Outcome, Status, Storage, Submission

__all__ = ["Outcome", "Status", "Storage", "Submission", "open_storage"]


def open_storage(url: str) -> Storage:
    """``memory://``, ``sqlite:///path/to/file.db`` or ``postgresql://user@host/db``."""
    if url == "memory://":
        from polls.storage.memory import MemoryStorage

        return MemoryStorage()
    if url.startswith(("sqlite://", "postgresql://", "postgres://", "sqlite+", "postgresql+")):
        from polls.storage.sql import SqlStorage

        if url.startswith("sqlite") and ":///" in url:
            path = url.split(":///", 1)[1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqlStorage(url)
    raise ValueError(f"Unknown storage URL scheme: {url.split(':', 1)[0]!r}")
