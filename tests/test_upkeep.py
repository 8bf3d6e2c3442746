"""The retention purge cannot stop: a failed run is logged and retried an hour later, and
what it last completed is visible."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path

import pytest

from polls.broker.memory import MemoryBroker
from polls.live.hub import Hub
from polls.live.upkeep import RETRY, RetentionStatus, keep_purging
from polls.live.writer import Writer
from polls.storage import open_storage
from polls.storage.retention import DAY
from tests.test_storage_contract import presentation, submission

pytestmark = pytest.mark.anyio


async def test_a_purge_that_meets_a_broken_database_runs_again_and_completes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The database breaks (its answers table is gone) when the purge runs: the failure is
    logged, the next run is an hour later instead of a day, and that run deletes the expired
    answers and records its success; the answers of a presentation still in retention stay."""
    database = tmp_path / "polls.db"
    storage = open_storage(f"sqlite:///{database}")
    await storage.connect()
    writer = Writer(storage)
    await writer.start()
    hub = Hub(storage, MemoryBroker(), writer)
    expired, kept = presentation(), presentation()
    await storage.create_presentation(expired, {})
    await storage.create_presentation(kept, {})
    four_days_ago = time.time() - 4 * DAY
    await storage.store_answers(
        [
            submission(expired, "a", "1", created_at=four_days_ago),
            submission(kept, "b", "2", created_at=time.time()),
        ]
    )
    with sqlite3.connect(database) as broken:
        broken.execute("ALTER TABLE responses RENAME TO responses_away")

    status = RetentionStatus()
    stopping = asyncio.Event()
    pauses: list[float] = []

    async def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 1:
            assert status.last_success is None and status.last_error
            with sqlite3.connect(database) as repaired:
                repaired.execute("ALTER TABLE responses_away RENAME TO responses")
        else:
            stopping.set()  # the service stops

    caplog.set_level(logging.INFO, logger="polls")
    try:
        await keep_purging(hub, 3, status, stopping, pause)
        assert pauses == [RETRY, DAY]
        assert status.last_success is not None and status.last_error == ""
        assert await storage.answer_counts(expired.id) == (0, 0)
        assert await storage.answer_counts(kept.id) == (1, 1)
        failures = [r for r in caplog.records if "retention purge failed" in r.getMessage()]
        assert len(failures) == 1 and "trying again in an hour" in failures[0].getMessage()
        assert any("deleted 1 answers" in r.getMessage() for r in caplog.records)
    finally:
        await hub.close()
        await writer.stop()
        await storage.disconnect()


async def test_a_stopping_service_ends_the_purge_without_cancelling_it(tmp_path: Path) -> None:
    """When the service stops, the purge loop ends by itself (it is not cancelled in the middle
    of a database call), whether it was purging or waiting for the next day."""
    storage = open_storage(f"sqlite:///{tmp_path / 'polls.db'}")
    await storage.connect()
    writer = Writer(storage)
    await writer.start()
    hub = Hub(storage, MemoryBroker(), writer)
    await storage.create_presentation(presentation(), {})
    status, stopping = RetentionStatus(), asyncio.Event()
    try:
        purging = asyncio.create_task(keep_purging(hub, 3, status, stopping))
        while status.last_success is None:
            await asyncio.sleep(0.01)  # until the first run has completed
        stopping.set()
        await purging  # returns: nothing had to be cancelled
        assert purging.done() and not purging.cancelled()
    finally:
        await hub.close()
        await writer.stop()
        await storage.disconnect()
