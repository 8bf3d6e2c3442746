"""Research jobs run in a process of their own, with their own database connection, so that
the service keeps answering phones while one runs."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from polls.core.errors import NotFound
from polls.research.jobs import export_file
from polls.research.offload import Offload
from polls.storage import Storage, open_storage
from tests.test_storage_contract import presentation, submission

pytestmark = pytest.mark.anyio


async def counts_and_process(storage: Storage, presentation_id: str) -> tuple[int, int, int]:
    answers, participants = await storage.answer_counts(presentation_id)
    return answers, participants, os.getpid()


async def held_until(storage: Storage, flag: str) -> str:
    """A job that runs until a file appears (it stands for a long export)."""
    while not Path(flag).exists():
        await asyncio.sleep(0.01)
    return "released"


async def missing(storage: Storage, presentation_id: str) -> None:
    if await storage.presentation(presentation_id) is None:
        raise NotFound("No presentation with that id.")


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[tuple[Storage, Offload]]:
    """The service's own storage connection, and its research jobs on the same database."""
    url = f"sqlite:///{tmp_path / 'polls.db'}"
    storage = open_storage(url)
    await storage.connect()
    offload = Offload(url, storage)
    try:
        yield storage, offload
    finally:
        offload.close()
        await storage.disconnect()


async def test_a_job_runs_in_another_process_on_what_is_committed(
    service: tuple[Storage, Offload],
) -> None:
    """A job reads what the service committed, through a connection of its own, in a process
    that is not the service's."""
    storage, offload = service
    p = presentation()
    await storage.create_presentation(p, {})
    await storage.store_answers([submission(p, "a", "1"), submission(p, "b", "2")])
    answers, participants, pid = await offload.run(counts_and_process, p.id)
    assert (answers, participants) == (2, 2) and pid != os.getpid()


async def test_answers_are_stored_while_a_job_runs(
    tmp_path: Path, service: tuple[Storage, Offload]
) -> None:
    """While a long job runs, the service's event loop stores and acknowledges answers; the
    job's result arrives when it ends."""
    storage, offload = service
    p = presentation()
    await storage.create_presentation(p, {})
    flag = tmp_path / "release"
    job = asyncio.create_task(offload.run(held_until, str(flag)))
    stored = []
    for n in range(20):
        stored += await storage.store_answers([submission(p, f"phone{n}", "1")])
        await asyncio.sleep(0)
    assert not job.done()  # the job still runs ...
    assert len(stored) == 20  # ... and every answer was stored meanwhile
    flag.touch()
    assert await job == "released"


async def test_a_jobs_error_is_raised_where_it_was_awaited(
    service: tuple[Storage, Offload],
) -> None:
    """An error in a job (no such presentation) reaches the request as the same error, so the
    researcher sees its message."""
    _, offload = service
    with pytest.raises(NotFound, match="No presentation"):
        await offload.run(missing, "nope")


async def test_a_job_whose_request_went_away_is_stopped(
    tmp_path: Path, service: tuple[Storage, Offload]
) -> None:
    """A researcher who closes the page mid-export stops its job: the process ends and the next
    job gets its turn."""
    storage, offload = service
    job = asyncio.create_task(offload.run(held_until, str(tmp_path / "never")))
    while not offload.processes:
        await asyncio.sleep(0.01)  # until its process has started
    (process,) = offload.processes
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert not process.is_alive() and process.exitcode is not None
    p = presentation()
    await storage.create_presentation(p, {})
    assert (await offload.run(counts_and_process, p.id))[:2] == (0, 0)  # the next one runs


async def test_a_jobs_progress_reaches_the_service_as_it_goes(
    tmp_path: Path, service: tuple[Storage, Offload]
) -> None:
    """An export job in its own process tells the service how many rows it has written, in
    order, ending with all of them."""
    storage, offload = service
    p = presentation()
    await storage.create_presentation(p, {})
    await storage.store_answers([submission(p, f"phone-{n}", str(n), limit=0) for n in range(3500)])
    heard: list[tuple[int, int]] = []
    path = offload.new_file(".csv")
    name = await offload.run(
        export_file,
        [p.id],
        {},
        "csv",
        path,
        progress=lambda done, total: heard.append((done, total)),
        excel=False,
        min_cell=5,
        link_participants=False,
    )
    assert name.endswith(".csv") and path.read_text().count("\n") == 3501
    assert heard[0] == (0, 0) and heard[-1] == (3500, 3500)
    assert [done for done, _ in heard] == sorted(done for done, _ in heard)
