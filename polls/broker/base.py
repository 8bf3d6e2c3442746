"""The broker interface: fan-out of events between the workers that serve one presentation.

Brokers carry hints, never truth: an event that is lost only delays a screen,
because every worker can rebuild what it shows from storage.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable

Handler = Callable[[bytes], None]
log = logging.getLogger("polls.broker")


def deliver(channel: str, handler: Handler, message: bytes) -> None:
    """Call one handler; a message it cannot take is dropped with one line, and the
    subscription carries on for every other handler and every later message."""
    try:
        handler(message)
    except Exception as exc:
        log.warning("dropped a broker message on %s (%r)", channel, exc)


class Broker(ABC):
    # Whether a published message can fail to arrive (a dropped connection to Redis): rooms
    # then catch up from storage every RESYNC_SECONDS. In one process nothing is lost, and a
    # catch-up of a busy room costs enough to show as a stall.
    loses_messages = True
    # Called when the connection to the broker is back after trouble (set by the hub).
    on_reconnect: Callable[[], None] | None = None

    async def connect(self) -> None:  # noqa: B027 - optional hook
        """Open connections."""

    async def disconnect(self) -> None:  # noqa: B027 - optional hook
        """Close connections."""

    async def ready(self) -> None:  # noqa: B027 - optional hook
        """Return if the broker answers now; raise if it does not."""

    @abstractmethod
    async def publish(self, channel: str, message: bytes) -> None:
        """Send a message to every subscriber of a channel, in every worker."""

    @abstractmethod
    async def subscribe(self, channel: str, handler: Handler) -> None:
        """Call handler (on the event loop, never inside publish) for each message."""

    @abstractmethod
    async def unsubscribe(self, channel: str, handler: Handler) -> None: ...

    @abstractmethod
    async def spend(self, bucket: str, rate: float, burst: float, *, take: bool) -> bool:
        """A token bucket shared by every worker (``rate`` tokens a second up to ``burst``):
        whether it holds a token now, taking it if ``take``. Bucket names are kept only as a
        keyed hash, so a name made of a client's address stores no address."""
