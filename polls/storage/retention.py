"""Retention: answers are kept for a presentation's retention period, then purged."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import msgspec

from polls.core.models import Presentation
from polls.storage import Storage

DAY = 86400.0


class Purged(msgspec.Struct, frozen=True):
    presentation_id: str
    title: str
    answers: int
    cutoff: float


def cutoff_of(presentation: Presentation, default_days: int, now: float) -> float:
    """Answers stored before this time are past the presentation's retention period."""
    return now - (presentation.document.retention_days or default_days) * DAY


async def purge(storage: Storage, default_days: int, now: float) -> list[Purged]:
    """Delete every answer older than its presentation's retention period; report what went."""

    async def delete(presentation_id: str, cutoff: float) -> int:
        return await storage.delete_responses(presentation_id, before=cutoff)

    return await purge_each(await storage.presentations(), delete, default_days, now)


async def purge_each(
    presentations: list[Presentation],
    delete: Callable[[str, float], Awaitable[int]],
    default_days: int,
    now: float,
    stopping: asyncio.Event | None = None,
) -> list[Purged]:
    """Purge these presentations one by one with ``delete(id, cutoff)``; ``stopping`` ends it
    between two of them."""
    report: list[Purged] = []
    for presentation in presentations:
        if stopping is not None and stopping.is_set():
            break
        cutoff = cutoff_of(presentation, default_days, now)
        deleted = await delete(presentation.id, cutoff)
        if deleted:
            report.append(Purged(presentation.id, presentation.document.title, deleted, cutoff))
    return report
