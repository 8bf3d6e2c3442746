"""One connected client's outbox: what must reach it, and what only needs to be current.

Replies (acknowledgements, errors) are queued in order and bounded: a client that does not read
them overflows and is disconnected instead of growing memory. Broadcasts (the slide, the state,
results) each have a slot, where a newer one replaces what was not sent yet. Where the
connection offers it (polls.wire), data is written at once when nothing waits before it, and
the peer's task is woken only for what has to wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Overflow(Exception):
    """A peer has not read its replies for too long."""


class Peer:
    """One connected client and its outbox, drained by its own task."""

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        *,
        write_now: Callable[[str], bool] | None = None,
        max_pending: int = 32,
    ) -> None:
        self._send = send
        # Where the connection offers it: write at once, True if it could (polls.wire).
        self._write_now = write_now
        self._pending: dict[object, str] = {}
        self._wake = asyncio.Event()
        self._serial = 0
        self._sending = False
        self.max_pending = max_pending

    def latest(self, slot: str, data: str) -> None:
        """Send data at once if the connection can take it and nothing waits before it; else
        queue it, replacing anything of the same slot not yet sent.

        Written at once, a broadcast wakes no task per peer: a slide change reaches 10,000
        phones in one pass over them."""
        if self._written_at_once(data):
            return
        self._pending.pop(slot, None)
        self._pending[slot] = data
        self._wake.set()

    def push(self, data: str) -> None:
        """Queue a reply that must be sent; Overflow if the peer is not reading."""
        if len(self._pending) >= self.max_pending:
            raise Overflow
        self._serial += 1
        self._pending[self._serial] = data
        self._wake.set()

    def send_now(self, data: str) -> None:
        """Send a reply to the peer's own message: written at once if the connection can take
        it and nothing waits before it, else queued (Overflow if the peer is not reading)."""
        if not self._written_at_once(data):
            self.push(data)

    def _written_at_once(self, data: str) -> bool:
        """Write data now if the connection can take it and nothing waits before it."""
        return (
            self._write_now is not None
            and not self._pending
            and not self._sending
            and self._write_now(data)
        )

    async def pump(self) -> None:
        """Send what is queued, forever (cancelled when the connection ends)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending and not self._sending:
                data = self._pending.pop(next(iter(self._pending)))
                if self._write_now is not None and self._write_now(data):
                    continue
                self._sending = True
                try:
                    await self._send(data)
                finally:
                    self._sending = False
