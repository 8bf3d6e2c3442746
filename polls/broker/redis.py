"""The Redis broker: pub/sub between workers and hosts, and the shared token buckets."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
from typing import Any

from polls import metrics
from polls.broker.base import Broker, Handler, deliver
from polls.core.security import Buckets

log = logging.getLogger("polls.broker")
_CONTROL = "polls:broker:control"
# While Redis is away the reader retries with a backoff that doubles up to this, so a room
# hears again at most this long after Redis is back.
RECONNECT_MAX_SECONDS = 5.0
_SALT = "polls:buckets:salt"  # hashes bucket names, the same in every worker
# A token bucket in one atomic step, on Redis's clock so that workers' clocks do not matter.
_SPEND = """
local rate, burst, take = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == "1"
local clock = redis.call("TIME")
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local held = redis.call("HMGET", KEYS[1], "tokens", "stamp")
local tokens, stamp = tonumber(held[1]), tonumber(held[2])
if tokens == nil or stamp == nil then tokens, stamp = burst, now end
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
if tokens < 1 then return 0 end
if take then
  redis.call("HSET", KEYS[1], "tokens", tostring(tokens - 1), "stamp", tostring(now))
  redis.call("EXPIRE", KEYS[1], math.ceil(burst / rate))
end
return 1
"""


class RedisBroker(Broker):
    def __init__(self, url: str) -> None:
        self.url = url
        self._handlers: dict[str, list[Handler]] = {}
        self._client: Any = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._confirming: dict[str, list[asyncio.Future[None]]] = {}
        self._salt: bytes | None = None
        self._spend: Any = None
        self._local = Buckets()  # while Redis is away

    async def connect(self) -> None:
        import redis.asyncio as redis  # imported when a redis:// URL is used

        self._client = redis.from_url(self.url)
        self._spend = self._client.register_script(_SPEND)
        self._pubsub = self._client.pubsub()
        self._reader = asyncio.create_task(self._read(), name="polls-redis-reader")
        await self._subscribed(_CONTROL)

    async def ready(self) -> None:
        await asyncio.wait_for(self._client.ping(), 2.0)

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
        troubled = False
        while True:
            try:
                if not self._pubsub.subscribed:
                    await asyncio.sleep(0.01)  # nothing to read until the first subscription
                    continue
                message = await self._pubsub.get_message(timeout=1.0)
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: redis-py reconnects and resubscribes
                if not troubled:
                    log.warning("broker connection trouble (%s); retrying", type(exc).__name__)
                troubled = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, RECONNECT_MAX_SECONDS)
                continue
            if troubled:
                troubled = False
                log.warning("broker connection is back")
                metrics.broker_reconnects.inc()
                if self.on_reconnect is not None:
                    self.on_reconnect()
            if message is None:
                continue
            channel = message["channel"]
            channel = channel.decode() if isinstance(channel, bytes) else str(channel)
            if message["type"] == "subscribe":
                for waiter in self._confirming.pop(channel, []):
                    if not waiter.done():
                        waiter.set_result(None)
                continue
            if message["type"] != "message":
                continue
            for handler in list(self._handlers.get(channel, ())):
                deliver(channel, handler, message["data"])

    async def publish(self, channel: str, message: bytes) -> None:
        await self._client.publish(channel, message)

    async def subscribe(self, channel: str, handler: Handler) -> None:
        handlers = self._handlers.setdefault(channel, [])
        handlers.append(handler)
        if len(handlers) == 1:
            try:
                await self._subscribed(channel)
            except BaseException:  # not subscribed: forget the handler, so a retry subscribes
                handlers.remove(handler)
                if not handlers:
                    del self._handlers[channel]
                raise

    async def _subscribed(self, channel: str) -> None:
        """Subscribe and wait until Redis confirms, so no message published after is missed."""
        waiter = asyncio.get_running_loop().create_future()
        self._confirming.setdefault(channel, []).append(waiter)
        await self._pubsub.subscribe(channel)
        await asyncio.wait_for(waiter, 10)

    async def unsubscribe(self, channel: str, handler: Handler) -> None:
        handlers = self._handlers.get(channel, [])
        if handler in handlers:
            handlers.remove(handler)
        if not handlers and self._handlers.pop(channel, None) is not None:
            await self._pubsub.unsubscribe(channel)

    async def spend(self, bucket: str, rate: float, burst: float, *, take: bool) -> bool:
        try:
            if self._salt is None:
                await self._client.set(_SALT, secrets.token_hex(16), nx=True)
                self._salt = bytes(await self._client.get(_SALT))
            name = hmac.new(self._salt, bucket.encode("utf-8", "replace"), hashlib.sha256)
            key = "polls:bucket:" + name.hexdigest()[:32]
            return bool(await self._spend(keys=[key], args=[rate, burst, int(take)]))
        except Exception:  # Redis is away (the reader reports it): this worker counts alone
            return self._local.spend(bucket, rate, burst, take=take)
