"""The Redis broker: pub/sub between workers and hosts. Needs the ``redis`` extra."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from polls.broker.base import Broker, Handler

log = logging.getLogger("polls.broker")
_CONTROL = "polls:broker:control"


class RedisBroker(Broker):
    def __init__(self, url: str) -> None:
        self.url = url
        self._handlers: dict[str, list[Handler]] = {}
        self._client: Any = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        import redis.asyncio as redis  # optional dependency, imported when used

        self._client = redis.from_url(self.url)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(_CONTROL)
        self._reader = asyncio.create_task(self._read(), name="polls-redis-reader")

    async def disconnect(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()
        if self._client is not None:
            await self._client.aclose()

    async def _read(self) -> None:
        backoff = 0.1
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=1.0
                )
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: redis-py reconnects and resubscribes
                log.warning("broker connection trouble (%s); retrying", type(exc).__name__)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"]
            channel = channel.decode() if isinstance(channel, bytes) else str(channel)
            for handler in list(self._handlers.get(channel, ())):
                handler(message["data"])

    async def publish(self, channel: str, message: bytes) -> None:
        await self._client.publish(channel, message)

    async def subscribe(self, channel: str, handler: Handler) -> None:
        handlers = self._handlers.setdefault(channel, [])
        handlers.append(handler)
        if len(handlers) == 1:
            await self._pubsub.subscribe(channel)

    async def unsubscribe(self, channel: str, handler: Handler) -> None:
        handlers = self._handlers.get(channel, [])
        if handler in handlers:
            handlers.remove(handler)
        if not handlers and self._handlers.pop(channel, None) is not None:
            await self._pubsub.unsubscribe(channel)
