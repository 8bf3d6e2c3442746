"""Live rooms: who is connected to a presentation, and what they are sent.

A :class:`Room` holds one presentation's connected peers in this worker. Every
change (answers committed, state, moderation, joins) travels as an event
through the broker, also back to the worker it came from, so one worker or
twenty behave the same. Broadcasts are encoded once and the same string is
offered to every peer; each peer's outbox keeps only the newest message of a
kind, so a slow phone never holds up anyone else and never grows memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from polls.core.models import Document, Presentation, State, StoredResponse
from polls.domain import protocol
from polls.domain.documents import document_from_builtins
from polls.domain.tally import Tally, new_tally
from polls.kinds import kind_of
from polls.kinds.qa import QA_SLIDE, QaTally
from polls.live.events import (
    ONLINE_HEARTBEAT_SECONDS,
    ONLINE_STALE_SECONDS,
    RESYNC_SECONDS,
    AskOnline,
    DocumentEvent,
    ModerationEvent,
    OnlineEvent,
    ReactionsEvent,
    ResetEvent,
    ResponsesEvent,
    StateEvent,
    event_decoder,
)
from polls.live.peer import Peer
from polls.live.questions import QuestionFeed

log = logging.getLogger("polls.live")
LOAD_PAGE = 5_000  # answers read from the log at a time when counting a slide
STATE_POLL_SECONDS = 3.0


class Room:
    """One presentation as this worker serves it."""

    def __init__(
        self,
        presentation: Presentation,
        hidden: dict[str, set[str]],
        joined: int,
        load_responses: Callable[[str, int, int | None], Awaitable[list[StoredResponse]]],
        load_joined: Callable[[], Awaitable[int]],
        results_interval: float,
        spawn: Callable[[Awaitable[None]], None],
        announce: Callable[[int], None] = lambda count: None,
        worker: str = "",
        *,
        catch_up: bool = True,
        load_state: Callable[[], Awaitable[State | None]] | None = None,
        load_newest: Callable[[str], Awaitable[int]] | None = None,
    ) -> None:
        self.presentation = presentation
        self.hidden = hidden
        self.joined = joined
        self._joins_heard = 0  # join events applied so far, to tell a stale count apart
        self.participants: set[Peer] = set()
        self.presenters: set[Peer] = set()
        self.users = 0
        self.control_lock = asyncio.Lock()
        self.tallies: dict[str, Tally] = {}
        self._counting: dict[str, asyncio.Future[None]] = {}  # tallies still being counted
        self.load_responses = load_responses
        self._load_joined = load_joined
        self._interval = results_interval
        self._results_timer: asyncio.TimerHandle | None = None
        self._last_results = 0.0
        self.spawn = spawn
        self.announce = announce
        self.worker = worker
        self.online_elsewhere: dict[str, tuple[int, float]] = {}
        self._announced = 0
        self._announce_timer: asyncio.TimerHandle | None = None
        self._heartbeat_timer: asyncio.TimerHandle | None = None
        self._waiters: list[asyncio.Future[None]] = []
        self._resync_timer: asyncio.TimerHandle | None = None
        self._catch_up = catch_up  # every RESYNC_SECONDS, for brokers that can lose messages
        # With such a broker a slide change can be lost too: rooms in use read the state's
        # version from storage every STATE_POLL_SECONDS, so no phone stays on an old slide.
        self._load_state = load_state
        self._state_timer: asyncio.TimerHandle | None = None
        # And rooms with screens compare each counted slide's newest stored answer with the
        # newest they counted, so answers whose event was lost (a worker that died after its
        # commit, a broker outage) reach the screens within seconds, not at the next catch-up.
        self._load_newest = load_newest
        self._counted_up_to: dict[str, int] = {}
        # Highest response ids read by the last two catch-ups (see resync).
        self._read_up_to = (0, 0)
        # Reactions on each slide so far, by name (the hub fills it in when it opens the room).
        self.reaction_totals: dict[str, Counter[str]] = {}
        # When the shown slide's countdown runs out, phones are told voting has closed.
        self._closing_timer: asyncio.TimerHandle | None = None
        # The audience's questions on their way to the screens and the phones that follow them.
        self.feed = QuestionFeed(self)
        self.slide_data = ""
        self._read_by_shown: frozenset[str] = frozenset()  # slides a shown leaderboard adds up
        self._refresh_slide()

    @property
    def id(self) -> str:
        return self.presentation.id

    @property
    def results_interval(self) -> float:
        return self._interval

    # ---- events from the broker ------------------------------------------------------------

    def on_event(self, raw: bytes) -> None:
        try:
            event = event_decoder.decode(raw)
        except msgspec.DecodeError:
            log.warning("ignored an undecodable event for %s", self.id)
            return
        if isinstance(event, ResponsesEvent):
            current = self.current_slide_id
            touched = asked = False
            for response in event.items:
                counted = self.tallies.get(response.slide_id)
                if counted is not None:
                    counted.apply(response)
                    if response.id > self._counted_up_to.get(response.slide_id, 0):
                        self._counted_up_to[response.slide_id] = response.id
                touched = (
                    touched
                    or response.slide_id == current
                    or response.slide_id in self._read_by_shown
                )
                asked = asked or response.slide_id == QA_SLIDE
            if touched:
                self.schedule_results()
            if asked:
                self.feed.schedule()
        elif isinstance(event, StateEvent):
            self.apply_state(event.state)
        elif isinstance(event, ModerationEvent):
            self.apply_moderation(event.slide, event.item, event.hidden)
        elif isinstance(event, ResetEvent):
            self.tallies.clear()
            self._counted_up_to.clear()
            self._read_up_to = (0, 0)
            self.spawn(self.resync())
        elif isinstance(event, DocumentEvent):
            self.apply_document(document_from_builtins(event.document))
        elif isinstance(event, OnlineEvent):
            if event.worker != self.worker:  # our own count comes back through the broker too
                self.online_elsewhere[event.worker] = (event.count, event.at)
                self.schedule_results()
        elif isinstance(event, AskOnline):
            self._announce(force=True)
        elif isinstance(event, ReactionsEvent):
            self.apply_reactions(event)
        else:
            self.joined += event.count
            self._joins_heard += 1
            self.schedule_results()

    def apply_state(self, state: State) -> None:
        """Take a newer state and tell everyone; an older or repeated one is ignored."""
        before = self.presentation.state
        if state.version <= before.version:
            return
        self.presentation = msgspec.structs.replace(self.presentation, state=state)
        if (state.answering, state.answered) != (before.answering, before.answered):
            self.feed.schedule()
        self._refresh_slide()
        for peer in self.participants:
            peer.latest("slide", self.slide_data)
        state_data = protocol.encode(protocol.state_message(state))
        for peer in self.presenters:
            peer.latest("state", state_data)
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
        self.publish_results()

    def apply_document(self, document: Document) -> None:
        """Take a changed presentation: phones see the (new) current slide, screens redraw."""
        if document == self.presentation.document:
            return
        self.presentation = msgspec.structs.replace(self.presentation, document=document)
        self.tallies.clear()  # questions may have changed; results are rebuilt from the log
        self._counted_up_to.clear()
        self._refresh_slide()
        for peer in self.participants:
            peer.latest("slide", self.slide_data)
        document_data = protocol.encode(
            {"type": "document", "document": msgspec.to_builtins(document)}
        )
        for peer in self.presenters:
            peer.latest("document", document_data)
        self.publish_results()
        self.feed.schedule()

    def apply_reactions(self, event: ReactionsEvent) -> None:
        """Add a worker's reactions to the slide's totals; screens animate what was added."""
        totals = self.reaction_totals.setdefault(event.slide, Counter())
        totals.update(event.counts)
        if not self.presenters:
            return
        data = protocol.encode(
            {"type": "reactions", "slide": event.slide, "added": event.counts, "totals": totals}
        )
        for peer in self.presenters:
            peer.latest("reactions", data)

    def _refresh_slide(self) -> None:
        """Encode the slide message once for every phone, and if the shown slide's countdown
        runs, be back when it runs out: every worker closes voting on its own clock."""
        now = time.time()
        self.slide_data = protocol.encode(protocol.slide_message(self.presentation, now))
        shown = self.presentation.current_slide
        self._read_by_shown = (
            frozenset(kind_of(shown).reads(self.presentation.document, shown))
            if shown is not None
            else frozenset()
        )
        if self._closing_timer is not None:
            self._closing_timer.cancel()
            self._closing_timer = None
        slide = self.presentation.current_slide
        deadline = None if slide is None else self.presentation.state.deadline(slide.id)
        if deadline is not None and deadline > now:
            with contextlib.suppress(RuntimeError):  # no event loop: nobody to tell
                self._closing_timer = asyncio.get_running_loop().call_later(
                    deadline - now, self._time_is_up
                )

    def _time_is_up(self) -> None:
        self._closing_timer = None
        self._refresh_slide()
        for peer in self.participants:
            peer.latest("slide", self.slide_data)

    def apply_moderation(self, slide_id: str, item: str, hidden: bool) -> None:
        items = self.hidden.setdefault(slide_id, set())
        if (item in items) != hidden:
            (items.add if hidden else items.discard)(item)
            if slide_id == QA_SLIDE:
                self.feed.schedule()
            else:
                self.schedule_results()

    async def wait_for_change(self, version: int, seconds: float) -> None:
        """Return when the state is newer than version, or after timeout (long polling)."""
        if self.presentation.state.version != version:
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, seconds)
        except TimeoutError:
            pass
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    # ---- results ---------------------------------------------------------------------------

    @property
    def current_slide_id(self) -> str | None:
        slide = self.presentation.current_slide
        return None if slide is None else slide.id

    def schedule_results(self) -> None:
        """Publish results soon, at most once per interval however many changes arrive."""
        if self._results_timer is not None or not self.presenters:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._last_results + self._interval - loop.time())
        self._results_timer = loop.call_later(delay, self.publish_results)

    def publish_results(self) -> None:
        if self._results_timer is not None:
            self._results_timer.cancel()
            self._results_timer = None
        if not self.presenters:
            return
        slide_id = self.current_slide_id
        if slide_id is not None and slide_id not in self.tallies:
            self.spawn(self._load_then_publish(slide_id))
            return
        self._last_results = asyncio.get_running_loop().time()
        data = protocol.encode(self.results_message())
        for peer in self.presenters:
            peer.latest("results", data)

    async def _load_then_publish(self, slide_id: str) -> None:
        await self.ensure_tally(slide_id)
        self.publish_results()

    async def ensure_tally(self, slide_id: str) -> Tally:
        """The tally of a slide, built from the response log the first time it is needed."""
        found = self.tallies.get(slide_id)
        if found is not None:
            counting = self._counting.get(slide_id)
            if counting is not None:  # another caller is counting it: wait for the whole count
                await asyncio.shield(counting)
            return found
        counted: Tally
        if slide_id == QA_SLIDE:
            counted = QaTally()
        else:
            document = self.presentation.document
            slide = document.slide(slide_id)
            assert slide is not None
            counted = new_tally(slide, document.language)
            read = kind_of(slide).reads(document, slide)
            if read:  # a leaderboard: the quizzes before it, counted first
                counted.attach([await self.ensure_tally(other) for other in read], self.id)
        # Registered before loading: events that arrive meanwhile count, and count once.
        self.tallies[slide_id] = counted
        counting = self._counting[slide_id] = asyncio.get_running_loop().create_future()
        try:
            await self._count_from_log(slide_id, counted, 0)
        except BaseException:
            if self.tallies.get(slide_id) is counted:
                del self.tallies[slide_id]  # the next caller counts again
            raise
        finally:
            del self._counting[slide_id]
            counting.set_result(None)
        return counted

    def counted(self, slide_id: str) -> Tally | None:
        """A slide's tally if it is counted already (not while it is being counted)."""
        return None if slide_id in self._counting else self.tallies.get(slide_id)

    async def mine(self, slide_id: str, participant: str) -> dict[str, Any] | None:
        """A participant's answers that count on a slide, from its tally (no lookup per phone:
        a thousand phones reloading count the slide once)."""
        slide = self.presentation.document.slide(slide_id)
        if slide is None:
            return None
        kind = kind_of(slide)
        if not (kind.takes_answers or kind.personal):
            return None
        found = (await self.ensure_tally(slide_id)).mine(participant)
        return kind.own(slide, found, self.presentation.state)

    async def _count_from_log(self, slide_id: str, counted: Tally, after_id: int) -> int:
        """Apply a slide's answers above after_id, a page at a time; returns the highest id.

        Between pages the event loop serves everyone else: a slide with a million answers takes
        seconds to count, and must not hold up every phone meanwhile.
        """
        highest = after_id
        while True:
            page = await self.load_responses(slide_id, highest, LOAD_PAGE)
            for response in page:
                counted.apply(response)
            if page:
                highest = page[-1].id
                if highest > self._counted_up_to.get(slide_id, 0):
                    self._counted_up_to[slide_id] = highest
            if len(page) < LOAD_PAGE:
                return highest
            await asyncio.sleep(0)

    async def resync(self) -> None:
        """Catch up from storage with anything a lost broker message left out.

        It reads only answers above the highest id that the catch-up before the last one read
        (at least RESYNC_SECONDS ago), not the whole log: a room with a million answers would
        otherwise stall every half minute. An answer committed after a higher id was visible
        (possible with several PostgreSQL writers) is still caught, unless its transaction
        took longer than that. The first catch-up reads everything.
        """
        await self.check_state()
        older, newer = self._read_up_to
        highest = max(older, newer)
        for slide_id, counted in list(self.tallies.items()):
            highest = max(highest, await self._count_from_log(slide_id, counted, older))
        # After a full read both marks move up: otherwise the second catch-up would read it all
        # again, and with a million answers stall the room for a second.
        self._read_up_to = (highest, highest) if older == 0 else (newer, highest)
        await self._reload_joined()
        self.schedule_results()
        self.feed.schedule()

    async def _reload_joined(self) -> None:
        """The join count from storage. A join heard while the count was read may be missing
        from it (committed after the read): then it is read again, a few times at most, and in
        a flood of joins the higher of the two counts stands."""
        for _ in range(3):
            heard = self._joins_heard
            loaded = await self._load_joined()
            if self._joins_heard == heard:
                self.joined = loaded
                return
        self.joined = max(self.joined, loaded)

    def results_message(self, slide_id: str | None = None) -> dict[str, Any]:
        slide_id = slide_id or self.current_slide_id
        counted = self.tallies.get(slide_id) if slide_id else None
        moderation = frozenset(self.hidden.get(slide_id, ())) if slide_id else frozenset()
        results = None
        if counted is not None:
            mode = self.presentation.document.profanity
            hidden, held = counted.screened(moderation, hold_profanity=mode == "hide")
            results = counted.snapshot(hidden)
            # For the presenter's console: held back as swearing (to show if they decide), or
            # shown but marked (to hide with one click).
            results["held"] = held
            results["flagged"] = sorted(counted.profane - hidden) if mode == "flag" else []
        return {
            "type": "results",
            "slide": slide_id,
            "index": self.presentation.state.current,
            "joined": self.joined,
            "online": self.online,
            "visible": slide_id is None or self.presentation.state.results_visible(slide_id),
            "results": results,
            "reactions": dict(self.reaction_totals.get(slide_id or "", {})),
        }

    async def questions(self) -> QaTally:
        """The audience's questions, counted from the log the first time they are needed."""
        counted = await self.ensure_tally(QA_SLIDE)
        assert isinstance(counted, QaTally)
        return counted

    # ---- peers -----------------------------------------------------------------------------

    @property
    def online(self) -> int:
        """Phones connected now, in this worker and (through the broker) in the others."""
        fresh = time.time() - ONLINE_STALE_SECONDS
        elsewhere = sum(count for count, at in self.online_elsewhere.values() if at > fresh)
        return len(self.participants) + elsewhere

    def _announce_soon(self) -> None:
        """Tell other workers this worker's count, at most once per results interval."""
        if self._announce_timer is None:
            self._announce_timer = asyncio.get_running_loop().call_later(
                self._interval, self._announce
            )

    def _announce(self, force: bool = False) -> None:
        self._announce_timer = None
        count = len(self.participants)
        if force or count != self._announced:
            self._announced = count
            self.announce(count)
        if count and self._heartbeat_timer is None:
            # Counts older than ONLINE_STALE_SECONDS are dropped elsewhere: repeat ours.
            self._heartbeat_timer = asyncio.get_running_loop().call_later(
                ONLINE_HEARTBEAT_SECONDS, self._heartbeat
            )

    def _forget_silent_workers(self) -> None:
        """Drop the counts of workers silent for ONLINE_STALE_SECONDS (dead ones, most
        likely), and tell the screens now rather than with the next answer."""
        fresh = time.time() - ONLINE_STALE_SECONDS
        silent = [worker for worker, (_, at) in self.online_elsewhere.items() if at <= fresh]
        for worker in silent:
            del self.online_elsewhere[worker]
        if silent:
            self.schedule_results()

    def _heartbeat(self) -> None:
        self._heartbeat_timer = None
        self._announce(force=True)

    def add_participant(self, peer: Peer) -> None:
        self.participants.add(peer)
        self._announce_soon()
        self.schedule_results()
        self._poll_state_soon()

    def _poll_state_soon(self) -> None:
        if self._catch_up and self._load_state is not None and self._state_timer is None:
            self._state_timer = asyncio.get_running_loop().call_later(
                STATE_POLL_SECONDS, self._poll_state
            )

    def _poll_state(self) -> None:
        self._state_timer = None
        if self.participants or self.presenters:
            self._forget_silent_workers()
            self.spawn(self.check_state())
            if self.presenters:
                self.spawn(self.check_log())
            self._poll_state_soon()

    async def check_log(self) -> None:
        """Catch up from storage if a counted slide has answers this room has not counted."""
        if self._load_newest is None:
            return
        for slide_id in list(self.tallies):
            if await self._load_newest(slide_id) > self._counted_up_to.get(slide_id, 0):
                await self.resync()
                return

    async def check_state(self) -> None:
        """Take the stored state if it is newer than this room's (a lost or missed change)."""
        if self._load_state is None:
            return
        state = await self._load_state()
        if state is not None:
            self.apply_state(state)

    def add_presenter(self, peer: Peer) -> None:
        self.presenters.add(peer)
        self._poll_state_soon()
        if self._catch_up and self._resync_timer is None:
            self._resync_timer = asyncio.get_running_loop().call_later(
                RESYNC_SECONDS, self._periodic_resync
            )
        self.spawn(self.resync())

    def remove(self, peer: Peer) -> None:
        self.participants.discard(peer)
        self.feed.watchers.discard(peer)
        self.presenters.discard(peer)
        self._announce_soon()
        self.schedule_results()

    def _periodic_resync(self) -> None:
        self._resync_timer = None
        if self.presenters:
            self.spawn(self.resync())
            self._resync_timer = asyncio.get_running_loop().call_later(
                RESYNC_SECONDS, self._periodic_resync
            )

    def close(self) -> None:
        """Stop the timers; background work already started finishes on its own."""
        if self._announced:
            self.announce(0)  # this worker no longer holds phones of this presentation
        timers = (
            self._results_timer,
            self._resync_timer,
            self._announce_timer,
            self._heartbeat_timer,
            self._state_timer,
            self._closing_timer,
        )
        self.feed.close()
        for timer in timers:
            if timer is not None:
                timer.cancel()
        self._results_timer = self._resync_timer = self._state_timer = None
        self._announce_timer = self._heartbeat_timer = self._closing_timer = None
