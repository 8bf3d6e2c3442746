"""Outages reported, not dumped: one warning when a dependency goes away, one when it is back."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("polls")


class Outage:
    """Tracks one dependency (storage, the broker) going away and coming back. While it is
    away nothing more is logged at warning level: a traceback per batch would bury the log."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.since: float | None = None
        self.failures = 0

    @property
    def away(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException, items: int = 1) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.warning("%s is unavailable: %s: %s", self.what, type(exc).__name__, str(exc)[:200])
        self.failures += items
        log.debug("%s still unavailable", self.what, exc_info=exc)

    def recovered(self) -> None:
        if self.since is None:
            return
        seconds = time.monotonic() - self.since
        log.warning(
            "%s is back after %.1f s; %d writes were refused meanwhile (callers retry)",
            self.what,
            seconds,
            self.failures,
        )
        self.since = None
        self.failures = 0
