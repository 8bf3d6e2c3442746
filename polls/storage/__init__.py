"""Storage backends behind one interface, chosen by URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from polls.storage.base import Outcome, Status, Storage, Submission

__all__ = ["OUTAGES", "Outcome", "Status", "Storage", "Submission", "is_outage", "open_storage"]


def _outages() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    from sqlalchemy.exc import (
        DataError,
        DBAPIError,
        IntegrityError,
        NotSupportedError,
        ProgrammingError,
    )
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    # A bare DBAPIError is how the asyncpg driver reports that it cannot connect (the server
    # is down, restarting, "not yet accepting connections"); the errors of a statement itself
    # are bugs or conflicts, not outages.
    away = (OSError, TimeoutError, sqlite3.OperationalError, DBAPIError, PoolTimeout)
    statement = (IntegrityError, DataError, ProgrammingError, NotSupportedError)
    return away, statement


# What a database that is away (down, restarting, locked, out of connections) raises: the
# service reports these as `unavailable` (retry), not as a bug.
OUTAGES, _STATEMENT_ERRORS = _outages()


def is_outage(exc: BaseException) -> bool:
    """Whether an error means that storage is away for now, rather than a bug."""
    return isinstance(exc, OUTAGES) and not isinstance(exc, _STATEMENT_ERRORS)


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
