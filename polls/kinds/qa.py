"""Audience Q&A: participants ask the speaker questions and upvote each other's.

Questions and upvotes are responses in the one response log, under the pseudo-slide
:data:`QA_SLIDE` (no slide id can be it: slide ids have no ``@``), so they are stored once per
submission id, acknowledged after the commit and counted from the log like every answer. A
``qa`` slide shows them on the screen; with ``qa: true`` in the document phones can open them
from any slide. No I/O here: checks, the tally and the boards are pure.

What the presenter decides is kept where the rest of their decisions are: "answering now" and
"answered" in the presentation state, hiding and approving as moderation of ``QA_SLIDE`` (a
question's id hides it; ``+`` and its id shows it, past pre-moderation or the swear-word lists).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from polls.core.errors import InvalidAnswer
from polls.core.i18n import N_
from polls.core.models import QA_SLIDE, Document, Slide, State, StoredResponse
from polls.core.profanity import is_profane
from polls.core.words import clean_multiline, visible_length
from polls.kinds.base import SHOWN_ANYWAY, Kind, Tally
from polls.kinds.fields import QUESTION

__all__ = ["QA_SLIDE", "QaKind", "QaTally", "board", "held", "public", "qa_enabled", "screening"]

QUESTION_LENGTH = 280  # characters, as an open answer's default
MAX_QUESTIONS = 10  # a participant may ask this many questions in one presentation
SHOWN_TO_PHONES = 200  # questions in a phone's list at most: the most voted, then the newest
ACTIONS = ("answering", "answered", "reopen", "hide", "show")


class Qa(Slide, tag="qa", kw_only=True, frozen=True):
    question: str


class QaKind(Kind[Qa]):
    """The slide that shows the audience's questions; the questions themselves belong to the
    presentation, so every ``qa`` slide shows the same ones."""

    name = "qa"
    label = N_("Audience questions (Q&A)")
    slide_type = Qa
    fields = (QUESTION,)
    takes_answers = False
    waits = False  # the questions are the slide

    def new_tally(self, slide: Qa, language: str) -> Tally:
        return _SlideTally()


class _SlideTally(Tally):
    """A qa slide's own results (nothing: its questions are the presentation's), marked as
    the qa kind's so that the screen leaves the questions it draws in place."""

    kind = "qa"


def qa_enabled(document: Document) -> bool:
    """Whether the audience may ask questions: ``qa: true``, or a ``qa`` slide somewhere."""
    return document.qa or any(isinstance(slide, Qa) for slide in document.slides)


def check_question(raw: object) -> dict[str, Any]:
    """A question's stored value, cleaned like an open answer; InvalidAnswer if it does not fit."""
    if not isinstance(raw, str):
        raise InvalidAnswer(N_("Send the question as text."))
    text = clean_multiline(raw)
    if not text:
        raise InvalidAnswer(N_("The question is empty."))
    if visible_length(text) > QUESTION_LENGTH:
        raise InvalidAnswer(
            N_("A question may be at most %(count)s characters."), count=QUESTION_LENGTH
        )
    return {"text": text}


def upvote_value(question: int, up: bool) -> dict[str, Any]:
    """An upvote's stored value: a participant's newest one on a question counts."""
    return {"question": question, "up": up}


class QaTally(Tally):
    """Questions and their upvotes, from the log in any order, each response once."""

    kind = "qa"

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[int, str] = {}
        self.times: dict[int, float] = {}
        self.askers: dict[int, str] = {}
        self.votes: dict[int, int] = {}  # question: upvotes that count
        self._voted: dict[tuple[str, int], tuple[int, bool]] = {}  # newest (response id, up)
        self._upvoted: dict[str, set[int]] = {}  # participant: questions they upvote now

    def apply(self, response: StoredResponse) -> None:
        value = response.value
        text = value.get("text")
        if isinstance(text, str):
            if response.id in self.texts:
                return
            super().apply(response)
            self.texts[response.id] = text
            self.times[response.id] = response.created_at
            self.askers[response.id] = response.participant
            if is_profane(text):
                self.profane.add(str(response.id))
            return
        question, up = value.get("question"), value.get("up")
        if not isinstance(question, int) or not isinstance(up, bool):
            return
        key = (response.participant, question)
        before = self._voted.get(key)
        if before is not None and before[0] >= response.id:
            return  # older than (or the same as) the vote that counts
        self._voted[key] = (response.id, up)
        mine = self._upvoted.setdefault(response.participant, set())
        (mine.add if up else mine.discard)(question)
        change = int(up) - int(before is not None and before[1])
        if change:
            self.votes[question] = self.votes.get(question, 0) + change

    def mine(self, participant: str) -> dict[str, Any] | None:
        """The questions this participant asked and those they upvote."""
        upvoted = sorted(self._upvoted.get(participant, ()))
        asked = [
            {"id": qid, "text": self.texts[qid]}
            for qid, who in self.askers.items()
            if who == participant
        ]
        return {"asked": asked, "upvoted": upvoted}


class Screening(msgspec.Struct, frozen=True):
    """What keeps a question from the audience: the presenter's moderation of QA_SLIDE (an id
    hides it, ``+`` and the id shows it), pre-moderation, and the profanity rule."""

    moderation: frozenset[str]
    premoderation: bool
    profanity: str


def screening(document: Document, moderation: Iterable[str]) -> Screening:
    """A presentation's screening of questions, from its document and its moderation items."""
    return Screening(frozenset(moderation), document.qa_moderation, document.profanity)


def board(tally: QaTally, state: State, rules: Screening) -> list[dict[str, Any]]:
    """Every question as the presenter's console lists it, most votes first: whether the
    audience sees it and, if not, why ("hidden", "pending" approval, held as "swearing")."""
    answered = dict(state.answered)
    items: list[dict[str, Any]] = []
    for qid, text in tally.texts.items():
        profane = str(qid) in tally.profane
        status = (
            "answering" if qid == state.answering else "answered" if qid in answered else "open"
        )
        items.append(
            {
                "id": qid,
                "text": text,
                "votes": tally.votes.get(qid, 0),
                "at": round(tally.times[qid] * 1000),
                "status": status,
                "answered_at": round(answered[qid] * 1000) if qid in answered else None,
                "held": held(tally, qid, rules),
                "flagged": profane and rules.profanity == "flag",
            }
        )
    items.sort(key=lambda item: (-item["votes"], -item["id"]))
    return items


def public(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the audience sees of the board: the questions shown, without the console's marks,
    at most SHOWN_TO_PHONES (the most voted, then the newest)."""
    shown = [item for item in items if not item["held"]]
    if len(shown) > SHOWN_TO_PHONES:
        top = shown[: SHOWN_TO_PHONES // 2]
        rest = sorted(shown[SHOWN_TO_PHONES // 2 :], key=lambda item: -item["id"])
        shown = top + rest[: SHOWN_TO_PHONES - len(top)]
    return [{key: item[key] for key in ("id", "text", "votes", "at", "status")} for item in shown]


def held(tally: QaTally, question: int, rules: Screening) -> str:
    """Why the audience does not see a question: "hidden" by the presenter, "pending" their
    approval, held as "swearing"; "" when it is shown."""
    key = str(question)
    approved = SHOWN_ANYWAY + key in rules.moderation
    if key in rules.moderation:
        return "hidden"
    if rules.premoderation and not approved:
        return "pending"
    if key in tally.profane and rules.profanity == "hide" and not approved:
        return "swearing"
    return ""
