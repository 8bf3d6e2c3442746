"""WebSocket keepalive pings spread out in time.

Pings keep proxies from dropping a quiet connection and find phones that vanished without
closing. uvicorn sends each connection's ping a fixed interval after its handshake, so a room
whose phones joined within a few seconds is pinged within the same few seconds, again and
again: 10,000 pings in 6 s on top of 10,000 answers a second was more than one core could do
(docs/benchmarks.md). Here each ping comes after a random share, between half and all, of the
interval, so the pings of a room spread out and stay spread out.
"""

from __future__ import annotations

import random

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


def next_ping_delay(interval: float, draw: float) -> float:
    """Seconds until the next ping, for a draw between 0 and 1."""
    return interval * (0.5 + 0.5 * draw)


class SpreadPings(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol (websockets' sans-I/O core) with spread keepalive pings."""

    def schedule_ping(self) -> None:
        assert self.ping_interval is not None
        delay = next_ping_delay(self.ping_interval, random.random())  # noqa: S311 - timing only
        self.ping_timer = self.loop.call_later(delay, self.send_keepalive_ping)
