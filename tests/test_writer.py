"""The one write path: group commit, acknowledgement after commit, hooks after commit."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import msgspec
import pytest

from polls.core.errors import Unavailable
from polls.core.models import Presentation, State, StoredResponse
from polls.domain.documents import validate_document
from polls.live.writer import Writer
from polls.storage import Outcome, Status, Storage, Submission, open_storage
from polls.storage.base import Outcome as BaseOutcome
from tests.conftest import DOCUMENT

pytestmark = pytest.mark.anyio


class CountingStorage:
    """Wraps a real SQLite storage and counts the transactions the writer asks for."""

    def __init__(self, inner: Storage) -> None:
        self.inner = inner
        self.answer_batches: list[int] = []

    async def store_answers(self, submissions: list[Submission]) -> list[BaseOutcome]:
        self.answer_batches.append(len(submissions))
        return await self.inner.store_answers(submissions)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


async def open_sqlite(tmp_path: Path) -> tuple[Storage, Presentation]:
    storage = open_storage(f"sqlite:///{tmp_path / 'w.db'}")
    await storage.connect()
    presentation = Presentation(
        id="p1",
        code="12345678",
        document=validate_document(DOCUMENT),
        state=State(),
        created_at=1.0,
    )
    await storage.create_presentation(presentation, {})
    return storage, presentation


def answer(who: str, sid: str) -> Submission:
    return Submission(
        presentation_id="p1",
        slide_id="role",
        participant=who,
        submission_id=sid,
        value={"choices": [0]},
        items=1,
        limit=0,
        created_at=time.time(),
    )


async def test_concurrent_answers_share_transactions(tmp_path: Path) -> None:
    """A thousand answers sent at once are committed in far fewer transactions, all stored."""
    storage, _ = await open_sqlite(tmp_path)
    counting = CountingStorage(storage)
    writer = Writer(counting)  # type: ignore[arg-type]
    await writer.start()
    outcomes = await asyncio.gather(*(writer.answer(answer(f"w{i}", "s")) for i in range(1000)))
    await writer.stop()
    assert all(o.status is Status.STORED for o in outcomes)
    assert sum(counting.answer_batches) == 1000
    assert len(counting.answer_batches) <= 10
    assert len(await storage.responses("p1")) == 1000
    await storage.disconnect()


async def test_acknowledged_answers_are_already_committed(tmp_path: Path) -> None:
    """When answer() returns, a fresh connection already sees the response."""
    storage, _ = await open_sqlite(tmp_path)
    writer = Writer(storage)
    await writer.start()
    outcome = await writer.answer(answer("a", "s1"))
    other = open_storage(f"sqlite:///{tmp_path / 'w.db'}")
    await other.connect()
    stored = await other.response("p1", "a", "s1")
    assert outcome.response is not None and stored is not None and stored.id == outcome.response.id
    await writer.stop()
    await other.disconnect()
    await storage.disconnect()


async def test_committed_hook_gets_each_stored_response_once(tmp_path: Path) -> None:
    """The live path hears of stored answers, never of duplicates."""
    storage, _ = await open_sqlite(tmp_path)
    writer = Writer(storage)
    heard: list[StoredResponse] = []

    async def hook(responses: list[StoredResponse]) -> None:
        heard.extend(responses)

    writer.on_committed = hook
    await writer.start()
    results: list[Outcome] = await asyncio.gather(
        writer.answer(answer("a", "1")),
        writer.answer(answer("a", "1")),
        writer.answer(answer("b", "1")),
    )
    await writer.stop()
    assert sorted(o.status.value for o in results) == ["duplicate", "stored", "stored"]
    assert sorted(r.participant for r in heard) == ["a", "b"]
    await storage.disconnect()


async def test_a_failed_write_is_reported_and_the_writer_goes_on(tmp_path: Path) -> None:
    """If storage fails, waiting callers get an error (no acknowledgement); later writes work."""
    storage, _ = await open_sqlite(tmp_path)
    writer = Writer(storage)
    await writer.start()
    broken = msgspec.structs.replace(answer("a", "x"), value={"unstorable": object()})
    with pytest.raises(Unavailable):
        await writer.answer(broken)
    assert (await writer.answer(answer("a", "y"))).status is Status.STORED
    await writer.stop()
    await storage.disconnect()


async def test_writes_are_refused_when_not_running(tmp_path: Path) -> None:
    """A stopped writer refuses new work with a clear error instead of losing it."""
    storage, _ = await open_sqlite(tmp_path)
    writer = Writer(storage)
    with pytest.raises(Unavailable):
        await writer.answer(answer("a", "1"))
    await storage.disconnect()
