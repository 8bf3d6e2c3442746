"""The database connection under SqlStorage: the async engine, its migrations, and on SQLite the
response log's own connection (polls.storage.sqlite_log)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from polls.storage.migrations import migrate
from polls.storage.sqlite_log import SqliteLog, configure


def async_url(url: str) -> str:
    """Pick the async driver for a plain database URL (sqlite:///..., postgresql://...)."""
    for plain, driver in (
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


class SqlEngine:
    """The connection to the database, shared by both halves of SqlStorage."""

    def __init__(self, url: str) -> None:
        self.url = async_url(url)
        self._engine: AsyncEngine | None = None
        self._log: SqliteLog | None = None  # SQLite's fast path for answers and joins
        self._writes: AsyncEngine | None = None  # PostgreSQL: the writer's answers and joins

    @property
    def engine(self) -> AsyncEngine:
        assert self._engine is not None, "storage is not connected"
        return self._engine

    @property
    def writes(self) -> AsyncEngine:
        """PostgreSQL: the connections for the writer's batches of answers and joins. Not
        pinged before each use (a round trip per batch): a batch that finds its connection
        lost is run once more on a new one (SqlResponseLog._batch)."""
        assert self._writes is not None, "storage is not connected"
        return self._writes

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def connect(self) -> None:
        engine = create_async_engine(self.url, pool_pre_ping=self.url.startswith("postgresql"))
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", lambda dbapi, _: configure(dbapi))
        self._engine = engine
        async with engine.begin() as conn:
            await conn.run_sync(migrate)
        if engine.dialect.name == "postgresql":
            self._writes = create_async_engine(self.url, pool_size=2)
        path = engine.url.database
        if engine.dialect.name == "sqlite" and path and path != ":memory:":
            self._log = SqliteLog(path)
            await self._log.open()

    async def disconnect(self) -> None:
        if self._log is not None:
            await self._log.close()
            self._log = None
        if self._writes is not None:
            await self._writes.dispose()
            self._writes = None
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    def _insert(self, table: Any) -> Any:
        return (sqlite.insert if self.dialect == "sqlite" else postgresql.insert)(table)
