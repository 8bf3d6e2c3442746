"""The in-process broker: one worker, no network."""

from __future__ import annotations

import asyncio

from polls.broker.base import Broker, Handler, deliver
from polls.core.security import Buckets


class MemoryBroker(Broker):
    loses_messages = False  # handlers are called in this process, every one of them

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = {}
        self._buckets = Buckets()

    async def publish(self, channel: str, message: bytes) -> None:
        loop = asyncio.get_running_loop()
        for handler in self._handlers.get(channel, ()):
            loop.call_soon(deliver, channel, handler, message)

    async def subscribe(self, channel: str, handler: Handler) -> None:
        self._handlers.setdefault(channel, []).append(handler)

    async def unsubscribe(self, channel: str, handler: Handler) -> None:
        handlers = self._handlers.get(channel, [])
        if handler in handlers:
            handlers.remove(handler)
        if not handlers:
            self._handlers.pop(channel, None)

    async def spend(self, bucket: str, rate: float, burst: float, *, take: bool) -> bool:
        return self._buckets.spend(bucket, rate, burst, take=take)
