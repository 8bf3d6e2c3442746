"""The daily retention purge, which must never stop: the privacy promise depends on it.

Every error is caught and logged, and the purge is tried again an hour later; each run's
outcome is kept for ``/ready`` and the research page to show.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

import msgspec

from polls.core.errors import PollsError
from polls.live.hub import Hub
from polls.storage import is_outage
from polls.storage.retention import DAY

log = logging.getLogger("polls")

RETRY = 3600.0  # after a failed run


class RetentionStatus(msgspec.Struct, kw_only=True):
    """When the purge last completed and, if the last run failed, when and why."""

    last_success: float | None = None
    last_failure: float | None = None
    last_error: str = ""


async def purge_once(
    hub: Hub, default_days: int, status: RetentionStatus, stopping: asyncio.Event
) -> bool:
    """One run of the purge; whether it completed. Errors are logged, never raised."""
    try:
        for purged in await hub.purge(default_days, stopping):
            log.info(
                "retention: deleted %d answers of presentation %s",
                purged.answers,
                purged.presentation_id,
            )
    except Exception as exc:
        reason = exc.reason if isinstance(exc, PollsError) else type(exc).__name__
        status.last_failure, status.last_error = time.time(), reason
        # A bug gets its traceback; an unavailable database only a line.
        expected = isinstance(exc, PollsError) or is_outage(exc)
        log.warning(
            "retention purge failed (%s); trying again in an hour", reason, exc_info=not expected
        )
        return False
    if stopping.is_set():
        return False  # stopped between presentations: not a completed run
    status.last_success, status.last_error = time.time(), ""
    return True


async def keep_purging(
    hub: Hub,
    default_days: int,
    status: RetentionStatus,
    stopping: asyncio.Event,
    pause: Callable[[float], Awaitable[None]] | None = None,
) -> None:
    """Purge at start, then daily; an hour after a failed run. Setting ``stopping`` ends it
    after the presentation being purged (it is never cancelled in the middle of a query)."""

    async def until_stopping(seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), seconds)

    wait = pause or until_stopping
    while not stopping.is_set():
        completed = await purge_once(hub, default_days, status, stopping)
        if not stopping.is_set():
            await wait(DAY if completed else RETRY)
