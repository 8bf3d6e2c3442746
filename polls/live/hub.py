"""The hub: the actions of participants and presenters, shared by WebSocket and HTTP.

It opens rooms on demand (and closes them when the last user leaves), checks
answers and controls, sends writes through the one :class:`~polls.live.writer.Writer`
and announces committed changes through the broker.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import msgspec

from polls.broker import Broker
from polls.core.errors import (
    BadMessage,
    LimitReached,
    NotCurrentSlide,
    Unavailable,
    UnknownCode,
    VotingClosed,
    VotingLocked,
)
from polls.core.i18n import N_
from polls.core.models import Document, ReactionCount, State, StoredResponse
from polls.domain.controls import (
    apply_control,
    check_moderation,
    moderation_changes,
    question_moderation,
)
from polls.domain.protocol import (
    Answer,
    Control,
    Hide,
    QuestionAction,
    React,
    Restore,
    check_answer,
)
from polls.kinds import kind_of
from polls.kinds.base import Kind
from polls.live.background import Background
from polls.live.events import (
    AskOnline,
    DocumentEvent,
    JoinedEvent,
    ModerationEvent,
    OnlineEvent,
    ResetEvent,
    ResponsesEvent,
    StateEvent,
    channel,
    encode_event,
)
from polls.live.outage import Outage
from polls.live.questions import Asking, check_question_control
from polls.live.reactions import Reactions
from polls.live.room import Room
from polls.live.writer import Writer
from polls.storage import Outcome, Status, Storage, Submission
from polls.storage.base import hidden_by_slide
from polls.storage.retention import Purged, purge_each

NO_SUCH_CODE = N_("No open presentation has this code. Check the code on the screen.")


class Hub:
    def __init__(
        self, storage: Storage, broker: Broker, writer: Writer, *, results_interval: float = 0.05
    ) -> None:
        self.storage = storage
        self.broker = broker
        self.writer = writer
        self.results_interval = results_interval
        self.rooms: dict[str, Room] = {}
        self._opening: dict[str, asyncio.Future[Room]] = {}
        self._background = Background("room work")
        self.worker = secrets.token_hex(6)  # tells this worker's counts from the others'
        writer.on_committed = self._committed
        writer.on_joined = self._joined
        self.broker_outage = Outage("the broker")
        broker.on_reconnect = self._reconnected
        self.asking = Asking(storage, writer)  # the audience's questions and upvotes
        self.reactions = Reactions(
            results_interval, self._store_reactions, self._publish, self._background.start
        )

    # ---- rooms -----------------------------------------------------------------------------

    @asynccontextmanager
    async def room(self, presentation_id: str) -> AsyncIterator[Room]:
        """Use a presentation's room for as long as the block runs."""
        room = await self._acquire(presentation_id)
        try:
            yield room
        finally:
            await self._release(room)

    def open_room_id(self, code: str) -> str | None:
        """The presentation of an open room with this join code, found without storage."""
        return next((r.id for r in self.rooms.values() if r.presentation.code == code), None)

    @asynccontextmanager
    async def room_by_code(self, code: str) -> AsyncIterator[Room]:
        # A room that is open already knows its code: 10,000 phones joining cost no lookups.
        presentation_id = self.open_room_id(code)
        if presentation_id is None:
            presentation = await self.storage.presentation_by_code(code)
            if presentation is None:
                raise UnknownCode(NO_SUCH_CODE)
            presentation_id = presentation.id
        async with self.room(presentation_id) as room:
            yield room

    async def _acquire(self, presentation_id: str) -> Room:
        room = self.rooms.get(presentation_id)
        if room is None:
            opening = self._opening.get(presentation_id)
            if opening is None:
                opening = asyncio.ensure_future(self._open(presentation_id))
                self._opening[presentation_id] = opening
                opening.add_done_callback(lambda _: self._opening.pop(presentation_id, None))
            room = await asyncio.shield(opening)
        room.users += 1
        return room

    async def _open(self, presentation_id: str) -> Room:
        presentation = await self.storage.presentation(presentation_id)
        if presentation is None or presentation.closed_at is not None:
            raise UnknownCode(N_("This presentation does not exist or has been closed."))
        room = Room(
            presentation,
            hidden_by_slide(await self.storage.moderation(presentation_id)),
            await self.storage.joined_count(presentation_id),
            lambda slide_id, after_id, limit: self.storage.responses(
                presentation_id, slide_id, after_id, limit
            ),
            lambda: self.storage.joined_count(presentation_id),
            self.results_interval,
            self._background.start,
            lambda count: self._background.start(self._announce(presentation_id, count)),
            self.worker,
            catch_up=self.broker.loses_messages,
            load_state=lambda: self._stored_state(presentation_id),
            load_newest=lambda slide_id: self.storage.newest_response_id(presentation_id, slide_id),
        )
        for count in await self.storage.reactions(presentation_id):
            room.reaction_totals.setdefault(count.slide_id, Counter())[count.reaction] += (
                count.count
            )
        # Registered only once its events can arrive: a room that cannot hear is no room.
        try:
            await self.broker.subscribe(channel(presentation_id), room.on_event)
        except Exception as exc:
            room.close()
            self.broker_outage.failed(exc)
            raise Unavailable(
                N_("The service cannot reach its broker right now; please retry.")
            ) from exc
        self.rooms[presentation_id] = room
        await self._publish(presentation_id, AskOnline())
        # A change committed between loading and subscribing would be missed: look once more.
        latest = await self.storage.presentation(presentation_id)
        if latest is not None and latest.state.version > room.presentation.state.version:
            room.on_event(encode_event(StateEvent(latest.state)))
        return room

    async def _release(self, room: Room) -> None:
        room.users -= 1
        if room.users == 0 and self.rooms.get(room.id) is room:
            del self.rooms[room.id]
            room.close()
            try:
                await self.broker.unsubscribe(channel(room.id), room.on_event)
            except Exception as exc:  # the broker forgets it on reconnect; nothing is lost
                self.broker_outage.failed(exc)

    async def close(self) -> None:
        """Stop every room and wait for background work, before storage closes."""
        for room in self.rooms.values():
            room.close()
        self.reactions.close()
        await self.reactions.flush()
        await self._background.wait()

    async def _announce(self, presentation_id: str, count: int) -> None:
        await self._publish(presentation_id, OnlineEvent(self.worker, count, time.time()))

    async def _publish(self, presentation_id: str, event: object) -> None:
        """Tell every worker's room; events are hints, so a broker that is away costs only
        time (rooms read the state and the log from storage), never a refused action."""
        try:
            await self.broker.publish(channel(presentation_id), encode_event(event))
        except Exception as exc:
            self.broker_outage.failed(exc)
        else:
            self.broker_outage.recovered()

    async def _stored_state(self, presentation_id: str) -> State | None:
        found = await self.storage.presentation(presentation_id)
        return None if found is None else found.state

    def _reconnected(self) -> None:
        """The broker is back: events may have been lost meanwhile, so every room reads the
        state and the answers it may have missed from storage now."""
        self.broker_outage.recovered()
        for room in list(self.rooms.values()):
            room.spawn(room.resync())

    # ---- after commits ---------------------------------------------------------------------

    async def _committed(self, responses: list[StoredResponse]) -> None:
        by_presentation: dict[str, list[StoredResponse]] = defaultdict(list)
        for response in responses:
            by_presentation[response.presentation_id].append(response)
        for presentation_id, items in by_presentation.items():
            await self._publish(presentation_id, ResponsesEvent(items))

    async def _joined(self, joins: list[tuple[str, str]]) -> None:
        counts: dict[str, int] = defaultdict(int)
        for presentation_id, _ in joins:
            counts[presentation_id] += 1
        for presentation_id, count in counts.items():
            await self._publish(presentation_id, JoinedEvent(count))

    # ---- participant actions ---------------------------------------------------------------

    async def join(self, room: Room, participant: str) -> bool:
        return await self.writer.join(room.id, participant, time.time())

    def join_soon(self, room: Room, participant: str) -> None:
        """Record a join without making the phone wait for the commit (it changes only a count)."""

        async def record() -> None:
            await self.join(room, participant)

        self._background.start(record())

    async def answer(self, room: Room, participant: str, message: Answer) -> Outcome:
        """Store an answer to the current slide; the outcome comes after the commit."""
        outcome = await self.submit(room, participant, message)
        refuse_over_limit(room, message, outcome)
        return outcome

    def submit(self, room: Room, participant: str, message: Answer) -> asyncio.Future[Outcome]:
        """Start storing an answer to the current slide: checks that need no storage are made
        at once (and raise), and the future gives the outcome once it is committed.

        A future rather than a coroutine, so that a socket can go on reading meanwhile; pass
        the outcome to :func:`refuse_over_limit`.
        """
        presentation = room.presentation
        slide = presentation.current_slide
        if (
            slide is None
            or slide.id != message.slide
            or not presentation.state.voting_open(slide.id, time.time())
        ):
            moved_on = slide is None or slide.id != message.slide
            ran_out = (
                not moved_on and slide is not None and slide.id not in presentation.state.locked
            )
            return asyncio.ensure_future(
                self._not_open(room, participant, message, moved_on, ran_out)
            )
        checked = check_answer(slide, message.value, presentation.document.language)
        kind = kind_of(slide)
        now = time.time()
        opened = presentation.state.opened_at(slide.id)
        return self.writer.answer(
            Submission(
                presentation_id=room.id,
                slide_id=slide.id,
                participant=participant,
                submission_id=message.id,
                value=kind.stamped(slide, checked.value, None if opened is None else now - opened),
                items=checked.items,
                limit=kind.answer_limit(slide),
                created_at=now,
            )
        )

    async def _not_open(
        self, room: Room, participant: str, message: Answer, moved_on: bool, ran_out: bool
    ) -> Outcome:
        stored = await self.storage.response(room.id, participant, message.id)
        if stored is not None:  # a retry of an answer that made it in before the change
            return Outcome(Status.DUPLICATE, stored)
        if moved_on:
            raise NotCurrentSlide(N_("This question is no longer open; answer the one shown now."))
        if ran_out:
            raise VotingClosed(N_("Time is up: voting on this question has closed."))
        raise VotingLocked(N_("Voting on this question is closed."))

    def react(self, room: Room, participant: str, message: React) -> None:
        """Count a reaction to a slide of the room (the shown one if it names none)."""
        document = room.presentation.document
        if message.reaction not in document.reactions:
            raise BadMessage(N_("This presentation does not take that reaction."))
        slide_id = message.slide or room.current_slide_id
        if slide_id is None or document.slide(slide_id) is None:
            raise BadMessage(N_("There is no such slide to react to."))
        self.reactions.add(room.id, participant, slide_id, message.reaction)

    async def _store_reactions(self, rows: list[tuple[str, ReactionCount]]) -> None:
        await self.writer.run(lambda storage: storage.add_reactions(rows))

    async def withdraw(self, presentation_id: str, participant: str) -> int:
        """Delete one participant's answers from a presentation, on their own request."""
        deleted = await self.writer.run(
            lambda storage: storage.delete_participant(presentation_id, participant)
        )
        await self._publish(presentation_id, ResetEvent())
        return deleted

    async def delete_answers(self, presentation_id: str, before: float | None = None) -> int:
        """Delete a presentation's answers (all, or those before a time)."""
        deleted = await self.writer.run(
            lambda storage: storage.delete_responses(presentation_id, before)
        )
        await self._publish(presentation_id, ResetEvent())
        return deleted

    async def purge(self, default_days: int, stopping: asyncio.Event | None = None) -> list[Purged]:
        """Delete expired answers everywhere, one presentation per write (answers arriving
        meanwhile wait for one presentation's delete, not for all); screens that show them
        rebuild their results. ``stopping`` ends it between two presentations."""

        async def delete(presentation_id: str, cutoff: float) -> int:
            deleted = await self.writer.run(partial(_delete_before, presentation_id, cutoff))
            if deleted:
                await self._publish(presentation_id, ResetEvent())
            return deleted

        presentations = await self.storage.presentations()
        return await purge_each(presentations, delete, default_days, time.time(), stopping)

    async def change_document(self, room: Room, document: Document) -> None:
        """Store a changed presentation and show it everywhere at once."""
        async with room.control_lock:
            await self.writer.run(lambda storage: storage.update_document(room.id, document))
            room.apply_document(document)
            await self._publish(room.id, DocumentEvent(msgspec.to_builtins(document)))

    # ---- presenter actions -----------------------------------------------------------------

    async def control(self, room: Room, control: Control) -> State:
        """Apply a presenter control; returns the new state once it is stored."""
        async with room.control_lock:
            if isinstance(control, QuestionAction):
                await check_question_control(room, control)
                control = question_moderation(control) or control
            elif isinstance(control, Hide | Restore):
                check_moderation(room.presentation.document, control)
            if isinstance(control, Hide | Restore):
                slide_id = control.slide
                for item, present in moderation_changes(control):
                    await self.writer.run(partial(_moderate, room.id, slide_id, item, present))
                    room.apply_moderation(slide_id, item, present)
                    await self._publish(room.id, ModerationEvent(slide_id, item, present))
                return room.presentation.state
            state = apply_control(
                room.presentation.document, room.presentation.state, control, now=time.time()
            )
            if state is not room.presentation.state:
                await self.writer.run(lambda storage: storage.save_state(room.id, state))
                room.apply_state(state)
                await self._publish(room.id, StateEvent(state))
            return state


def refuse_over_limit(room: Room, message: Answer, outcome: Outcome) -> None:
    """Raise LimitReached, with what is left, for an answer the participant's limit refused."""
    if outcome.status is not Status.LIMIT:
        return
    slide = room.presentation.document.slide(message.slide)
    kind: Kind[Any] = Kind() if slide is None else kind_of(slide)
    limit = 0 if slide is None else kind.answer_limit(slide)
    if not outcome.remaining:
        raise LimitReached(kind.limit_reached, limit=limit)
    raise LimitReached(kind.limit_left, limit=limit, left=outcome.remaining)


async def _delete_before(presentation_id: str, cutoff: float, storage: Storage) -> int:
    return await storage.delete_responses(presentation_id, before=cutoff)


async def _moderate(
    presentation_id: str, slide_id: str, item: str, present: bool, storage: Storage
) -> None:
    await storage.set_moderation(presentation_id, slide_id, item, present)
