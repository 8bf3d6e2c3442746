"""Peers and rooms: newest-only outboxes, bounded replies, one encoding for everyone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, cast

import pytest

from polls.core.models import Presentation, State, StoredResponse
from polls.domain.documents import validate_document
from polls.live.events import JoinedEvent, ResponsesEvent, StateEvent, encode_event
from polls.live.peer import Overflow, Peer
from polls.live.room import Room
from tests.conftest import DOCUMENT

pytestmark = pytest.mark.anyio


class Screen:
    """A client that records what it is sent; it can be stalled."""

    def __init__(self, stalled: bool = False) -> None:
        self.received: list[str] = []
        self.stalled = stalled
        self.arrived = asyncio.Event()

    async def send(self, data: str) -> None:
        if self.stalled:
            await asyncio.Event().wait()  # never returns, like a phone that stopped reading
        self.received.append(data)
        self.arrived.set()


def test_latest_replaces_what_was_not_sent() -> None:
    """Of several results waiting for one slot, only the newest is kept."""
    peer = Peer(Screen().send)
    peer.latest("results", "old")
    peer.latest("results", "new")
    peer.push("ack-1")
    assert list(peer._pending.values()) == ["new", "ack-1"]


def test_a_broadcast_is_written_at_once_unless_something_waits() -> None:
    """A slide change goes straight out to a connection that can take it; behind a queued
    message, or with a full write buffer, it waits in its slot and replaces older ones."""
    written: list[str] = []
    writable = True

    def write_now(data: str) -> bool:
        if writable:
            written.append(data)
        return writable

    peer = Peer(Screen().send, write_now=write_now)
    peer.latest("slide", "slide 1")
    assert written == ["slide 1"] and not peer._pending
    writable = False
    peer.latest("slide", "slide 2")
    peer.latest("slide", "slide 3")
    assert written == ["slide 1"] and list(peer._pending.values()) == ["slide 3"]
    writable = True
    peer.latest("results", "results 1")  # not ahead of the slide that waits
    assert written == ["slide 1"] and list(peer._pending.values()) == ["slide 3", "results 1"]


def test_replies_are_bounded() -> None:
    """A client that never reads its replies overflows instead of growing memory."""
    peer = Peer(Screen().send, max_pending=3)
    for index in range(3):
        peer.push(f"r{index}")
    with pytest.raises(Overflow):
        peer.push("one too many")


async def test_a_stalled_peer_does_not_hold_up_the_others() -> None:
    """With one client stuck, the others still get every broadcast."""
    stuck, fine = Screen(stalled=True), Screen()
    peers = [Peer(stuck.send), Peer(fine.send)]
    pumps = [asyncio.create_task(p.pump()) for p in peers]
    for round_ in range(3):
        for peer in peers:
            peer.latest("slide", f"slide {round_}")
        await asyncio.wait_for(fine.arrived.wait(), 10)
        fine.arrived.clear()
    assert fine.received == ["slide 0", "slide 1", "slide 2"]
    assert len(peers[0]._pending) <= 1  # the stuck one holds at most the newest
    for pump in pumps:
        pump.cancel()


def make_room(
    interval: float = 3600.0,
    log: list[StoredResponse] | None = None,
    load_joined: Callable[[], Awaitable[int]] | None = None,
) -> Room:
    presentation = Presentation(
        id="p",
        code="12345678",
        document=validate_document(DOCUMENT),
        state=State(current=1),
        created_at=0.0,
    )

    async def responses(slide_id: str, after_id: int, limit: int | None) -> list[StoredResponse]:
        return [r for r in log or [] if r.slide_id == slide_id and r.id > after_id][:limit]

    async def no_joins() -> int:
        return 0

    joined = load_joined or no_joins
    return Room(presentation, {}, 0, responses, joined, interval, lambda work: None)


def word(index: int, text: str = "x") -> StoredResponse:
    return StoredResponse(
        id=index,
        presentation_id="p",
        slide_id="words",
        participant=f"w{index}",
        submission_id="s",
        value={"words": [text]},
        created_at=0.0,
    )


async def test_a_state_change_is_encoded_once_for_every_participant() -> None:
    """Every participant's outbox holds the very same string object."""
    room = make_room()
    peers = [Peer(Screen().send) for _ in range(5)]
    for peer in peers:
        room.participants.add(peer)
    room.on_event(encode_event(StateEvent(State(current=2, version=2))))
    sent = [peer._pending["slide"] for peer in peers]
    assert all(data is sent[0] for data in sent)
    assert '"index":2' in sent[0]


async def test_online_counts_add_up_across_workers_and_expire() -> None:
    """Phones here plus fresh counts of other workers; this worker's own echo is not counted."""
    from polls.live.events import OnlineEvent

    room = make_room()
    room.worker = "here"
    room.participants.add(Peer(Screen().send))
    now = time.time()
    room.on_event(encode_event(OnlineEvent("there", 4, now)))
    room.on_event(encode_event(OnlineEvent("here", 1, now)))
    room.on_event(encode_event(OnlineEvent("gone", 7, now - 3600)))
    assert room.online == 5


async def test_older_states_are_ignored() -> None:
    """A late event with an older version does not move the room back."""
    room = make_room()
    room.on_event(encode_event(StateEvent(State(current=3, version=5))))
    room.on_event(encode_event(StateEvent(State(current=1, version=4))))
    assert room.presentation.state.current == 3


async def test_results_are_coalesced_per_interval() -> None:
    """However many answers arrive within an interval, presenters get one update."""
    room = make_room()
    screen = Peer(Screen().send)
    room.presenters.add(screen)
    await room.ensure_tally("words")
    room.publish_results()  # the first update goes out at once
    for index in range(50):
        room.on_event(encode_event(ResponsesEvent([word(index)])))
    assert room._results_timer is not None  # one timer for all fifty
    room.publish_results()
    assert '"answered":50' in screen._pending["results"]
    room.close()


async def test_a_catch_up_counts_answers_whose_broadcast_was_lost_and_rereads_little() -> None:
    """Answers missed by the broker are counted at the next catch-up, each once; later catch-ups
    read only answers newer than what the one before the last had read."""
    log = [word(1), word(2)]
    room = make_room(log=log)
    counted = await room.ensure_tally("words")
    log += [word(3), word(4)]  # committed, but their broadcast never arrived
    await room.resync()
    assert counted.snapshot()["answered"] == 4
    read: list[int] = []
    loader = room.load_responses

    async def recording(slide_id: str, after_id: int, limit: int | None) -> list[StoredResponse]:
        read.append(after_id)
        return await loader(slide_id, after_id, limit)

    room.load_responses = recording
    log.append(word(5))
    await room.resync()
    log.append(word(6))
    await room.resync()
    assert counted.snapshot()["answered"] == 6
    assert read == [4, 4]  # above what the first (full) one read, then what the one before read
    room.close()


async def test_rooms_poll_storage_only_when_the_broker_can_lose_messages() -> None:
    """With the in-process broker a room never rereads the log on a timer; with Redis it does."""
    from polls.broker.memory import MemoryBroker
    from polls.broker.redis import RedisBroker

    assert not MemoryBroker.loses_messages and RedisBroker.loses_messages
    for catch_up in (False, True):
        room = make_room()
        room._catch_up = catch_up
        room.spawn = lambda work: cast(Coroutine[Any, Any, None], work).close()  # not run here
        room.add_presenter(Peer(Screen().send))
        assert (room._resync_timer is not None) is catch_up
        room.close()


async def test_a_reply_goes_out_at_once_or_behind_what_is_queued() -> None:
    """An ack is written straight away when nothing waits, never overtakes queued messages,
    and waits for the pump when the connection cannot take it at once."""
    screen = Screen()
    writable = True

    def write_now(data: str) -> bool:
        if writable:
            screen.received.append(data)
            screen.arrived.set()
        return writable

    peer = Peer(screen.send, write_now=write_now)
    peer.send_now("ack-1")
    assert screen.received == ["ack-1"]
    writable = False
    peer.latest("slide", "slide 2")  # a full write buffer: it waits in its slot
    writable = True
    peer.send_now("ack-2")  # the slide is still queued: the ack waits behind it
    assert screen.received == ["ack-1"]
    pump = asyncio.create_task(peer.pump())
    while len(screen.received) < 3:
        await screen.arrived.wait()
        screen.arrived.clear()
    assert screen.received == ["ack-1", "slide 2", "ack-2"]
    writable = False  # a full write buffer: the pump sends it the slow way
    screen.arrived.clear()
    peer.send_now("ack-3")
    await screen.arrived.wait()
    assert screen.received == ["ack-1", "slide 2", "ack-2", "ack-3"]
    pump.cancel()


async def test_a_slide_is_counted_from_the_log_a_page_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A big slide is read in pages, each after the last id read, and every answer counts."""
    from polls.live import room as live

    monkeypatch.setattr(live, "LOAD_PAGE", 2)
    room = make_room(log=[word(index) for index in range(1, 6)])
    read: list[tuple[int, int | None]] = []
    loader = room.load_responses

    async def recording(slide_id: str, after_id: int, limit: int | None) -> list[StoredResponse]:
        read.append((after_id, limit))
        return await loader(slide_id, after_id, limit)

    room.load_responses = recording
    counted = await room.ensure_tally("words")
    assert counted.snapshot()["answered"] == 5
    assert read == [(0, 2), (2, 2), (4, 2)]
    room.close()


async def test_a_join_heard_while_the_count_is_read_is_not_lost() -> None:
    """A catch-up reads the join count; a join committed just after that read and heard while
    it was in flight still counts, instead of the stale count overwriting it."""
    stored = [0]

    async def count_with_a_join_arriving() -> int:
        seen = stored[0]
        if seen == 0:  # the read sees no join; meanwhile one is committed and heard
            stored[0] = 1
            room.on_event(encode_event(JoinedEvent(1)))
        return seen

    room = make_room(load_joined=count_with_a_join_arriving)
    await room.resync()
    assert room.joined == 1
