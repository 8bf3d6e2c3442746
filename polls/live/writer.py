"""The one write path: a queue in front of storage that commits in groups.

Answers and joins that arrive together are stored in one transaction each
(group commit), so thousands a second cost a few commits. Every caller waits
for its own commit: an answer is acknowledged only once it is durable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from polls import metrics
from polls.core.errors import PollsError, Unavailable
from polls.core.i18n import N_
from polls.core.models import StoredResponse
from polls.live.background import Background
from polls.live.outage import Outage
from polls.storage import Outcome, Status, Storage, Submission, is_outage

log = logging.getLogger("polls.writer")
T = TypeVar("T")
Job = tuple[str, Any, asyncio.Future[Any]]
CommittedHook = Callable[[list[StoredResponse]], Awaitable[None]]
JoinedHook = Callable[[list[tuple[str, str]]], Awaitable[None]]
UNSAVED = Unavailable(N_("Could not save; please retry."))


class Writer:
    def __init__(self, storage: Storage, *, max_batch: int = 500) -> None:
        self.storage = storage
        self.max_batch = max_batch
        self.on_committed: CommittedHook | None = None
        self.on_joined: JoinedHook | None = None
        # A plain list and one event: an asyncio.Queue would wake a getter per item.
        self._queue: list[Job] = []
        self._arrived = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        # Post-commit hooks run beside the writer so they never hold up the next batch.
        self._hooks = Background("post-commit hook")
        self.outage = Outage("the database")

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="polls-writer")

    async def stop(self) -> None:
        """Finish what is queued, then stop."""
        if self._task is None:
            return
        while self._queue or not self._idle.is_set():
            await self._idle.wait()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        await self._hooks.wait()

    def _put(self, kind: str, payload: Any) -> asyncio.Future[Any]:
        if self._task is None:
            raise Unavailable(N_("The service is starting or stopping; try again in a moment."))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.append((kind, payload, future))
        self._idle.clear()
        self._arrived.set()
        return future

    def answer(self, submission: Submission) -> asyncio.Future[Outcome]:
        """Store an answer; the future resolves once it is committed (or was already).

        A future rather than a coroutine: one frame less to step through on every answer."""
        outcome: asyncio.Future[Outcome] = self._put("answer", submission)
        return outcome

    async def join(self, presentation_id: str, participant: str, at: float) -> bool:
        """Record a participant joining; True the first time."""
        new: bool = await self._put("join", (presentation_id, participant, at))
        return new

    async def run(self, job: Callable[[Storage], Awaitable[T]]) -> T:
        """Any other write, in order with the rest."""
        result: T = await self._put("call", job)
        return result

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            while self._queue:
                metrics.writer_queue.set(len(self._queue))
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
                await self._write(batch)
            metrics.writer_queue.set(0)
            self._idle.set()

    async def _write(self, batch: list[Job]) -> None:
        index = 0
        while index < len(batch):
            kind = batch[index][0]
            end = index
            while end < len(batch) and batch[end][0] == kind and (kind != "call" or end == index):
                end += 1
            group = batch[index:end]
            index = end
            try:
                results = await self._write_group(kind, [payload for _, payload, _ in group])
            except Exception as exc:
                error: Exception = exc if kind == "call" else UNSAVED
                if is_outage(exc):
                    self.outage.failed(exc, len(group))
                    error = UNSAVED  # storage is away for now: the caller may retry
                elif not isinstance(exc, PollsError):
                    log.exception("write failed (%s, %d items)", kind, len(group))
                for _, _, future in group:
                    if not future.done():
                        future.set_exception(error)
                continue
            self.outage.recovered()
            for (_, _, future), result in zip(group, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _write_group(self, kind: str, payloads: list[Any]) -> list[Any]:
        if kind == "call":
            return [await payloads[0](self.storage)]
        started = time.perf_counter()
        results = await self._commit_group(kind, payloads)
        metrics.commit_seconds.observe(time.perf_counter() - started)
        metrics.batch_size.observe(len(payloads))
        if kind == "answer":
            metrics.answers.inc(len(payloads))
        return results

    async def _commit_group(self, kind: str, payloads: list[Any]) -> list[Any]:
        if kind == "answer":
            outcomes = await self.storage.store_answers(payloads)
            stored = [o.response for o in outcomes if o.status is Status.STORED and o.response]
            if stored and self.on_committed is not None:
                self._hooks.start(self.on_committed(stored))
            return outcomes
        if kind == "join":
            new = await self.storage.record_joins(payloads)
            joined = [(p[0], p[1]) for p, is_new in zip(payloads, new, strict=True) if is_new]
            if joined and self.on_joined is not None:
                self._hooks.start(self.on_joined(joined))
            return new
        raise AssertionError(f"no such write: {kind}")
