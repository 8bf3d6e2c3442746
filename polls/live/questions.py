"""The audience's questions, live: asking and upvoting (stored through the writer like
answers), and the feed that sends each room's screens and following phones the questions as
they change. What questions and votes count, and who sees what, is pure: polls.kinds.qa."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from polls.core.errors import BadMessage, InvalidAnswer, LimitReached
from polls.core.i18n import N_
from polls.domain import protocol
from polls.domain.controls import check_question_action
from polls.domain.protocol import Ask, QuestionAction, Upvote
from polls.kinds.qa import (
    MAX_QUESTIONS,
    QA_SLIDE,
    QaTally,
    Screening,
    board,
    check_question,
    held,
    public,
    qa_enabled,
    screening,
    upvote_value,
)
from polls.live.peer import Peer
from polls.live.writer import Writer
from polls.storage import Outcome, Status, Storage, Submission

if TYPE_CHECKING:
    from polls.live.room import Room

# Phones that follow the audience's questions get the list at most once a second: thousands of
# phones each sent every upvote would be a flood; a second later is soon enough to read.
PHONE_QUESTIONS_SECONDS = 1.0


class QuestionFeed:
    """One room's questions on their way to its screens (all of them, marked, once per results
    interval at most) and to the phones that have them open (those the audience sees, encoded
    once, at most once per PHONE_QUESTIONS_SECONDS)."""

    def __init__(self, room: Room) -> None:
        self.room = room
        self.watchers: set[Peer] = set()
        self._timers: dict[bool, asyncio.TimerHandle] = {}  # by "for phones"
        self._sent_at: dict[bool, float] = {}
        self._for_phones: dict[str, Any] | None = None  # the phones' list, until a change

    def screening(self) -> Screening:
        """What keeps a question of this room from its audience, as things stand."""
        room = self.room
        return screening(room.presentation.document, room.hidden.get(QA_SLIDE, ()))

    def board(self, counted: QaTally) -> list[dict[str, Any]]:
        """Every question as the console lists it (see :func:`polls.kinds.qa.board`)."""
        return board(counted, self.room.presentation.state, self.screening())

    def message(self, counted: QaTally, *, for_phones: bool) -> dict[str, Any]:
        """The questions as the screens (all, marked) or the phones (those shown) get them; the
        phones' is made once per change, however many phones open the list."""
        if for_phones and self._for_phones is not None:
            return self._for_phones
        items = self.board(counted)
        message = {
            "type": "questions",
            "items": public(items) if for_phones else items,
            "answering": self.room.presentation.state.answering,
            "moderation": self.room.presentation.document.qa_moderation,
        }
        if for_phones:
            self._for_phones = message
        return message

    def schedule(self) -> None:
        """Send the questions soon. Called on every change of the questions, their votes or
        what the presenter decided."""
        self._for_phones = None
        if not qa_enabled(self.room.presentation.document):
            return
        loop = asyncio.get_running_loop()
        for for_phones, peers in ((False, self.room.presenters), (True, self.watchers)):
            if not peers or for_phones in self._timers:
                continue
            every = PHONE_QUESTIONS_SECONDS if for_phones else self.room.results_interval
            due = self._sent_at.get(for_phones, 0.0) + every
            self._timers[for_phones] = loop.call_later(
                max(0.0, due - loop.time()), self._send, for_phones
            )

    def _send(self, for_phones: bool) -> None:
        self._timers.pop(for_phones, None)
        self._sent_at[for_phones] = asyncio.get_running_loop().time()
        counted = self.room.counted(QA_SLIDE)
        if not isinstance(counted, QaTally):
            self.room.spawn(self._count_then_send(for_phones))
            return
        data = protocol.encode(self.message(counted, for_phones=for_phones))
        for peer in self.watchers if for_phones else self.room.presenters:
            peer.latest("questions", data)

    async def _count_then_send(self, for_phones: bool) -> None:
        await self.room.questions()
        self._send(for_phones)

    def watch(self, peer: Peer, watching: bool) -> None:
        (self.watchers.add if watching else self.watchers.discard)(peer)

    def close(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()


class Asking:
    """Questions and upvotes from participants, over the socket or HTTP alike: checked, then
    stored through the writer as responses of the pseudo-slide QA_SLIDE, once per submission."""

    def __init__(self, storage: Storage, writer: Writer) -> None:
        self.storage = storage
        self.writer = writer

    def ask(self, room: Room, participant: str, message: Ask) -> asyncio.Future[Outcome]:
        """Start storing a question to the speaker (as the hub's ``submit`` does an answer);
        pass the outcome to :func:`refuse_questions_over_limit`."""
        check_qa(room)
        value = check_question(message.text)
        return self.writer.answer(_submission(room, participant, message.id, value, MAX_QUESTIONS))

    def upvote(self, room: Room, participant: str, message: Upvote) -> asyncio.Future[Outcome]:
        """Start storing an upvote (or taking one back) of a question the audience sees. With
        the questions counted already (the usual case) it is checked at once, with no task."""
        check_qa(room)
        counted = room.counted(QA_SLIDE)
        if isinstance(counted, QaTally) and shown(room, counted, message.question):
            return self.writer.answer(_upvote_submission(room, participant, message))
        return asyncio.ensure_future(self._upvote(room, participant, message))

    async def _upvote(self, room: Room, participant: str, message: Upvote) -> Outcome:
        if not shown(room, await room.questions(), message.question):
            stored = await self.storage.response(room.id, participant, message.id)
            if stored is not None:  # a retry of an upvote stored before the question was hidden
                return Outcome(Status.DUPLICATE, stored)
            raise InvalidAnswer(N_("This question is not (or no longer) shown."))
        return await self.writer.answer(_upvote_submission(room, participant, message))

    async def watch(self, room: Room, participant: str) -> dict[str, Any]:
        """The questions as phones see them, with this participant's own (asked, upvoted)."""
        check_qa(room)
        counted = await room.questions()
        return {**room.feed.message(counted, for_phones=True), "mine": counted.mine(participant)}


def refuse_questions_over_limit(outcome: Outcome) -> None:
    """Raise LimitReached for a question over the number a participant may ask."""
    if outcome.status is Status.LIMIT:
        raise LimitReached(
            N_("You have asked the %(limit)s questions one person may ask here."),
            limit=MAX_QUESTIONS,
        )


def check_qa(room: Room) -> None:
    if not qa_enabled(room.presentation.document):
        raise BadMessage(N_("This presentation takes no questions from the audience."))


async def check_question_control(room: Room, control: QuestionAction) -> None:
    """A presenter's action names an action there is, on a question there is."""
    check_qa(room)
    check_question_action(control)
    if control.question not in (await room.questions()).texts:
        raise BadMessage(N_("There is no such question."))


def shown(room: Room, counted: QaTally, question: int) -> bool:
    """Whether the audience sees a question (and so may upvote it)."""
    return question in counted.texts and not held(counted, question, room.feed.screening())


def _upvote_submission(room: Room, participant: str, message: Upvote) -> Submission:
    value = upvote_value(message.question, message.up)
    return _submission(room, participant, message.id, value)


def _submission(
    room: Room, participant: str, submission_id: str, value: dict[str, Any], limit: int = 0
) -> Submission:
    return Submission(
        presentation_id=room.id,
        slide_id=QA_SLIDE,
        participant=participant,
        submission_id=submission_id,
        value=value,
        items=1 if limit else 0,  # questions count against the limit; upvotes do not
        limit=limit,
        created_at=time.time(),
    )
