"""Research work in a process of its own, so that a large export never stalls a live room.

Exports, breakdowns, codebooks and cloud pictures read whole response logs and spend seconds of
CPU on them. Done inside the service's event loop, that time would be taken from every phone
of every room of the worker. Here each job runs in a separate process (started fresh for each
job, so its memory goes back to the system when it ends, and at a lower scheduling priority
than the service), with its own database connection; files are written to a temporary folder
and streamed from there, so the service never holds an export in memory either.

With the ``memory://`` storage (for tests), which lives inside the service, jobs run in its
event loop instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

from polls.kinds import all_kinds, find, register
from polls.kinds.base import Kind
from polls.storage import Storage, open_storage

T = TypeVar("T")

# At most this many research jobs at once; more wait their turn (never the live rooms).
PARALLEL_JOBS = 1
# Research jobs yield the processor to the service's own processes.
NICENESS = 10
# A job's progress goes to the service at most this often (and always when it completes).
PROGRESS_EVERY = 0.25  # seconds

Progress = Callable[[int, int], None]  # (done, total): rows written of rows to write
_progress: contextvars.ContextVar[Progress | None] = contextvars.ContextVar(
    "polls_research_progress", default=None
)


def report_progress(done: int, total: int) -> None:
    """Called by a job as it goes: how much of its work is done (total 0: not known yet).
    Goes to the ``progress`` callback its caller gave :meth:`Offload.run`, if any."""
    report = _progress.get()
    if report is not None:
        report(done, total)


class _Throttled:
    """Progress sent over a pipe, at most every PROGRESS_EVERY seconds (and at the end)."""

    def __init__(self, results: Connection) -> None:
        self.results = results
        self.sent_at = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.sent_at < PROGRESS_EVERY:
            return
        self.sent_at = now
        self.results.send(("progress", done, total))


def _prepare_child() -> None:
    """In the job's process: a lower priority, and ^C is for the service to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(NICENESS)


def _child(
    results: Connection,
    database_url: str,
    job: Callable[..., Awaitable[Any]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    added_kinds: list[Kind[Any]],
    wants_progress: bool,
) -> None:
    """The job's process: run it on a storage connection of its own, send back its progress
    (if asked) and its outcome."""
    _prepare_child()
    for kind in added_kinds:  # kinds registered from outside polls, as in the service
        if find(kind.name) is None:
            register(kind)
    if wants_progress:
        _progress.set(_Throttled(results))
    try:
        outcome: tuple[str, bool, Any] = (
            "result",
            True,
            asyncio.run(_with_storage(database_url, job, args, kwargs)),
        )
    except Exception as exc:  # sent to the service, which raises it where the job was awaited
        outcome = ("result", False, exc)
    try:
        results.send(outcome)
    except Exception as exc:  # an error that does not pickle
        results.send(("result", False, RuntimeError(f"research job failed: {exc!r}")))
    results.close()


async def _with_storage(
    database_url: str,
    job: Callable[..., Awaitable[T]],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> T:
    storage = open_storage(database_url)
    await storage.connect()
    try:
        return await job(storage, *args, **kwargs)
    finally:
        await storage.disconnect()


def _added_kinds() -> list[Kind[Any]]:
    """The kinds registered from outside polls' own modules: a job's process must know them."""
    return [kind for kind in all_kinds() if not type(kind).__module__.startswith("polls.kinds")]


def _receive(results: Connection, progress: Progress | None) -> tuple[bool, Any]:
    """In a thread: the job's outcome, or an error if its process ended without one; its
    progress meanwhile goes to ``progress`` (called in this thread)."""
    try:
        while True:
            message = results.recv()
            if message[0] == "progress":
                if progress is not None:
                    progress(message[1], message[2])
                continue
            return message[1], message[2]
    except EOFError:
        return False, RuntimeError("the research job's process ended without a result")
    finally:
        results.close()


class Offload:
    """Runs research jobs away from the event loop: ``await offload.run(job, *args, **kwargs)``
    with ``job(storage, *args, **kwargs)`` a module-level coroutine function (it is sent to
    another process, with its arguments)."""

    def __init__(self, database_url: str, storage: Storage) -> None:
        self.database_url = database_url
        self.storage = storage  # used directly only for memory://
        self.folder = Path(tempfile.mkdtemp(prefix="polls-research-"))
        self._context = multiprocessing.get_context("spawn")
        self._slots = asyncio.Semaphore(PARALLEL_JOBS)
        self._running: set[BaseProcess] = set()

    @property
    def in_process(self) -> bool:
        return self.database_url == "memory://"

    async def run(
        self,
        job: Callable[..., Awaitable[T]],
        *args: Any,
        progress: Progress | None = None,
        **kwargs: Any,
    ) -> T:
        """The job's result; its errors (such as ``NotFound``) are raised here. A job whose
        request goes away (cancelled) is stopped. ``progress(done, total)`` is called in the
        event loop as the job reports it (:func:`report_progress`)."""
        if self.in_process:
            token = _progress.set(progress)
            try:
                return await job(self.storage, *args, **kwargs)
            finally:
                _progress.reset(token)
        loop = asyncio.get_running_loop()

        def in_loop(done: int, total: int) -> None:
            assert progress is not None
            loop.call_soon_threadsafe(progress, done, total)

        async with self._slots:
            results, sending = self._context.Pipe(duplex=False)
            wants = progress is not None
            process = self._context.Process(
                target=_child,
                args=(sending, self.database_url, job, args, kwargs, _added_kinds(), wants),
                daemon=True,
                name="polls-research",
            )
            process.start()
            sending.close()
            self._running.add(process)
            try:
                succeeded, value = await asyncio.to_thread(
                    _receive, results, in_loop if wants else None
                )
            finally:
                if process.is_alive() and process.exitcode is None:
                    process.kill()  # cancelled, or done and about to exit anyway
                await asyncio.to_thread(process.join)
                self._running.discard(process)
        if not succeeded:
            raise value
        result: T = value
        return result

    @property
    def processes(self) -> list[BaseProcess]:
        """The processes of the jobs running now."""
        return list(self._running)

    def new_file(self, suffix: str) -> Path:
        """A path in the folder of finished files, for a job to write to."""
        handle, name = tempfile.mkstemp(suffix=suffix, dir=self.folder)
        os.close(handle)
        return Path(name)

    def close(self) -> None:
        for process in list(self._running):
            process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
