"""One contract for every broker: in-memory and Redis."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest

from polls.broker import Broker, open_broker

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["memory", "redis"])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    backend = open_broker(url)
    await backend.connect()
    try:
        yield backend
    finally:
        await backend.disconnect()


class Inbox:
    def __init__(self) -> None:
        self.messages: asyncio.Queue[bytes] = asyncio.Queue()

    def __call__(self, message: bytes) -> None:
        self.messages.put_nowait(message)

    async def next(self) -> bytes:
        return await asyncio.wait_for(self.messages.get(), 10)


def channel() -> str:
    return "polls:test:" + secrets.token_hex(6)


async def test_subscribers_get_published_messages_in_order(broker: Broker) -> None:
    """Every subscriber of a channel gets each message, in publishing order."""
    name = channel()
    first, second = Inbox(), Inbox()
    await broker.subscribe(name, first)
    await broker.subscribe(name, second)
    for index in range(5):
        await broker.publish(name, f"m{index}".encode())
    assert [await first.next() for _ in range(5)] == [f"m{i}".encode() for i in range(5)]
    assert [await second.next() for _ in range(5)] == [f"m{i}".encode() for i in range(5)]


async def test_channels_are_separate(broker: Broker) -> None:
    """A message reaches only its own channel's subscribers."""
    one, other = channel(), channel()
    inbox_one, inbox_other = Inbox(), Inbox()
    await broker.subscribe(one, inbox_one)
    await broker.subscribe(other, inbox_other)
    await broker.publish(other, b"for other")
    await broker.publish(one, b"for one")
    assert await inbox_one.next() == b"for one"
    assert await inbox_other.next() == b"for other"
    assert inbox_one.messages.empty()


async def test_unsubscribed_handlers_hear_nothing_more(broker: Broker) -> None:
    """After unsubscribing, a handler is not called; others still are."""
    name = channel()
    gone, staying = Inbox(), Inbox()
    await broker.subscribe(name, gone)
    await broker.subscribe(name, staying)
    await broker.unsubscribe(name, gone)
    await broker.publish(name, b"after")
    assert await staying.next() == b"after"
    assert gone.messages.empty()


async def test_binary_messages_arrive_intact(broker: Broker) -> None:
    """Arbitrary bytes (msgpack events) arrive unchanged."""
    name = channel()
    inbox = Inbox()
    await broker.subscribe(name, inbox)
    payload = bytes(range(256)) * 4
    await broker.publish(name, payload)
    assert await inbox.next() == payload


async def test_a_handler_that_fails_stops_nothing(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    """A handler that raises on a message costs that message for that handler only: the other
    handlers get it, later messages arrive, and the log has one line and no traceback."""
    name = channel()
    inbox = Inbox()

    def failing(message: bytes) -> None:
        raise ValueError("cannot take " + message.decode())

    await broker.subscribe(name, failing)
    await broker.subscribe(name, inbox)
    await broker.publish(name, b"first")
    await broker.publish(name, b"second")
    assert [await inbox.next(), await inbox.next()] == [b"first", b"second"]
    dropped = [r for r in caplog.records if "dropped a broker message" in r.getMessage()]
    assert len(dropped) == 2 and all(r.exc_info is None for r in dropped)


async def test_a_bucket_gives_its_burst_then_refuses(broker: Broker) -> None:
    """A token bucket gives ``burst`` tokens, then refuses; looking without taking costs
    nothing; another bucket is untouched."""
    name, other = channel(), channel()
    assert [await broker.spend(name, 0.001, 3, take=True) for _ in range(4)] == [
        True, True, True, False,
    ]  # fmt: skip
    assert await broker.spend(name, 0.001, 3, take=False) is False
    assert await broker.spend(other, 0.001, 3, take=False) is True
    assert await broker.spend(other, 0.001, 3, take=True) is True


async def test_two_redis_brokers_share_a_bucket_and_keep_no_name(redis_url: str) -> None:
    """Workers spend from one bucket, and Redis holds only a hash of its name (an address)."""
    import redis.asyncio as redis

    address = "203.0.113." + str(secrets.randbelow(250))
    bucket = f"code-guesses:{address}:{secrets.token_hex(4)}"
    first, second = open_broker(redis_url), open_broker(redis_url)
    await first.connect()
    await second.connect()
    try:
        assert await first.spend(bucket, 0.001, 2, take=True)
        assert await second.spend(bucket, 0.001, 2, take=True)
        assert not await first.spend(bucket, 0.001, 2, take=False)
        client = redis.from_url(redis_url)
        try:
            keys = [key.decode() async for key in client.scan_iter("polls:bucket:*")]
            assert keys and not any(address in key for key in keys)
        finally:
            await client.aclose()
    finally:
        await first.disconnect()
        await second.disconnect()


async def test_two_redis_brokers_reach_each_other(redis_url: str) -> None:
    """Workers with their own Redis connection hear each other."""
    broker, other = open_broker(redis_url), open_broker(redis_url)
    await broker.connect()
    await other.connect()
    try:
        name = channel()
        inbox = Inbox()
        await other.subscribe(name, inbox)
        await broker.publish(name, b"across workers")
        assert await inbox.next() == b"across workers"
    finally:
        await other.disconnect()
        await broker.disconnect()
