"""The audience's reactions: limited per participant, counted together, and passed on once per
results interval, however many phones tap: one event per presentation and slide to every
worker's screens, and one write of counts per slide and minute (nobody's own).

Reactions are not answers: they are counted, not acknowledged, and a crash may lose the last
interval's taps; they are never counted twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable

from polls.core.errors import RateLimited
from polls.core.i18n import N_
from polls.core.models import ReactionCount
from polls.live.events import ReactionsEvent

log = logging.getLogger("polls.live")
RATE = 1.0  # reactions a second per participant, on average
BURST = 3.0  # and at most this many at once
IDLE = 60.0  # seconds after which a participant's allowance is forgotten (it is full again)

Write = Callable[[list[tuple[str, ReactionCount]]], Awaitable[None]]
Publish = Callable[[str, object], Awaitable[None]]


class Reactions:
    """One worker's reactions on their way to the screens and storage."""

    def __init__(
        self,
        interval: float,
        write: Write,
        publish: Publish,
        spawn: Callable[[Awaitable[None]], None],
    ) -> None:
        self.interval = interval
        self._write = write
        self._publish = publish
        self._spawn = spawn
        self._pending: dict[str, dict[str, Counter[str]]] = {}  # presentation, slide: counts
        self._allowance: dict[tuple[str, str], tuple[float, float]] = {}  # (tokens, at)
        self._timer: asyncio.TimerHandle | None = None
        self._swept_at = time.monotonic()

    def add(self, presentation_id: str, participant: str, slide_id: str, reaction: str) -> None:
        """Count one reaction; RateLimited if this participant sends them too fast."""
        now = time.monotonic()
        key = (presentation_id, participant)
        tokens, at = self._allowance.get(key, (BURST, now))
        tokens = min(BURST, tokens + (now - at) * RATE)
        if tokens < 1:
            raise RateLimited(N_("One reaction a second, please."))
        self._allowance[key] = (tokens - 1, now)
        slides = self._pending.setdefault(presentation_id, {})
        slides.setdefault(slide_id, Counter())[reaction] += 1
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.interval, self._flush_soon)

    def _flush_soon(self) -> None:
        self._timer = None
        self._spawn(self.flush())

    async def flush(self) -> None:
        """Send on what was counted: events first (screens), then one write of the counts."""
        pending, self._pending = self._pending, {}
        minute = int(time.time() // 60)
        rows: list[tuple[str, ReactionCount]] = []
        for presentation_id, slides in pending.items():
            for slide_id, counts in slides.items():
                await self._publish(presentation_id, ReactionsEvent(slide_id, dict(counts)))
                rows += [
                    (presentation_id, _count(slide_id, minute, reaction, times))
                    for reaction, times in counts.items()
                ]
        self._forget_idle()
        if rows:
            try:
                await self._write(rows)
            except Exception:  # reactions are not answers: the screens have seen them
                log.warning("storing %d counts of reactions failed", len(rows), exc_info=True)

    def _forget_idle(self) -> None:
        """Allowances of participants silent for IDLE seconds are full again: forget them (a
        sweep every IDLE seconds, not at every flush: a full room has thousands)."""
        now = time.monotonic()
        if now - self._swept_at < IDLE:
            return
        self._swept_at = now
        cutoff = now - IDLE
        for key in [k for k, (_, at) in self._allowance.items() if at < cutoff]:
            del self._allowance[key]

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _count(slide_id: str, minute: int, reaction: str, times: int) -> ReactionCount:
    return ReactionCount(slide_id=slide_id, minute=minute, reaction=reaction, count=times)
