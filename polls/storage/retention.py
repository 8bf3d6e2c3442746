"""Retention: answers are kept for a presentation's retention period, then purged."""

from __future__ import annotations

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
    report: list[Purged] = []
    for presentation in await storage.presentations():
        cutoff = cutoff_of(presentation, default_days, now)
        deleted = await storage.delete_responses(presentation.id, before=cutoff)
        if deleted:
            report.append(Purged(presentation.id, presentation.document.title, deleted, cutoff))
    return report
