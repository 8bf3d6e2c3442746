"""Brokers behind one interface, chosen by URL."""

from __future__ import annotations

from polls.broker.base import Broker, Handler

__all__ = ["Broker", "Handler", "open_broker"]


def open_broker(url: str) -> Broker:
    """``memory://`` (one process) or ``redis://host:port/db`` (many workers and hosts)."""
    if url == "memory://":
        from polls.broker.memory import MemoryBroker

        return MemoryBroker()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from polls.broker.redis import RedisBroker

        return RedisBroker(url)
    raise ValueError(f"Unknown broker URL scheme: {url.split(':', 1)[0]!r}")
